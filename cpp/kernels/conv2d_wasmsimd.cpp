// WebAssembly SIMD128 twin of conv2d_scalar.cpp, as an implicit matrix product over "shifted" copies.
//
// Per sample, copy the input once per kernel column kj, cut to the OW columns that column reads:
//   xs[c][kj][h][ow] = x[c][h][kj + ow]                                   [C][K][H][OW]
// Then row k = (c, ki, kj) of the column matrix X[CKK][P] (P = OH*OW output pixels, CKK = C*K*K) is
//   X[k][oh*OW + ow] = x[c][oh + ki][ow + kj] = xs[c][kj][ki + oh][ow],
// a plain contiguous slice of xs starting at row ki: OH consecutive rows of OW floats. So the products
// run over exactly the P real pixels, with no junk columns and no unfolded matrix:
//   forward       y[OC][P]    = w[OC][CKK] X[CKK][P] + b, stored straight into y
//   weight grad   dw[OC][CKK] += dy[OC][P] X[CKK][P]^T, dot products along p, straight from dy
//   input grad    dxs[c][kj] at row ki += (w^T dy)[k][p], then dxs is added back into dx
// The copy is C*K*H*OW floats (C1: 4,480, C3: 4,200), about K times less than unfolding all of X (im2col),
// and costs a few per cent of the product. The former layout (rows W apart, "wide") wasted the K-1 columns
// past OW of each row, a large share of C3's work.
// Register tiles as in gemm_wasmsimd.h: a main tile, a one-vector tile, a scalar tail. V8 maps v128 onto
// the 16 xmm registers of x86-64, so a tile keeps at most about 14 vectors live (6 to 10 accumulators).
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "kernels/kernels.h"

#if LENET_HAVE_SIMD
#include "kernels/gemm_wasmsimd.h"

