// Scalar reference of the elementwise activations, on the C library's exp and tanh. Built without
// auto-vectorisation (CMake): the yardstick for the SIMD twin and the no-SIMD fallback.
#include <cmath>

#include "kernels/kernels.h"

namespace lenet {

void relu_fwd__scalar(float* y, const float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void relu_bwd__scalar(float* dx, const float* dy, const float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

void sigmoid_fwd__scalar(float* y, const float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] = 1.0f / (1.0f + std::exp(-x[i]));
}

// s' = s (1 - s)
void sigmoid_bwd__scalar(float* dx, const float* dy, const float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) dx[i] = dy[i] * y[i] * (1.0f - y[i]);
}

void tanh_fwd__scalar(float* y, const float* x, size_t n, float a, float s) {
  for (size_t i = 0; i < n; ++i) y[i] = a * std::tanh(s * x[i]);
}

// (a tanh(s x))' = a s (1 - (y/a)^2) = s (a - y^2 / a)
void tanh_bwd__scalar(float* dx, const float* dy, const float* y, size_t n, float a, float s) {
  for (size_t i = 0; i < n; ++i) dx[i] = dy[i] * s * (a - y[i] * y[i] / a);
}

}  // namespace lenet
