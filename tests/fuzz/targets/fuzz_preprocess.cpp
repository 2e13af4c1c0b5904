// libFuzzer target: the drawing preprocessing (see fuzz_entries.h for how the input becomes a bitmap,
// and scripts/fuzz.sh).
#include "fuzz_entries.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  lenet::fuzz::drawing(data, size);
  return 0;
}
