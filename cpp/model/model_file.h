// The model file: a versioned little-endian binary, documented in models/README.md.
//   "LENET5\r\n" magic (8 bytes) | u32 version | u32 config bytes | config | u32 frozen-layer bits |
//   u64 optimizer steps | u32 parameter count | f32 parameters | u32 CRC-32 of everything before it
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/config.h"

namespace lenet {

constexpr uint32_t kModelFormatVersion = 1;

struct ModelContents {
  Config config;
  uint32_t frozen = 0;  // bit i set: LayerId i is frozen
  uint64_t steps = 0;
  std::vector<float> params;
};

std::vector<uint8_t> encode_model(const ModelContents& m);
// Checks the magic, version, length, checksum, configuration (reserved bytes zero) and that every parameter
// is finite (Network::load adds the C3 table's zeros, which need the layers' layout);
// `expected_params(config)` must equal the stored count. Throws lenet::Error saying what is wrong.
ModelContents decode_model(const uint8_t* data, size_t size, size_t (*expected_params)(const Config&));

uint32_t crc32(const uint8_t* data, size_t size);

}  // namespace lenet
