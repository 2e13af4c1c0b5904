// WebAssembly SIMD128 twin of conv2d_scalar.cpp, as an implicit matrix product without im2col.
//
// Index the output pixels of one map "wide": q = oh*W + ow, as if every output row were W long (the last
// K-1 columns of each row are junk). Then the input pixel under kernel tap (c, ki, kj) is
// x[c][0][0] + (ki*W + kj) + q, so row k = (c, ki, kj) of the column matrix X is a plain contiguous slice
// of x -- no copy -- and the vectors run along q across output rows even where OW is narrow (C3: OW = 10).
// q runs over Q = (OH-1)*W + OW values, the last one reading x[c][H-1][W-1]: never out of bounds.
//   forward       yw[OC][Q]  = w[OC][CKK] X[CKK][Q] + b, then the junk columns are dropped into y
//   weight grad   dw[OC][CKK] += dyw[OC][Q] X[CKK][Q]^T, with dyw = dy spread wide, junk columns zero
//   input grad    dx[c] at (ki*W + kj) + q += (w^T dyw)[k][q], added straight from registers
// with CKK = C*K*K. The junk columns cost (Q - OH*OW) / (OH*OW) extra work (C1 14 %, C3 36 %); measured
// under V8 that is as fast as or faster than unfolding the input (im2col) and folding it back (col2im),
// and it needs a tenth of the scratch.
// Register tiles as in gemm_wasmsimd.h: a main tile, a one-vector tile, a scalar tail. V8 maps v128 onto
// the 16 xmm registers of x86-64, so a tile keeps at most about 14 vectors live (8 or 10 accumulators).
#include "kernels.h"

#if LENET_HAVE_SIMD
#include "gemm_wasmsimd.h"

