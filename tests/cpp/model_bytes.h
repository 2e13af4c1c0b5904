// Helpers for tests that damage model files on purpose: a damaged file needs a fresh checksum to get past
// the checksum check to the check under test.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/model_file.h"
#include "model/network.h"

namespace lenet_test {

// Rewrites the trailing CRC-32 to match the bytes before it.
inline void reseal(std::vector<uint8_t>& bytes) {
  const uint32_t crc = lenet::crc32(bytes.data(), bytes.size() - 4);
  for (int i = 0; i < 4; ++i) bytes[bytes.size() - 4 + i] = static_cast<uint8_t>(crc >> (8 * i));
}

// The loader's message for these bytes, or "(loaded)" when it accepts them.
inline std::string load_error(const std::vector<uint8_t>& bytes) {
  try {
    lenet::Network::load(bytes.data(), bytes.size());
  } catch (const lenet::Error& e) {
    return e.what();
  }
  return "(loaded)";
}

}  // namespace lenet_test
