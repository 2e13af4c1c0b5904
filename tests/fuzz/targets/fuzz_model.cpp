// libFuzzer target: the model-file loader (see fuzz_entries.h and scripts/fuzz.sh).
#include "fuzz_entries.h"
#include "model/model_file.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  lenet::fuzz::model_file(data, size);
  return 0;
}

// The loader checks the file's length and CRC-32 before it trusts a single field, so a randomly mutated
// model almost never gets past them and the configuration, the parameter count and the weights behind
// them would go unfuzzed. Most mutants are therefore re-signed here (and some first cut or padded to the
// length their parameter count promises); one in eight keeps its bytes as mutated, so the length and
// checksum checks stay fuzzed too.
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  size = LLVMFuzzerMutate(data, size, max_size);
  // magic 8 | version 4 | config size 4 | config 64 | frozen 4 | steps 8 | count 4 (cpp/model/model_file.h)
  constexpr size_t kHeader = 8 + 4 + 4 + 64 + 4 + 8 + 4;
  if (seed % 8 == 0 || size < kHeader + 4) return size;
  if (seed % 8 <= 2) {
    const uint8_t* c = data + kHeader - 4;
    const uint32_t count = c[0] | (c[1] << 8) | (c[2] << 16) | (static_cast<uint32_t>(c[3]) << 24);
    const uint64_t fit = kHeader + 4ull * count + 4;
    if (fit <= max_size) {
      for (size_t i = size; i < fit; ++i) data[i] = 0;
      size = static_cast<size_t>(fit);
    }
  }
  const uint32_t crc = lenet::crc32(data, size - 4);
  for (int i = 0; i < 4; ++i) data[size - 4 + i] = static_cast<uint8_t>(crc >> (8 * i));
  return size;
}