namespace lenet {
namespace {

using simd_gemm::splat;

// Floats of one shifted copy: [C][K][H][OW].
size_t shifted_floats(const ConvShape& s) { return static_cast<size_t>(s.C) * s.K * s.H * s.OW(); }

// One plane of the shifted copy: H rows of OW floats from rows W apart, each row as NV vectors, the last one
// ending at the row's end and overlapping the one before when OW is not a multiple of 4 (C3: 10 = 4 + 4 + 2).
template <int NV>
void shift_rows(float* xs, const float* src, int H, int W, int OW) {
  for (int h = 0; h < H; ++h, xs += OW, src += W) {
    for (int v = 0; v + 1 < NV; ++v) wasm_v128_store(xs + 4 * v, wasm_v128_load(src + 4 * v));
    wasm_v128_store(xs + OW - 4, wasm_v128_load(src + OW - 4));
  }
}

// xs [C][K][H][OW] from one sample's x [C][H][W] (see the top of the file). Rows of 4 to 16 floats go
// through shift_rows with a fixed vector count: a loop per row with a scalar tail made C3's copy (420 rows
// of 10) a visible part of its forward under V8.
void shift_copy(float* xs, const float* xn, const ConvShape& s) {
  const int OW = s.OW();
  const ptrdiff_t plane = static_cast<ptrdiff_t>(s.H) * OW;
  for (int c = 0; c < s.C; ++c)
    for (int kj = 0; kj < s.K; ++kj, xs += plane) {
      const float* src = xn + static_cast<ptrdiff_t>(c) * s.H * s.W + kj;
      const int nv = OW >= 4 ? (OW + 3) / 4 : 0;
      switch (nv) {
        case 1: shift_rows<1>(xs, src, s.H, s.W, OW); continue;
        case 2: shift_rows<2>(xs, src, s.H, s.W, OW); continue;
        case 3: shift_rows<3>(xs, src, s.H, s.W, OW); continue;
        case 4: shift_rows<4>(xs, src, s.H, s.W, OW); continue;
        default: break;  // under 4 or over 16 floats: the general loop
      }
      float* d = xs;
      for (int h = 0; h < s.H; ++h, d += OW, src += s.W) {
        int i = 0;
        for (; i + 4 <= OW; i += 4) wasm_v128_store(d + i, wasm_v128_load(src + i));
        if (i < OW && OW >= 4) {
          wasm_v128_store(d + OW - 4, wasm_v128_load(src + OW - 4));
          i = OW;
        }
        for (; i < OW; ++i) d[i] = src[i];
      }
    }
}

// dx [C][H][W] += the shifted gradient dxs [C][K][H][OW] moved back: dx[c][h][kj + ow] += dxs[c][kj][h][ow].
// kj outermost: the read-add-writes of one kj all sit at the same shift, so a load never straddles a store
// still in flight (which would stall it until the store retires).
void unshift_add(float* dxn, const float* dxs, const ConvShape& s) {
  const int OW = s.OW();
  for (int c = 0; c < s.C; ++c)
    for (int kj = 0; kj < s.K; ++kj)
      for (int h = 0; h < s.H; ++h, dxs += OW) {
        float* dst = dxn + (static_cast<ptrdiff_t>(c) * s.H + h) * s.W + kj;
        int i = 0;
        for (; i + 4 <= OW; i += 4) wasm_v128_store(dst + i, wasm_f32x4_add(wasm_v128_load(dst + i), wasm_v128_load(dxs + i)));
        for (; i < OW; ++i) dst[i] += dxs[i];
      }
}

// Where tap k = (c, ki, kj) of the column matrix starts: in the shifted copy xs, (c K + kj) H OW + ki OW;
// read straight from the input x (direct), c H W + ki W + kj. One flat loop over the taps with this table,
// instead of nested c / ki / kj loops whose innermost loop has only K = 5 steps: with the vectorised
// packing below, the faster form under V8. Stored as int32 in the float scratch (memcpy in and out).
void tap_offsets(float* table, const ConvShape& s, bool direct) {
  const int OW = s.OW();
  for (int c = 0, k = 0; c < s.C; ++c)
    for (int ki = 0; ki < s.K; ++ki)
      for (int kj = 0; kj < s.K; ++kj, ++k) {
        const int32_t o = direct ? (c * s.H + ki) * s.W + kj : ((c * s.K + kj) * s.H + ki) * OW;
        std::memcpy(table + k, &o, sizeof o);
      }
}
// The offset stored at t. The tap loops walk the table with a pointer to its end, not an index: under V8
// that drops an address instruction and a compare against a spilled count per tap.
inline int32_t tap_offset(const float* t) {
  int32_t o;
  std::memcpy(&o, t, sizeof o);
  return o;
}

// MR output maps x 4*NV pixels of y = w X + b. wp: the maps' weights packed [CKK][MR], so the MR
// broadcasts of one tap sit side by side; xp: xs shifted to the tile's first pixel; taps: tap_offsets.
// The taps are summed in the scalar reference's order (c, ki, kj), from the bias up: the forward pass then
// matches it to the bit, which keeps the SIMD and scalar builds' predictions together in the parity tests.
template <int MR, int NV>
void fwd_tile(float* y, ptrdiff_t P, const float* wp, const float* b, const float* xp, const float* taps, int CKK) {
  v128_t acc[MR][NV];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = splat(b + r);
  for (const float *t = taps, *end = taps + CKK; t != end; ++t, wp += MR) {
    const float* xr = xp + tap_offset(t);
    v128_t xv[NV];
    for (int v = 0; v < NV; ++v) xv[v] = wasm_v128_load(xr + 4 * v);
    for (int r = 0; r < MR; ++r) {
      const v128_t wv = splat(wp + r);
      for (int v = 0; v < NV; ++v) acc[r][v] = wasm_f32x4_add(acc[r][v], wasm_f32x4_mul(wv, xv[v]));
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) wasm_v128_store(y + r * P + 4 * v, acc[r][v]);
}

// The same for one pixel, scalar (the tail).
template <int MR>
void fwd_pixel(float* y, ptrdiff_t P, const float* wp, const float* b, const float* xp, const float* taps, int CKK) {
  float acc[MR];
  for (int r = 0; r < MR; ++r) acc[r] = b[r];
  for (const float *t = taps, *end = taps + CKK; t != end; ++t, wp += MR)
    for (int r = 0; r < MR; ++r) acc[r] += wp[r] * xp[tap_offset(t)];
  for (int r = 0; r < MR; ++r) y[r * P] = acc[r];
}

// Outputs whose whole window is +0.0 in every channel (a digit's blank surroundings) are filled instead of
// computed, with what the tiles would compute there: each map's bias plus its taps times +0, in the same
// order. That is the bias itself, unless the bias is -0 or a weight is not finite, so the fill is worked out
// that way once per call rather than assumed. Filled are the outputs outside each row's span of windows
// that hold something (window_columns), column by column and not only whole blank rows: a drawn digit
// leaves most of C1's outputs blank.
void zero_window_outputs(float* fill, const float* w, const float* b, int OC, int CKK) {
  for (int oc = 0; oc < OC; ++oc) {
    float v = b[oc];
    for (int k = 0; k < CKK; ++k) v += w[static_cast<ptrdiff_t>(oc) * CKK + k] * 0.0f;
    fill[oc] = v;
  }
}

// Input heights up to this get the blank-window skip (its column ranges live on the stack).
constexpr int kSkipMaxRows = 128;

// cols[2i], cols[2i+1]: the columns [a, b) of output row i to compute for sample xn, a whole number of
// vectors wide: those whose window holds a value other than +0.0 (all bits zero) in some channel. The rest
// of the row is the fill; a == b for a row with nothing in its window. Rows wider than 64 floats are taken
// whole when they hold anything. first/last: room for H ints each.
void window_columns(int32_t* cols, int32_t* first, int32_t* last, const float* xn, const ConvShape& s) {
  const int OW = s.OW();
  const v128_t zero = wasm_i32x4_splat(0);
  for (int h = 0; h < s.H; ++h) {
    uint64_t mask = 0;  // bit j: column j holds something (W <= 64)
    bool any = false;   // (W > 64)
    for (int c = 0; c < s.C; ++c) {
      const float* r = xn + (static_cast<ptrdiff_t>(c) * s.H + h) * s.W;
      int i = 0;
      if (s.W <= 64) {
        for (; i + 4 <= s.W; i += 4)
          mask |= static_cast<uint64_t>(wasm_i32x4_bitmask(wasm_i32x4_ne(wasm_v128_load(r + i), zero))) << i;
      } else {
        v128_t acc = zero;
        for (; i + 4 <= s.W; i += 4) acc = wasm_v128_or(acc, wasm_v128_load(r + i));
        any = any || wasm_v128_any_true(acc);
      }
      for (; i < s.W; ++i) {
        uint32_t bits;
        std::memcpy(&bits, r + i, sizeof bits);
        if (bits && s.W <= 64) mask |= uint64_t{1} << i;
        any = any || bits;
      }
    }
    if (s.W <= 64) {
      first[h] = mask ? __builtin_ctzll(mask) : s.W;
      last[h] = mask ? 63 - __builtin_clzll(mask) : -1;
    } else {
      first[h] = any ? 0 : s.W;
      last[h] = any ? s.W - 1 : -1;
    }
  }
  for (int i = 0; i < s.OH(); ++i) {
    int lo = s.W, hi = -1;
    for (int k = 0; k < s.K; ++k) {
      lo = std::min(lo, first[i + k]);
      hi = std::max(hi, last[i + k]);
    }
    int a = 0, b = 0;
    if (hi >= 0) {  // output j sees input columns j .. j+K-1
      a = std::max(0, lo - s.K + 1);
      b = std::min(OW, hi + 1);
      const int len = (b - a + 3) & ~3;  // OW is a whole number of vectors (direct tiling)
      a = std::min(a, OW - len);
      b = a + len;
    }
    cols[2 * i] = a;
    cols[2 * i + 1] = b;
  }
}

// MR maps over `rows` runs of `len` pixels; run i reads from xs + i * xstride and writes y + i * len (one run
// of P over the shifted copy, or each output row straight from the input: see conv2d_fwd__wasmsimd).
// cols (direct only, else null): per row the columns to compute (window_columns); the rest get fill[0 .. MR).
template <int MR>
void fwd_maps(float* y, int P, const float* wp, const float* b, const float* xs, const float* taps, int CKK,
              int rows, int len, ptrdiff_t xstride, const int32_t* cols, const float* fill) {
  for (int i = 0; i < rows; ++i) {
    float* yr = y + static_cast<ptrdiff_t>(i) * len;
    const float* xr = xs + i * xstride;
    int p = 0, end = len;
    if (cols) {
      p = cols[2 * i];
      end = cols[2 * i + 1];
      // Whole vectors on the row's grid of 4 (len is a multiple of 4), spilling into [p, end) where p or
      // end is not on it: the tiles below overwrite those.
      for (int r = 0; r < MR; ++r) {
        const v128_t f = splat(fill + r);
        for (int q = 0; q < p; q += 4) wasm_v128_store(yr + r * P + q, f);
        for (int q = len - 4; q + 4 > end; q -= 4) wasm_v128_store(yr + r * P + q, f);
      }
    }
    // Panels of two maps (C1) take 16 and 12 pixels at a time (8 and 6 accumulators, 4 and 3 loads per
    // tap for 2 broadcasts): a row of 28 is 16 + 12. As 3 maps x (8 + 8 + 8 + 4) the last tile kept only
    // 3 accumulators.
    if (MR <= 2) {
      for (; p + 16 <= end; p += 16) fwd_tile<MR, 4>(yr + p, P, wp, b, xr + p, taps, CKK);
      for (; p + 12 <= end; p += 12) fwd_tile<MR, 3>(yr + p, P, wp, b, xr + p, taps, CKK);
    }
    for (; p + 8 <= end; p += 8) fwd_tile<MR, 2>(yr + p, P, wp, b, xr + p, taps, CKK);
    for (; p + 4 <= end; p += 4) fwd_tile<MR, 1>(yr + p, P, wp, b, xr + p, taps, CKK);
    for (; p < end; ++p) fwd_pixel<MR>(yr + p, P, wp, b, xr + p, taps, CKK);
  }
}

// Maps per panel of the forward, for `left` maps still to do: fours, but six as 2 + 2 + 2 (C1), whose
// panels of two then tile 16 pixels wide (fwd_maps).
int panel_maps(int left) { return left == 6 ? 2 : left < 4 ? left : 4; }

// Rows oc0 .. oc0+mr-1 of w [OC][CKK], transposed to [CKK][mr] at wp. A whole panel of four goes 4 x 4
// floats at a time through shuffles: every forward call packs all weights (C3: 2,400), a fixed cost that
// matters when the call is one image.
void pack_panel(float* wp, const float* w, int oc0, int mr, int CKK) {
  int k = 0;
  if (mr == 4) {
    const float* r0 = w + static_cast<ptrdiff_t>(oc0) * CKK;
    const float *r1 = r0 + CKK, *r2 = r1 + CKK, *r3 = r2 + CKK;
    for (; k + 4 <= CKK; k += 4, wp += 16) {
      const v128_t a = wasm_v128_load(r0 + k), b = wasm_v128_load(r1 + k);
      const v128_t c = wasm_v128_load(r2 + k), d = wasm_v128_load(r3 + k);
      const v128_t ab_lo = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), ab_hi = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
      const v128_t cd_lo = wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), cd_hi = wasm_i32x4_shuffle(c, d, 2, 6, 3, 7);
      wasm_v128_store(wp, wasm_i32x4_shuffle(ab_lo, cd_lo, 0, 1, 4, 5));
      wasm_v128_store(wp + 4, wasm_i32x4_shuffle(ab_lo, cd_lo, 2, 3, 6, 7));
      wasm_v128_store(wp + 8, wasm_i32x4_shuffle(ab_hi, cd_hi, 0, 1, 4, 5));
      wasm_v128_store(wp + 12, wasm_i32x4_shuffle(ab_hi, cd_hi, 2, 3, 6, 7));
    }
  }
  for (; k < CKK; ++k)
    for (int r = 0; r < mr; ++r) *wp++ = w[(oc0 + r) * CKK + k];
}

// The backward kernels' sizes, as run-time values (Shape) or as compile-time constants (FixedShape, for
// LeNet-5's C1 and C3). Under V8 the constants matter: a load at a pointer plus a constant is one
// instruction, a load at a pointer plus a run-time stride needs an address computation first, and the
// tile loops below are short enough for that to show.
struct Shape {
  int C, H, OC, K, OW;
  ptrdiff_t P, CKK, plane;  // OH * OW; C * K * K; H * OW
  explicit Shape(const ConvShape& s)
      : C(s.C), H(s.H), OC(s.OC), K(s.K), OW(s.OW()), P(static_cast<ptrdiff_t>(s.OH()) * s.OW()),
        CKK(static_cast<ptrdiff_t>(s.C) * s.K * s.K), plane(static_cast<ptrdiff_t>(s.H) * s.OW()) {}
};
template <int kC, int kH, int kW, int kOC, int kK>
struct FixedShape {
  static constexpr int C = kC, H = kH, OC = kOC, K = kK, OW = kW - kK + 1;
  static constexpr ptrdiff_t P = static_cast<ptrdiff_t>(kH - kK + 1) * OW, CKK = kC * kK * kK, plane = kH * OW;
  static bool matches(const ConvShape& s) { return s.C == kC && s.H == kH && s.W == kW && s.OC == kOC && s.K == kK; }
};
using C1Shape = FixedShape<1, 32, 32, 6, 5>;
using C3Shape = FixedShape<6, 14, 14, 16, 5>;

// With the trip counts known, clang unrolls the tap loops below; under V8 they ran as fast or faster rolled.
#if defined(__clang__)
#define LENET_NO_UNROLL _Pragma("clang loop unroll(disable)")
#else
#define LENET_NO_UNROLL
#endif

// MR rows of w^T dy over 4*NV pixels, added into dxs. The rows are taps (c, ki0 .. ki0+MR-1, kj) of one
// kernel column: their weights lie K floats apart in w (wk: the first), their destinations OW floats
// apart in dxs (the tile's rows of dxs[c][kj] from ki0 on). dyp: dy shifted to the tile's first pixel.
template <int MR, int NV, class G>
void bwd_input_tile(float* dxp, const float* wk, const float* dyp, const G& g) {
  v128_t acc[MR][NV];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = wasm_f32x4_splat(0.0f);
  LENET_NO_UNROLL
  for (int oc = 0; oc < g.OC; ++oc, wk += g.CKK, dyp += g.P) {
    v128_t dv[NV];
    for (int v = 0; v < NV; ++v) dv[v] = wasm_v128_load(dyp + 4 * v);
    for (int r = 0; r < MR; ++r) {
      const v128_t wv = splat(wk + r * g.K);
      for (int v = 0; v < NV; ++v) acc[r][v] = wasm_f32x4_add(acc[r][v], wasm_f32x4_mul(wv, dv[v]));
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) {
      float* d = dxp + r * g.OW + 4 * v;
      wasm_v128_store(d, wasm_f32x4_add(wasm_v128_load(d), acc[r][v]));
    }
}

template <int MR, class G>
void bwd_input_pixel(float* dxp, const float* wk, const float* dyp, const G& g) {
  float acc[MR] = {};
  for (int oc = 0; oc < g.OC; ++oc, wk += g.CKK, dyp += g.P)
    for (int r = 0; r < MR; ++r) acc[r] += wk[r * g.K] * dyp[0];
  for (int r = 0; r < MR; ++r) dxp[r * g.OW] += acc[r];
}

// Taps (c, ki0 .. ki0+MR-1, kj) over all pixels. 5 rows x 8 pixels = 10 accumulators.
template <int MR, class G>
void bwd_input_rows(float* dxs, int c, int ki0, int kj, const float* w, const float* dyn, const G& g) {
  const float* wk = w + (c * g.K + ki0) * g.K + kj;
  float* dxp = dxs + (static_cast<ptrdiff_t>(c) * g.K + kj) * g.plane + ki0 * g.OW;
  const ptrdiff_t end8 = g.P & ~ptrdiff_t{7}, end4 = g.P & ~ptrdiff_t{3};
  for (ptrdiff_t p = 0; p < end8; p += 8) bwd_input_tile<MR, 2>(dxp + p, wk, dyn + p, g);
  if (end4 > end8) bwd_input_tile<MR, 1>(dxp + end8, wk, dyn + end8, g);
  for (ptrdiff_t p = end4; p < g.P; ++p) bwd_input_pixel<MR>(dxp + p, wk, dyn + p, g);
}

// One sample's dxs [C][K][H][OW] = the shifted input gradient (zeroed here first).
template <class G>
void bwd_input_sample(float* dxs, const float* w, const float* dyn, const G& g) {
  const size_t shifted = static_cast<size_t>(g.C) * g.K * g.plane;
  for (size_t i = 0; i < shifted; ++i) dxs[i] = 0.0f;
  for (int c = 0; c < g.C; ++c)
    for (int kj = 0; kj < g.K; ++kj)
      for (int ki = 0; ki < g.K;) {
        const int left = g.K - ki;
        switch (left < 5 ? left : 5) {
          case 5: bwd_input_rows<5>(dxs, c, ki, kj, w, dyn, g); ki += 5; break;
          case 4: bwd_input_rows<4>(dxs, c, ki, kj, w, dyn, g); ki += 4; break;
          case 3: bwd_input_rows<3>(dxs, c, ki, kj, w, dyn, g); ki += 3; break;
          case 2: bwd_input_rows<2>(dxs, c, ki, kj, w, dyn, g); ki += 2; break;
          default: bwd_input_rows<1>(dxs, c, ki, kj, w, dyn, g); ki += 1; break;
        }
      }
}

// MR maps x NC neighbouring taps (c, ki, kj0 .. kj0+NC-1) of dw += dy X^T, dot products along p.
// Tap j reads xs at xk + j * plane (the next kj's copy). dw points at [oc0][c][ki][kj0]; dy rows are P apart.
// The loop stays rolled (see LENET_NO_UNROLL). Leaving out the products over blank windows (as the forward
// does for C1) did not pay here: training A/B runs were no faster with it.
template <int MR, int NC, class G>
void bwd_weight_tile(float* dw, const float* dy, const float* xk, const G& g) {
  v128_t acc[MR][NC];
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < NC; ++j) acc[r][j] = wasm_f32x4_splat(0.0f);
  const ptrdiff_t vec_end = g.P & ~ptrdiff_t{3};
  LENET_NO_UNROLL
  for (ptrdiff_t p = 0; p < vec_end; p += 4) {
    v128_t dv[MR];
    for (int r = 0; r < MR; ++r) dv[r] = wasm_v128_load(dy + p + r * g.P);
    for (int j = 0; j < NC; ++j) {
      const v128_t xv = wasm_v128_load(xk + p + j * g.plane);
      for (int r = 0; r < MR; ++r) acc[r][j] = wasm_f32x4_add(acc[r][j], wasm_f32x4_mul(dv[r], xv));
    }
  }
  for (int r = 0; r < MR; ++r) {
    float tail[NC];
    for (int j = 0; j < NC; ++j) {
      tail[j] = 0.0f;
      for (ptrdiff_t t = vec_end; t < g.P; ++t) tail[j] += dy[r * g.P + t] * xk[j * g.plane + t];
    }
    float* d = dw + r * g.CKK;
    for (int j = 0; j < NC; ++j) d[j] += simd_gemm::reduce1(acc[r][j]) + tail[j];
  }
}

// All taps for MR maps, one kernel row (c, ki) at a time, up to 3 taps per pass (LeNet's K = 5 as 3 + 2).
// 2 maps x 3 taps = 6 accumulators: with 2 x 5 (10 accumulators, 2 + 1 operands and a product live) V8
// spilled registers, and the 3 x 3 and 4 x 2 tiles were slower too.
template <int MR, class G>
void bwd_weight_maps(float* dw, const float* dy, const float* xs, const G& g) {
  for (int c = 0; c < g.C; ++c)
    for (int ki = 0; ki < g.K; ++ki) {
      float* d = dw + (c * g.K + ki) * g.K;
      for (int kj = 0; kj < g.K;) {
        const float* xk = xs + (static_cast<ptrdiff_t>(c) * g.K + kj) * g.plane + ki * g.OW;
        const int left = g.K - kj;
        switch (left < 3 ? left : 3) {
          case 3: bwd_weight_tile<MR, 3>(d + kj, dy, xk, g); kj += 3; break;
          case 2: bwd_weight_tile<MR, 2>(d + kj, dy, xk, g); kj += 2; break;
          default: bwd_weight_tile<MR, 1>(d + kj, dy, xk, g); kj += 1; break;
        }
      }
    }
}

// One sample's dw [OC][CKK] and db [OC] gradient from its dy and its shifted input xs.
template <class G>
void bwd_weight_sample(float* dw, float* db, const float* dyn, const float* xs, const G& g) {
  int oc = 0;
  for (; oc + 2 <= g.OC; oc += 2) bwd_weight_maps<2>(dw + oc * g.CKK, dyn + oc * g.P, xs, g);
  if (oc < g.OC) bwd_weight_maps<1>(dw + oc * g.CKK, dyn + oc * g.P, xs, g);
  for (int m = 0; m < g.OC; ++m) {
    const float* d = dyn + m * g.P;
    v128_t acc = wasm_f32x4_splat(0.0f);
    ptrdiff_t p = 0;
    for (; p + 4 <= g.P; p += 4) acc = wasm_f32x4_add(acc, wasm_v128_load(d + p));
    float sum = simd_gemm::reduce1(acc);
    for (; p < g.P; ++p) sum += d[p];
    db[m] += sum;
  }
}

}  // namespace

