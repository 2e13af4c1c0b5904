// Scalar reference of 2x2, stride-2 pooling. Built without auto-vectorisation (CMake): the yardstick for
// the SIMD twin and the no-SIMD fallback.
#include <cstring>

#include "kernels/kernels.h"

namespace lenet {

namespace {
// WebAssembly's f32x4.pmax, so the SIMD twin can match bit for bit: b when a < b, else a.
inline float pmax(float a, float b) { return a < b ? b : a; }
}  // namespace

// shapes: y [N][C][OH][OW], x [N][C][H][W]
void maxpool2x2_fwd__scalar(float* y, const float* x, const PoolShape& s) {
  const int OH = s.OH(), OW = s.OW();
  for (int nc = 0; nc < s.N * s.C; ++nc) {
    const float* xm = x + static_cast<size_t>(nc) * s.H * s.W;
    float* ym = y + static_cast<size_t>(nc) * OH * OW;
    for (int i = 0; i < OH; ++i)
      for (int j = 0; j < OW; ++j) {
        const float* p = xm + (2 * i) * s.W + 2 * j;
        ym[i * OW + j] = pmax(pmax(p[0], p[1]), pmax(p[s.W], p[s.W + 1]));
      }
  }
}

// shapes: dx [N][C][H][W], dy, y [N][C][OH][OW], x [N][C][H][W]
void maxpool2x2_bwd__scalar(float* dx, const float* dy, const float* y, const float* x, const PoolShape& s) {
  const int OH = s.OH(), OW = s.OW();
  for (int nc = 0; nc < s.N * s.C; ++nc) {
    const size_t in_off = static_cast<size_t>(nc) * s.H * s.W, out_off = static_cast<size_t>(nc) * OH * OW;
    const float* xm = x + in_off;
    float* dxm = dx + in_off;
    std::memset(dxm, 0, sizeof(float) * s.H * s.W);
    for (int i = 0; i < OH; ++i)
      for (int j = 0; j < OW; ++j) {
        const int p = (2 * i) * s.W + 2 * j;
        const int idx[4] = {p, p + 1, p + s.W, p + s.W + 1};
        const float m = y[out_off + i * OW + j];
        // The gradient goes to the first input that was the maximum (none if the max was a NaN).
        for (int t : idx)
          if (xm[t] == m) {
            dxm[t] = dy[out_off + i * OW + j];
            break;
          }
      }
  }
}

// shapes: y [N][C][OH][OW], x [N][C][H][W], scale [C], bias [C]
void sumpool2x2_fwd__scalar(float* y, const float* x, const float* scale, const float* bias, const PoolShape& s) {
  const int OH = s.OH(), OW = s.OW();
  for (int nc = 0; nc < s.N * s.C; ++nc) {
    const float* xm = x + static_cast<size_t>(nc) * s.H * s.W;
    float* ym = y + static_cast<size_t>(nc) * OH * OW;
    const float sc = scale[nc % s.C], b = bias[nc % s.C];
    for (int i = 0; i < OH; ++i)
      for (int j = 0; j < OW; ++j) {
        const float* p = xm + (2 * i) * s.W + 2 * j;
        ym[i * OW + j] = sc * ((p[0] + p[1]) + (p[s.W] + p[s.W + 1])) + b;
      }
  }
}

// shapes: dx [N][C][H][W] (or nullptr), dscale, dbias [C] (or nullptr), dy [N][C][OH][OW], x [N][C][H][W],
//         scale [C]
void sumpool2x2_bwd__scalar(float* dx, float* dscale, float* dbias, const float* dy, const float* x,
                            const float* scale, const PoolShape& s) {
  const int OH = s.OH(), OW = s.OW();
  for (int nc = 0; nc < s.N * s.C; ++nc) {
    const size_t in_off = static_cast<size_t>(nc) * s.H * s.W, out_off = static_cast<size_t>(nc) * OH * OW;
    const float* xm = x + in_off;
    const float* dym = dy + out_off;
    const int c = nc % s.C;
    float ds = 0, db = 0;
    if (dx) std::memset(dx + in_off, 0, sizeof(float) * s.H * s.W);
    for (int i = 0; i < OH; ++i)
      for (int j = 0; j < OW; ++j) {
        const int p = (2 * i) * s.W + 2 * j;
        const float g = dym[i * OW + j];
        // y = scale * sum + bias:  dy/dscale = sum,  dy/dbias = 1,  dy/dx = scale
        if (dscale) ds += g * ((xm[p] + xm[p + 1]) + (xm[p + s.W] + xm[p + s.W + 1]));
        db += g;
        if (dx) {
          float* d = dx + in_off + p;
          d[0] = d[1] = d[s.W] = d[s.W + 1] = scale[c] * g;
        }
      }
    if (dscale) dscale[c] += ds;
    if (dbias) dbias[c] += db;
  }
}

}  // namespace lenet
