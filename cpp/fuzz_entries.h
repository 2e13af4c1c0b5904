// What each fuzz target feeds the engine, shared by the libFuzzer targets (cpp/fuzz_*.cpp) and the replay of
// their corpus in the normal test suite (tests/cpp/test_fuzz_corpus.cpp). A clear lenet::Error is the
// expected answer to a bad input; anything else (another exception, a crash, a sanitizer report) is a bug.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "idx.h"
#include "network.h"
#include "preprocess.h"

namespace lenet::fuzz {

// A model file: load it, and if it loads, use it once.
inline void model_file(const uint8_t* data, size_t size) {
  try {
    Network net = Network::load(data, size);
    std::vector<float> image(static_cast<size_t>(net.input_pixels()), 0.5f), probs(kClasses);
    net.predict(probs.data(), image.data(), 1);
  } catch (const Error&) {
  }
}

// An IDX file: parse it; if it has a count as first dimension, pair it with labels as images would be.
inline void idx_file(const uint8_t* data, size_t size) {
  try {
    const IdxArray a = parse_idx(data, size);
    if (!a.dims.empty() && a.dims[0] <= 4096) {
      IdxArray labels;
      labels.dims = {a.dims[0]};
      labels.data.assign(a.dims[0], 3);
      make_dataset(a, labels);
    }
  } catch (const Error&) {
  }
}

// A drawing: bytes 0-1 width, 2-3 height (little-endian, taken modulo 512, so sizes up to 511), 4 the
// channel count (odd: gray, even: RGBA), 5 the side (odd: 32, even: 28); the pixels follow, repeated
// to fill the bitmap.
inline void drawing(const uint8_t* data, size_t size) {
  if (size < 7) return;
  const int width = (data[0] | (data[1] << 8)) % 512;
  const int height = (data[2] | (data[3] << 8)) % 512;
  const int channels = (data[4] & 1) ? 1 : 4;
  const int side = (data[5] & 1) ? 32 : 28;
  const uint8_t* px = data + 6;
  const size_t n = size - 6;
  std::vector<uint8_t> pixels(static_cast<size_t>(width) * height * channels);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = px[i % n];
  std::vector<float> out(static_cast<size_t>(side) * side, -1.0f);
  Bitmap bm;
  bm.pixels = pixels.empty() ? px : pixels.data();
  bm.width = width;
  bm.height = height;
  bm.channels = channels;
  bool drawn = false;
  try {
    drawn = preprocess_drawing(out.data(), bm, side);
  } catch (const Error&) {
    return;
  }
  // The network's input must be in [0, 1]; an empty drawing must leave the output untouched.
  for (float v : out)
    if (drawn ? !(v >= 0.0f && v <= 1.0f) : v != -1.0f) __builtin_trap();
}

}  // namespace lenet::fuzz