// shapes: y [N][OC][OH][OW], x [N][C][H][W], w [OC][C][K][K], b [OC]
// scratch: xs [C][K][H][OW] (direct: the blank-window fill), then w packed in panels of
// panel_maps() maps (the panel of maps oc.. at oc * CKK, [CKK][maps]), then the CKK tap offsets
void conv2d_fwd__wasmsimd(float* y, const float* x, const float* w, const float* b, const ConvShape& s,
                          float* scratch) {
  const int P = s.OH() * s.OW(), CKK = s.C * s.K * s.K;
  const size_t in_sample = static_cast<size_t>(s.C) * s.H * s.W, out_sample = static_cast<size_t>(s.OC) * P;
  float* xs = scratch;
  float* wp = scratch + shifted_floats(s);
  float* taps = wp + static_cast<size_t>(s.OC) * CKK;
  for (int oc = 0; oc < s.OC; oc += panel_maps(s.OC - oc)) pack_panel(wp + oc * CKK, w, oc, panel_maps(s.OC - oc), CKK);
  // Output rows a whole number of vectors long (C1: 28) tile row by row straight from the input; other
  // widths (C3: 10) go through the shifted copy, where the tiles run over all P pixels without a tail per row.
  const bool direct = s.OW() % 4 == 0;
  tap_offsets(taps, s, direct);
  const int rows = direct ? s.OH() : 1, len = direct ? s.OW() : P;
  const ptrdiff_t xstride = direct ? s.W : 0;
  // Direct tiling leaves xs unused: it holds the blank-window fill where it fits (always in LeNet-5; not
  // for a tiny input with many maps); the column ranges go on the stack.
  const bool skip_blank = direct && shifted_floats(s) >= static_cast<size_t>(s.OC) && s.H <= kSkipMaxRows;
  float* fill = xs;
  int32_t ranges[4 * kSkipMaxRows];  // per output row [a, b), then per input row its first and last column
  int32_t* cols = skip_blank ? ranges : nullptr;
  if (skip_blank) zero_window_outputs(fill, w, b, s.OC, CKK);
  for (int n = 0; n < s.N; ++n) {
    const float* xn = x + n * in_sample;
    if (skip_blank) window_columns(cols, cols + 2 * s.OH(), cols + 2 * s.OH() + s.H, xn, s);
    if (!direct) shift_copy(xs, xn, s);
    const float* src = direct ? xn : xs;
    float* yn = y + n * out_sample;
    for (int oc = 0; oc < s.OC; oc += panel_maps(s.OC - oc)) {
      float* yp = yn + oc * P;
      const float* wq = wp + oc * CKK;
      const float* f = fill + oc;
      switch (panel_maps(s.OC - oc)) {
        case 4: fwd_maps<4>(yp, P, wq, b + oc, src, taps, CKK, rows, len, xstride, cols, f); break;
        case 3: fwd_maps<3>(yp, P, wq, b + oc, src, taps, CKK, rows, len, xstride, cols, f); break;
        case 2: fwd_maps<2>(yp, P, wq, b + oc, src, taps, CKK, rows, len, xstride, cols, f); break;
        default: fwd_maps<1>(yp, P, wq, b + oc, src, taps, CKK, rows, len, xstride, cols, f); break;
      }
    }
  }
}

