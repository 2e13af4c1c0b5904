// What each fuzz target feeds the engine, shared by the libFuzzer targets (cpp/fuzz_*.cpp) and the replay of
// their corpus in the normal test suite (tests/cpp/test_fuzz_corpus.cpp). A clear lenet::Error is the
// expected answer to a bad input. Anything else is a bug: a crash, a sanitizer report, or a broken promise
// of the engine, which these functions throw as std::logic_error (libFuzzer then reports an uncaught
// exception and keeps the input; the test suite reports the file and the message).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "data/idx.h"
#include "model/network.h"
#include "data/preprocess.h"

namespace lenet::fuzz {

// A model file: load it; if it loads, classify one image, and check that saving and loading again gives
// the same file.
inline void model_file(const uint8_t* data, size_t size) {
  std::vector<uint8_t> saved;
  try {
    Network net = Network::load(data, size);
    std::vector<float> image(static_cast<size_t>(net.input_pixels()), 0.5f), probs(static_cast<size_t>(net.classes()));
    net.predict(probs.data(), image.data(), 1);
    saved = net.save();
  } catch (const Error&) {
    return;
  }
  if (Network::load(saved.data(), saved.size()).save() != saved)
    throw std::logic_error("a loaded model saved, loaded and saved again gives a different file");
}

// An IDX file: parse it; if it has a count as first dimension, pair it with labels as images would be.
inline void idx_file(const uint8_t* data, size_t size) {
  IdxArray a;
  try {
    a = parse_idx(data, size);
  } catch (const Error&) {
    return;
  }
  size_t n = a.dims.empty() ? 0 : 1;
  for (uint32_t d : a.dims) n *= d;
  if (a.dims.empty() || a.data.size() != n)
    throw std::logic_error("parse_idx accepted a file whose data does not match its dimensions");
  if (a.dims[0] > 4096) return;
  IdxArray labels;
  labels.dims = {a.dims[0]};
  labels.data.assign(a.dims[0], 3);
  try {
    const Dataset set = make_dataset(a, labels);
    if (set.images.size() != static_cast<size_t>(set.count) * set.side * set.side ||
        set.labels.size() != static_cast<size_t>(set.count))
      throw std::logic_error("make_dataset built a set whose arrays do not match its count and side");
  } catch (const Error&) {
  }
}

// A drawing: bytes 0-1 width, 2-3 height (each the low byte, plus 256 if the high byte is 0xFF: sizes up
// to 511, mostly below 256, where the fuzzer runs several times faster); byte 4
// the pixel kind (bit 1 set: float pixels for preprocess_drawing_f32, 4 bytes each, NaN and Inf
// included; else bytes, bit 0 set: gray, clear: RGBA); byte 5 the side (odd: 32, even: 28); the pixels
// follow, repeated to fill the bitmap.
inline void drawing(const uint8_t* data, size_t size) {
  if (size < 7) return;
  const int width = data[0] + (data[1] == 0xFF ? 256 : 0);
  const int height = data[2] + (data[3] == 0xFF ? 256 : 0);
  const bool floats = data[4] & 2;
  const int channels = (data[4] & 1) ? 1 : 4;
  const int side = (data[5] & 1) ? 32 : 28;
  const uint8_t* px = data + 6;
  const size_t n = size - 6;
  const size_t count = static_cast<size_t>(width) * height * (floats ? 4 : channels);
  std::vector<uint8_t> pixels(count);
  for (size_t i = 0; i < count; ++i) pixels[i] = px[i % n];
  std::vector<float> out(static_cast<size_t>(side) * side, -1.0f);
  bool drawn = false;
  try {
    if (floats) {
      std::vector<float> f(count / 4);
      if (count) std::memcpy(f.data(), pixels.data(), count);
      drawn = preprocess_drawing_f32(out.data(), f.data(), width, height, side);
    } else {
      Bitmap bm;
      bm.pixels = pixels.empty() ? px : pixels.data();
      bm.width = width;
      bm.height = height;
      bm.channels = channels;
      drawn = preprocess_drawing(out.data(), bm, side);
    }
  } catch (const Error&) {
    return;
  }
  // The network's input must be in [0, 1]; an empty drawing must leave the output untouched.
  for (float v : out) {
    if (drawn && !(v >= 0.0f && v <= 1.0f)) throw std::logic_error("a preprocessed drawing has a pixel outside [0, 1]");
    if (!drawn && v != -1.0f) throw std::logic_error("an empty drawing changed the output");
  }
}

}  // namespace lenet::fuzz
