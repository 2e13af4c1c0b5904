// The model file: a versioned little-endian binary, documented in docs/model-format.md.
//   version 1: "LENET5\r\n" magic (8 bytes) | u32 version | u32 config bytes | config | u32 frozen-layer bits |
//              u64 optimizer steps | u32 parameter count | f32 parameters | u32 CRC-32 of everything before it
//   version 2: the same, with after the steps: u32 flags (bit 0: parameters stored as float16) |
//              u32 class-name bytes | the names (each: u8 length, UTF-8) | then the count, the parameters
//              (f32, or f16 with flag 0) and the CRC; and the configuration's field `classes`.
// A model is written in the oldest version that holds it: version 1 unless it has class names of its own,
// other than ten classes, or float16 parameters.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/config.h"

namespace lenet {

constexpr uint32_t kModelFormatVersion = 2;  // the newest version this build reads and writes

struct ModelContents {
  Config config;
  uint32_t frozen = 0;  // bit i set: LayerId i is frozen
  uint64_t steps = 0;
  std::vector<std::string> class_names;  // empty: the classes are the digits 0..9
  bool float16 = false;                  // store the parameters as IEEE half precision (version 2)
  std::vector<float> params;
};

std::vector<uint8_t> encode_model(const ModelContents& m);
// Checks the magic, version, length, checksum, configuration (reserved bytes zero), class names and that
// every parameter is finite (Network::load adds the C3 table's zeros, which need the layers' layout);
// `expected_params(config)` must equal the stored count. Throws lenet::Error saying what is wrong.
ModelContents decode_model(const uint8_t* data, size_t size, size_t (*expected_params)(const Config&));

uint32_t crc32(const uint8_t* data, size_t size);

// Class names: 2..64 of them (as many as the configuration's classes), each 1..32 bytes of UTF-8 with no
// control characters, all different. Throws Error naming the first problem.
void check_class_names(const std::vector<std::string>& names, int classes);

// IEEE 754 half precision, round to nearest even (float16 model files).
uint16_t float_to_half(float v);
float half_to_float(uint16_t h);

}  // namespace lenet
