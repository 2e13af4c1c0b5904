// Writes the generated part of the fuzzers' seed corpus into tests/fuzz/{model,idx,preprocess}/ (the
// other seeds there, and everything under tests/fuzz/crashes/, are kept by hand). A small program, not a
// test: run it from the repository root after a change of the model format, then commit what it wrote.
//   g++ -std=c++17 -O1 -DLENET_HAVE_SIMD=1 -msse4.1 -Icpp tests/fuzz/make_seeds.cpp -o /tmp/make_seeds
//       cpp/{base,kernels,layers,data,model}/*.cpp
//   /tmp/make_seeds          (the two lines above are one command)
// Model seeds: whole untrained models of two presets (tests/fuzz/model/modern-full.bin is the shipped
// trained one), one with a NaN weight, and header-only files whose parameter count is 0 but whose checksum
// is right, so the fuzzer starts behind the checksum cheaply (the loader then reads the configuration).
// Drawing seeds follow the layout in tests/fuzz/targets/fuzz_entries.h.
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "model/config.h"
#include "model/model_file.h"
#include "model/network.h"

namespace {

using Bytes = std::vector<uint8_t>;
constexpr size_t kHeader = 8 + 4 + 4 + 64 + 4 + 8 + 4;  // up to and including the parameter count

void write(const std::string& path, const Bytes& b) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || std::fwrite(b.data(), 1, b.size(), f) != b.size() || std::fclose(f) != 0) {
    std::perror(path.c_str());
    std::exit(1);
  }
  std::printf("%8zu %s\n", b.size(), path.c_str());
}

void put_u32(Bytes& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}

// Re-computes the trailing CRC-32 after an edit.
Bytes sign(Bytes b) {
  put_u32(b, b.size() - 4, lenet::crc32(b.data(), b.size() - 4));
  return b;
}

// The header of `model` with a parameter count of 0 and a valid checksum.
Bytes header_only(const Bytes& model) {
  Bytes b(model.begin(), model.begin() + kHeader + 4);
  put_u32(b, kHeader - 4, 0);
  return sign(b);
}

Bytes idx(uint8_t type, const std::vector<uint32_t>& dims, size_t data_bytes, uint8_t fill) {
  Bytes b = {0, 0, type, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(d >> s));
  b.resize(b.size() + data_bytes, fill);
  return b;
}

// A drawing seed: see lenet::fuzz::drawing.
Bytes drawing(int width, int height, uint8_t kind, uint8_t side, const Bytes& pixels) {
  const uint8_t w_hi = width > 255 ? 0xFF : 0, h_hi = height > 255 ? 0xFF : 0;
  Bytes b = {static_cast<uint8_t>(width), w_hi, static_cast<uint8_t>(height), h_hi, kind, side};
  b.insert(b.end(), pixels.begin(), pixels.end());
  return b;
}

Bytes floats(const std::vector<float>& v) {
  Bytes b(4 * v.size());
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

}  // namespace

int main() {
  const std::string m = "tests/fuzz/model/", i = "tests/fuzz/idx/", p = "tests/fuzz/preprocess/";
  for (const char* name : {"modern", "classic", "lecun1998"}) {
    const Bytes model = lenet::Network(lenet::preset(name)).save();
    if (std::string(name) != "modern") write(m + name + ".bin", model);
    write(m + name + "-count0.bin", header_only(model));
  }
  const Bytes lecun = lenet::Network(lenet::preset("lecun1998")).save();
  Bytes nan = lecun;
  const float q = std::numeric_limits<float>::quiet_NaN();
  std::memcpy(&nan[kHeader + 4 * 100], &q, 4);
  write(m + "lecun1998-nan.bin", sign(nan));
  Bytes version = header_only(lecun);
  put_u32(version, 8, 2);
  write(m + "version2.bin", sign(version));
  Bytes activation = header_only(lecun);
  activation[16] = 9;  // first configuration byte: the activation code
  write(m + "bad-activation.bin", sign(activation));
  Bytes trailing = header_only(lecun);
  trailing.insert(trailing.end() - 4, 16, 0);
  write(m + "trailing-bytes.bin", sign(trailing));
  Bytes crc = header_only(lecun);
  crc.back() ^= 1;
  write(m + "bad-checksum.bin", crc);

  write(i + "empty-set-0x28x28.idx", idx(0x08, {0, 28, 28}, 0, 0));
  write(i + "float-type.idx", idx(0x0D, {2, 2}, 16, 0));
  write(i + "five-dims.idx", idx(0x08, {1, 1, 1, 1, 1}, 1, 0));
  write(i + "labels-out-of-range.idx", idx(0x08, {4}, 4, 200));
  write(i + "short-data-1x28x28.idx", idx(0x08, {1, 28, 28}, 700, 9));

  write(p + "f32-gray-20x20.bin", drawing(20, 20, 2, 0, floats({0, 0, 0, 0.8f, 1, 0.3f, 0, 0})));
  write(p + "f32-nan-9x9.bin", drawing(9, 9, 2, 1, floats({0, q, 1})));
  write(p + "f32-inf-5x5.bin", drawing(5, 5, 3, 0, floats({0, std::numeric_limits<float>::infinity()})));
  write(p + "gray-511x511-stripes.bin", drawing(511, 511, 1, 1, {0, 0, 0, 0, 0, 0, 0, 255}));
  write(p + "rgba-transparent-12x12.bin", drawing(12, 12, 0, 0, {0, 0, 0, 0, 0, 0, 0, 255}));
  write(p + "rgba-280x280-canvas.bin", drawing(280, 280, 0, 1, {255, 255, 255, 255, 0, 0, 0, 255, 255, 255, 255, 0}));
  write(p + "zero-width.bin", drawing(0, 40, 1, 0, {255}));
  return 0;
}