namespace lenet {
namespace {

int wide_pixels(const ConvShape& s) { return (s.OH() - 1) * s.W + s.OW(); }

// Offset in one sample's input of row k = (c, ki, kj) of the implicit column matrix.
ptrdiff_t tap_offset(int k, const ConvShape& s) {
  const int kk = s.K * s.K, c = k / kk, t = k % kk;
  return (static_cast<ptrdiff_t>(c) * s.H + t / s.K) * s.W + t % s.K;
}

// MR output maps x 4*NV wide pixels of yw = w X + b. wp: the maps' weights packed [CKK][MR], so the MR
// broadcasts of one tap sit side by side; xq: the sample's input shifted to the tile's first q.
template <int MR, int NV>
void fwd_tile(float* yw, ptrdiff_t Q, const float* wp, const float* b, const float* xq, const ConvShape& s) {
  v128_t acc[MR][NV];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = wasm_v128_load32_splat(b + r);
  for (int c = 0; c < s.C; ++c)
    for (int ki = 0; ki < s.K; ++ki) {
      const float* xr = xq + (static_cast<ptrdiff_t>(c) * s.H + ki) * s.W;
      for (int kj = 0; kj < s.K; ++kj, ++xr, wp += MR) {
        v128_t xv[NV];
        for (int v = 0; v < NV; ++v) xv[v] = wasm_v128_load(xr + 4 * v);
        for (int r = 0; r < MR; ++r) {
          const v128_t wv = wasm_v128_load32_splat(wp + r);
          for (int v = 0; v < NV; ++v) acc[r][v] = wasm_f32x4_add(acc[r][v], wasm_f32x4_mul(wv, xv[v]));
        }
      }
    }
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) wasm_v128_store(yw + r * Q + 4 * v, acc[r][v]);
}

// The same for one wide pixel, scalar (the tail).
template <int MR>
void fwd_pixel(float* yw, ptrdiff_t Q, const float* wp, const float* b, const float* xq, const ConvShape& s) {
  float acc[MR];
  for (int r = 0; r < MR; ++r) acc[r] = b[r];
  for (int c = 0; c < s.C; ++c)
    for (int ki = 0; ki < s.K; ++ki) {
      const float* xr = xq + (static_cast<ptrdiff_t>(c) * s.H + ki) * s.W;
      for (int kj = 0; kj < s.K; ++kj, wp += MR)
        for (int r = 0; r < MR; ++r) acc[r] += wp[r] * xr[kj];
    }
  for (int r = 0; r < MR; ++r) yw[r * Q] = acc[r];
}

template <int MR>
void fwd_maps(float* yw, int Q, const float* wp, const float* b, const float* xn, const ConvShape& s) {
  int q = 0;
  for (; q + 8 <= Q; q += 8) fwd_tile<MR, 2>(yw + q, Q, wp, b, xn + q, s);
  for (; q + 4 <= Q; q += 4) fwd_tile<MR, 1>(yw + q, Q, wp, b, xn + q, s);
  for (; q < Q; ++q) fwd_pixel<MR>(yw + q, Q, wp, b, xn + q, s);
}

// Rows oc0 .. oc0+mr-1 of w [OC][CKK], transposed to [CKK][mr] at wp.
void pack_panel(float* wp, const float* w, int oc0, int mr, int CKK) {
  for (int k = 0; k < CKK; ++k)
    for (int r = 0; r < mr; ++r) wp[k * mr + r] = w[(oc0 + r) * CKK + k];
}

// MR rows k0.. of w^T dyw over 4*NV wide pixels, added into dx at each row's tap offset. dyq: dyw shifted
// to the tile's first q. Rows of one tile overlap in dx (neighbouring taps), so each row is added in turn.
template <int MR, int NV>
void bwd_input_tile(float* dxq, const ptrdiff_t* offsets, const float* wk, const float* dyq, ptrdiff_t Q,
                    const ConvShape& s) {
  const int CKK = s.C * s.K * s.K;
  v128_t acc[MR][NV];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = wasm_f32x4_splat(0.0f);
  for (int oc = 0; oc < s.OC; ++oc, wk += CKK, dyq += Q) {
    v128_t dv[NV];
    for (int v = 0; v < NV; ++v) dv[v] = wasm_v128_load(dyq + 4 * v);
    for (int r = 0; r < MR; ++r) {
      const v128_t wv = wasm_v128_load32_splat(wk + r);
      for (int v = 0; v < NV; ++v) acc[r][v] = wasm_f32x4_add(acc[r][v], wasm_f32x4_mul(wv, dv[v]));
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) {
      float* d = dxq + offsets[r] + 4 * v;
      wasm_v128_store(d, wasm_f32x4_add(wasm_v128_load(d), acc[r][v]));
    }
}

template <int MR>
void bwd_input_pixel(float* dxq, const ptrdiff_t* offsets, const float* wk, const float* dyq, ptrdiff_t Q,
                     const ConvShape& s) {
  const int CKK = s.C * s.K * s.K;
  float acc[MR] = {};
  for (int oc = 0; oc < s.OC; ++oc, wk += CKK, dyq += Q)
    for (int r = 0; r < MR; ++r) acc[r] += wk[r] * dyq[0];
  for (int r = 0; r < MR; ++r) dxq[offsets[r]] += acc[r];
}

template <int MR>
void bwd_input_rows(float* dxn, int k0, const float* w, const float* dyw, int Q, const ConvShape& s) {
  ptrdiff_t offsets[MR];
  for (int r = 0; r < MR; ++r) offsets[r] = tap_offset(k0 + r, s);
  int q = 0;
  for (; q + 8 <= Q; q += 8) bwd_input_tile<MR, 2>(dxn + q, offsets, w + k0, dyw + q, Q, s);
  for (; q + 4 <= Q; q += 4) bwd_input_tile<MR, 1>(dxn + q, offsets, w + k0, dyw + q, Q, s);
  for (; q < Q; ++q) bwd_input_pixel<MR>(dxn + q, offsets, w + k0, dyw + q, Q, s);
}

// MR maps x NC neighbouring taps (c, ki, kj0 .. kj0+NC-1) of dw += dyw X^T, dot products along q.
// The taps read x at one pointer plus 0 .. NC-1 floats. dw points at [oc0][k0]; dyw rows are Q apart.
template <int MR, int NC>
void bwd_weight_tile(float* dw, int CKK, const float* dyw, int Q, const float* xk) {
  v128_t acc[MR][NC];
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < NC; ++j) acc[r][j] = wasm_f32x4_splat(0.0f);
  int q = 0;
  for (; q + 4 <= Q; q += 4) {
    v128_t dv[MR];
    for (int r = 0; r < MR; ++r) dv[r] = wasm_v128_load(dyw + r * Q + q);
    for (int j = 0; j < NC; ++j) {
      const v128_t xv = wasm_v128_load(xk + j + q);
      for (int r = 0; r < MR; ++r) acc[r][j] = wasm_f32x4_add(acc[r][j], wasm_f32x4_mul(dv[r], xv));
    }
  }
  for (int r = 0; r < MR; ++r) {
    float tail[NC];
    for (int j = 0; j < NC; ++j) {
      tail[j] = 0.0f;
      for (int t = q; t < Q; ++t) tail[j] += dyw[r * Q + t] * xk[j + t];
    }
    float* d = dw + r * CKK;
    int j = 0;
    for (; j + 4 <= NC; j += 4) {
      const v128_t sum = wasm_f32x4_add(simd_gemm::reduce4(acc[r][j], acc[r][j + 1], acc[r][j + 2], acc[r][j + 3]),
                                        wasm_f32x4_make(tail[j], tail[j + 1], tail[j + 2], tail[j + 3]));
      wasm_v128_store(d + j, wasm_f32x4_add(wasm_v128_load(d + j), sum));
    }
    for (; j < NC; ++j) d[j] += simd_gemm::reduce1(acc[r][j]) + tail[j];
  }
}

// All taps for MR maps, one kernel row (c, ki) at a time, up to 5 taps per pass (LeNet's K = 5 in one).
template <int MR>
void bwd_weight_maps(float* dw, const float* dyw, int Q, const float* xn, const ConvShape& s) {
  const int CKK = s.C * s.K * s.K;
  for (int c = 0; c < s.C; ++c)
    for (int ki = 0; ki < s.K; ++ki) {
      const float* xr = xn + (static_cast<ptrdiff_t>(c) * s.H + ki) * s.W;
      float* d = dw + (c * s.K + ki) * s.K;
      for (int kj = 0; kj < s.K;) {
        const int left = s.K - kj;
        switch (left < 5 ? left : 5) {
          case 5: bwd_weight_tile<MR, 5>(d + kj, CKK, dyw, Q, xr + kj); kj += 5; break;
          case 4: bwd_weight_tile<MR, 4>(d + kj, CKK, dyw, Q, xr + kj); kj += 4; break;
          case 3: bwd_weight_tile<MR, 3>(d + kj, CKK, dyw, Q, xr + kj); kj += 3; break;
          case 2: bwd_weight_tile<MR, 2>(d + kj, CKK, dyw, Q, xr + kj); kj += 2; break;
          default: bwd_weight_tile<MR, 1>(d + kj, CKK, dyw, Q, xr + kj); kj += 1; break;
        }
      }
    }
}

// dyw [OC][Q] = dy [OC][OH][OW] spread to rows W apart, junk columns zero.
void spread_wide(float* dyw, const float* dy, const ConvShape& s) {
  const int OH = s.OH(), OW = s.OW(), Q = wide_pixels(s);
  for (int oc = 0; oc < s.OC; ++oc, dyw += Q)
    for (int oh = 0; oh < OH; ++oh, dy += OW) {
      float* row = dyw + oh * s.W;
      int i = 0;
      for (; i + 4 <= OW; i += 4) wasm_v128_store(row + i, wasm_v128_load(dy + i));
      for (; i < OW; ++i) row[i] = dy[i];
      for (; i < s.W && oh * s.W + i < Q; ++i) row[i] = 0.0f;
    }
}

}  // namespace

