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

namespace {
// The loop nest the forward pass and the input gradient share: for every sample n, output map oc, input map
// c, tap (ki, kj) and output row oh, row(out_row, window_row, w) is called with the offsets of output row
// [n][oc][oh][0] and of the input row the tap reads, [n][c][oh+ki][kj], and the tap's weight. The forward
// pass reads the window and adds into the output row; the input gradient does the reverse, along the same
// index pairs and in the same order.
template <typename Row>
void for_each_tap_row(const float* w, const ConvShape& s, Row row) {
  const int OH = s.OH(), OW = s.OW(), K = s.K;
  const size_t in_map = static_cast<size_t>(s.H) * s.W, out_map = static_cast<size_t>(OH) * OW;
  for (int n = 0; n < s.N; ++n)
    for (int oc = 0; oc < s.OC; ++oc) {
      const size_t out = (static_cast<size_t>(n) * s.OC + oc) * out_map;
      for (int c = 0; c < s.C; ++c) {
        const size_t in = (static_cast<size_t>(n) * s.C + c) * in_map;
        const float* wc = w + (static_cast<size_t>(oc) * s.C + c) * K * K;
        for (int ki = 0; ki < K; ++ki)
          for (int kj = 0; kj < K; ++kj)
            for (int oh = 0; oh < OH; ++oh)
              row(out + static_cast<size_t>(oh) * OW, in + static_cast<size_t>(oh + ki) * s.W + kj, wc[ki * K + kj]);
      }
    }
}
}  // namespace

// shapes: y [N][OC][OH][OW], x [N][C][H][W], w [OC][C][K][K], b [OC]
void conv2d_fwd__scalar(float* y, const float* x, const float* w, const float* b, const ConvShape& s,
                        float* /*scratch*/) {
  const int OW = s.OW();
  const size_t out_map = static_cast<size_t>(s.OH()) * OW;
  for (int n = 0; n < s.N; ++n)
    for (int oc = 0; oc < s.OC; ++oc) {
      float* yo = y + (static_cast<size_t>(n) * s.OC + oc) * out_map;
      for (size_t p = 0; p < out_map; ++p) yo[p] = b[oc];
    }
  for_each_tap_row(w, s, [&](size_t out_row, size_t window_row, float wv) {
    for (int ow = 0; ow < OW; ++ow) y[out_row + ow] += wv * x[window_row + ow];
  });
}

// shapes: dx [N][C][H][W], dy [N][OC][OH][OW], w [OC][C][K][K]
// dx[c][oh+ki][ow+kj] += w[oc][c][ki][kj] * dy[oc][oh][ow]: each output pixel scatters its gradient
// back onto the K x K input pixels it was computed from.
void conv2d_bwd_input__scalar(float* dx, const float* dy, const float* w, const ConvShape& s,
                              float* /*scratch*/) {
  const int OW = s.OW();
  for_each_tap_row(w, s, [&](size_t out_row, size_t window_row, float wv) {
    for (int ow = 0; ow < OW; ++ow) dx[window_row + ow] += wv * dy[out_row + ow];
  });
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
