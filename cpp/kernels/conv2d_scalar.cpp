// Scalar reference of the valid, stride-1 convolution: direct loops, no im2col, built without
// auto-vectorisation (CMake), so it is both the yardstick for the SIMD twin and the no-SIMD fallback.
// The innermost loop always runs along an output row, where both operands are contiguous.
#include "kernels/kernels.h"

namespace lenet {

// The SIMD twin works on one sample's input copied once per kernel column, cut to the OW columns that
// column reads (conv2d_wasmsimd.cpp): [C][K][H][OW] floats (the input gradient sums into a buffer of the
// same shape), plus a repacked copy of the weights [OC][C*K*K] and a table of C*K*K tap offsets for the forward.
size_t conv2d_scratch_floats(const ConvShape& s) {
  const size_t shifted = static_cast<size_t>(s.C) * s.K * s.H * s.OW();
  return shifted + static_cast<size_t>(s.OC + 1) * s.C * s.K * s.K;
}

// shapes: y [N][OC][OH][OW], x [N][C][H][W], w [OC][C][K][K], b [OC]
void conv2d_fwd__scalar(float* y, const float* x, const float* w, const float* b, const ConvShape& s,
                        float* /*scratch*/) {
  const int OH = s.OH(), OW = s.OW(), K = s.K;
  const size_t in_map = static_cast<size_t>(s.H) * s.W, out_map = static_cast<size_t>(OH) * OW;
  for (int n = 0; n < s.N; ++n) {
    const float* xn = x + static_cast<size_t>(n) * s.C * in_map;
    for (int oc = 0; oc < s.OC; ++oc) {
      float* yo = y + (static_cast<size_t>(n) * s.OC + oc) * out_map;
      for (size_t p = 0; p < out_map; ++p) yo[p] = b[oc];
      for (int c = 0; c < s.C; ++c) {
        const float* xc = xn + c * in_map;
        const float* wc = w + (static_cast<size_t>(oc) * s.C + c) * K * K;
        for (int ki = 0; ki < K; ++ki)
          for (int kj = 0; kj < K; ++kj) {
            const float wv = wc[ki * K + kj];
            for (int oh = 0; oh < OH; ++oh) {
              float* yrow = yo + oh * OW;
              const float* xrow = xc + (oh + ki) * s.W + kj;
              for (int ow = 0; ow < OW; ++ow) yrow[ow] += wv * xrow[ow];
            }
          }
      }
    }
  }
}

// shapes: dx [N][C][H][W], dy [N][OC][OH][OW], w [OC][C][K][K]
// dx[c][oh+ki][ow+kj] += w[oc][c][ki][kj] * dy[oc][oh][ow]: each output pixel scatters its gradient
// back onto the K x K input pixels it was computed from.
void conv2d_bwd_input__scalar(float* dx, const float* dy, const float* w, const ConvShape& s,
                              float* /*scratch*/) {
  const int OH = s.OH(), OW = s.OW(), K = s.K;
  const size_t in_map = static_cast<size_t>(s.H) * s.W, out_map = static_cast<size_t>(OH) * OW;
  for (int n = 0; n < s.N; ++n) {
    float* dxn = dx + static_cast<size_t>(n) * s.C * in_map;
    for (int oc = 0; oc < s.OC; ++oc) {
      const float* dyo = dy + (static_cast<size_t>(n) * s.OC + oc) * out_map;
      for (int c = 0; c < s.C; ++c) {
        float* dxc = dxn + c * in_map;
        const float* wc = w + (static_cast<size_t>(oc) * s.C + c) * K * K;
        for (int ki = 0; ki < K; ++ki)
          for (int kj = 0; kj < K; ++kj) {
            const float wv = wc[ki * K + kj];
            for (int oh = 0; oh < OH; ++oh) {
              const float* dyrow = dyo + oh * OW;
              float* dxrow = dxc + (oh + ki) * s.W + kj;
              for (int ow = 0; ow < OW; ++ow) dxrow[ow] += wv * dyrow[ow];
            }
          }
      }
    }
  }
}

// shapes: dw [OC][C][K][K], db [OC], dy [N][OC][OH][OW], x [N][C][H][W]
// dw[oc][c][ki][kj] += sum over n, oh, ow of dy[n][oc][oh][ow] * x[n][c][oh+ki][ow+kj];
// db[oc] += sum over n, oh, ow of dy[n][oc][oh][ow].
void conv2d_bwd_weight__scalar(float* dw, float* db, const float* dy, const float* x, const ConvShape& s,
                               float* /*scratch*/) {
  const int OH = s.OH(), OW = s.OW(), K = s.K;
  const size_t in_map = static_cast<size_t>(s.H) * s.W, out_map = static_cast<size_t>(OH) * OW;
  for (int n = 0; n < s.N; ++n) {
    const float* xn = x + static_cast<size_t>(n) * s.C * in_map;
    for (int oc = 0; oc < s.OC; ++oc) {
      const float* dyo = dy + (static_cast<size_t>(n) * s.OC + oc) * out_map;
      float bias_sum = 0.0f;
      for (size_t p = 0; p < out_map; ++p) bias_sum += dyo[p];
      db[oc] += bias_sum;
      for (int c = 0; c < s.C; ++c) {
        const float* xc = xn + c * in_map;
        float* dwc = dw + (static_cast<size_t>(oc) * s.C + c) * K * K;
        for (int ki = 0; ki < K; ++ki)
          for (int kj = 0; kj < K; ++kj) {
            float sum = 0.0f;
            for (int oh = 0; oh < OH; ++oh) {
              const float* dyrow = dyo + oh * OW;
              const float* xrow = xc + (oh + ki) * s.W + kj;
              for (int ow = 0; ow < OW; ++ow) sum += dyrow[ow] * xrow[ow];
            }
            dwc[ki * K + kj] += sum;
          }
      }
    }
  }
}

}  // namespace lenet