// shapes: y [N][OC][OH][OW], x [N][C][H][W], w [OC][C][K][K], b [OC]
// scratch: yw [OC][Q], then w packed in panels of up to 4 maps ([CKK][4] each, the last [CKK][OC % 4])
void conv2d_fwd__wasmsimd(float* y, const float* x, const float* w, const float* b, const ConvShape& s,
                          float* scratch) {
  const int OH = s.OH(), OW = s.OW(), Q = wide_pixels(s), CKK = s.C * s.K * s.K;
  const size_t in_sample = static_cast<size_t>(s.C) * s.H * s.W;
  float* yw = scratch;
  float* wp = scratch + static_cast<size_t>(s.OC) * Q;
  for (int oc = 0; oc < s.OC; oc += 4) pack_panel(wp + oc * CKK, w, oc, s.OC - oc < 4 ? s.OC - oc : 4, CKK);
  for (int n = 0; n < s.N; ++n) {
    const float* xn = x + n * in_sample;
    int oc = 0;
    for (; oc + 4 <= s.OC; oc += 4) fwd_maps<4>(yw + oc * Q, Q, wp + oc * CKK, b + oc, xn, s);
    switch (s.OC - oc) {
      case 3: fwd_maps<3>(yw + oc * Q, Q, wp + oc * CKK, b + oc, xn, s); break;
      case 2: fwd_maps<2>(yw + oc * Q, Q, wp + oc * CKK, b + oc, xn, s); break;
      case 1: fwd_maps<1>(yw + oc * Q, Q, wp + oc * CKK, b + oc, xn, s); break;
      default: break;
    }
    // Drop the junk columns.
    for (int m = 0; m < s.OC; ++m)
      for (int oh = 0; oh < OH; ++oh, y += OW) {
        const float* src = yw + m * Q + oh * s.W;
        int i = 0;
        for (; i + 4 <= OW; i += 4) wasm_v128_store(y + i, wasm_v128_load(src + i));
        for (; i < OW; ++i) y[i] = src[i];
      }
  }
}

