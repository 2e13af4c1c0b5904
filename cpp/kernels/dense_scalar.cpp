// Scalar reference of the dense (fully connected) layer, PyTorch weight layout w[O][I]. Built without
// auto-vectorisation (CMake): the yardstick for the SIMD twin and the no-SIMD fallback.
#include "kernels/kernels.h"

namespace lenet {

// shapes: y [N][O], x [N][I], w [O][I], b [O];  y[n][o] = b[o] + sum_i x[n][i] w[o][i]
void dense_fwd__scalar(float* y, const float* x, const float* w, const float* b, int N, int I, int O) {
  for (int n = 0; n < N; ++n) {
    const float* xn = x + static_cast<size_t>(n) * I;
    for (int o = 0; o < O; ++o) {
      const float* wo = w + static_cast<size_t>(o) * I;
      float sum = 0.0f;
      for (int i = 0; i < I; ++i) sum += xn[i] * wo[i];
      y[static_cast<size_t>(n) * O + o] = b[o] + sum;
    }
  }
}

// shapes: dx [N][I], dy [N][O], w [O][I];  dx[n][i] += sum_o dy[n][o] w[o][i]
void dense_bwd_input__scalar(float* dx, const float* dy, const float* w, int N, int I, int O) {
  for (int n = 0; n < N; ++n) {
    float* dxn = dx + static_cast<size_t>(n) * I;
    for (int o = 0; o < O; ++o) {
      const float g = dy[static_cast<size_t>(n) * O + o];
      const float* wo = w + static_cast<size_t>(o) * I;
      for (int i = 0; i < I; ++i) dxn[i] += g * wo[i];
    }
  }
}

// shapes: dw [O][I], db [O], dy [N][O], x [N][I];  dw[o][i] += sum_n dy[n][o] x[n][i], db[o] += sum_n dy[n][o]
void dense_bwd_weight__scalar(float* dw, float* db, const float* dy, const float* x, int N, int I, int O) {
  for (int n = 0; n < N; ++n) {
    const float* xn = x + static_cast<size_t>(n) * I;
    for (int o = 0; o < O; ++o) {
      const float g = dy[static_cast<size_t>(n) * O + o];
      float* dwo = dw + static_cast<size_t>(o) * I;
      for (int i = 0; i < I; ++i) dwo[i] += g * xn[i];
      db[o] += g;
    }
  }
}

}  // namespace lenet