// shapes: dx [N][C][H][W], dy [N][OC][OH][OW], w [OC][C][K][K]; scratch: dxs [C][K][H][OW]
void conv2d_bwd_input__wasmsimd(float* dx, const float* dy, const float* w, const ConvShape& s, float* scratch) {
  const size_t in_sample = static_cast<size_t>(s.C) * s.H * s.W, out_sample = static_cast<size_t>(s.OC) * s.OH() * s.OW();
  const bool c3 = C3Shape::matches(s);  // (LeNet-5 never needs C1's input gradient)
  const Shape g(s);
  for (int n = 0; n < s.N; ++n) {
    const float* dyn = dy + n * out_sample;
    if (c3) bwd_input_sample(scratch, w, dyn, C3Shape{});
    else bwd_input_sample(scratch, w, dyn, g);
    unshift_add(dx + n * in_sample, scratch, s);
  }
}

// shapes: dw [OC][C][K][K], db [OC], dy [N][OC][OH][OW], x [N][C][H][W]; scratch: xs [C][K][H][OW]
void conv2d_bwd_weight__wasmsimd(float* dw, float* db, const float* dy, const float* x, const ConvShape& s,
                                 float* scratch) {
  const size_t in_sample = static_cast<size_t>(s.C) * s.H * s.W, out_sample = static_cast<size_t>(s.OC) * s.OH() * s.OW();
  const bool c1 = C1Shape::matches(s), c3 = C3Shape::matches(s);
  const Shape g(s);
  for (int n = 0; n < s.N; ++n) {
    const float* dyn = dy + n * out_sample;
    shift_copy(scratch, x + n * in_sample, s);
    if (c3) bwd_weight_sample(dw, db, dyn, scratch, C3Shape{});
    else if (c1) bwd_weight_sample(dw, db, dyn, scratch, C1Shape{});
    else bwd_weight_sample(dw, db, dyn, scratch, g);
  }
}

}  // namespace lenet
#endif  // LENET_HAVE_SIMD