// shapes: dx [N][C][H][W], dy [N][OC][OH][OW], w [OC][C][K][K]; scratch: dyw [OC][Q]
void conv2d_bwd_input__wasmsimd(float* dx, const float* dy, const float* w, const ConvShape& s, float* scratch) {
  const int Q = wide_pixels(s), CKK = s.C * s.K * s.K;
  const size_t in_sample = static_cast<size_t>(s.C) * s.H * s.W, out_sample = static_cast<size_t>(s.OC) * s.OH() * s.OW();
  for (int n = 0; n < s.N; ++n) {
    float* dxn = dx + n * in_sample;
    spread_wide(scratch, dy + n * out_sample, s);
    int k = 0;
    for (; k + 4 <= CKK; k += 4) bwd_input_rows<4>(dxn, k, w, scratch, Q, s);
    switch (CKK - k) {
      case 3: bwd_input_rows<3>(dxn, k, w, scratch, Q, s); break;
      case 2: bwd_input_rows<2>(dxn, k, w, scratch, Q, s); break;
      case 1: bwd_input_rows<1>(dxn, k, w, scratch, Q, s); break;
      default: break;
    }
  }
}

// shapes: dw [OC][C][K][K], db [OC], dy [N][OC][OH][OW], x [N][C][H][W]; scratch: dyw [OC][Q]
void conv2d_bwd_weight__wasmsimd(float* dw, float* db, const float* dy, const float* x, const ConvShape& s,
                                 float* scratch) {
  const int P = s.OH() * s.OW(), Q = wide_pixels(s), CKK = s.C * s.K * s.K;
  const size_t in_sample = static_cast<size_t>(s.C) * s.H * s.W, out_sample = static_cast<size_t>(s.OC) * P;
  for (int n = 0; n < s.N; ++n) {
    const float* xn = x + n * in_sample;
    const float* dyn = dy + n * out_sample;
    spread_wide(scratch, dyn, s);
    int oc = 0;
    for (; oc + 2 <= s.OC; oc += 2) bwd_weight_maps<2>(dw + oc * CKK, scratch + oc * Q, Q, xn, s);
    if (oc < s.OC) bwd_weight_maps<1>(dw + oc * CKK, scratch + oc * Q, Q, xn, s);
    for (int m = 0; m < s.OC; ++m) {
      const float* d = dyn + static_cast<size_t>(m) * P;
      v128_t acc = wasm_f32x4_splat(0.0f);
      int p = 0;
      for (; p + 4 <= P; p += 4) acc = wasm_f32x4_add(acc, wasm_v128_load(d + p));
      float sum = simd_gemm::reduce1(acc);
      for (; p < P; ++p) sum += d[p];
      db[m] += sum;
    }
  }
}

}  // namespace lenet
#endif  // LENET_HAVE_SIMD
