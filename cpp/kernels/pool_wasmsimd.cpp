// WebAssembly SIMD128 twin of pool_scalar.cpp. Four neighbouring 2x2 blocks per step: two loads per input
// row hold their eight inputs, and one shuffle each splits them into left and right corners. Rows of
// fewer than four blocks (never in LeNet-5) go to the scalar reference.
#include <cstring>

#include "kernels/kernels.h"

#if LENET_HAVE_SIMD
#include "kernels/simd.h"

namespace lenet {

namespace {

// The corners of four neighbouring blocks; r0 points at the top-left input of the first block.
struct Blocks {
  v128_t a, b, c, d;  // top-left, top-right, bottom-left, bottom-right
};
inline Blocks load_blocks(const float* r0, int W) {
  const v128_t t0 = wasm_v128_load(r0), t1 = wasm_v128_load(r0 + 4);
  const v128_t u0 = wasm_v128_load(r0 + W), u1 = wasm_v128_load(r0 + W + 4);
  return {wasm_i32x4_shuffle(t0, t1, 0, 2, 4, 6), wasm_i32x4_shuffle(t0, t1, 1, 3, 5, 7),
          wasm_i32x4_shuffle(u0, u1, 0, 2, 4, 6), wasm_i32x4_shuffle(u0, u1, 1, 3, 5, 7)};
}
// The inverse for one input row: left and right corners interleaved back into eight floats.
inline void store_row(float* r, v128_t left, v128_t right) {
  wasm_v128_store(r, wasm_i32x4_shuffle(left, right, 0, 4, 1, 5));
  wasm_v128_store(r + 4, wasm_i32x4_shuffle(left, right, 2, 6, 3, 7));
}

// Calls f(j, redo) for the output columns of one row in steps of four (OW >= 4). The last step moves back
// to end at OW and recomputes `redo` (0-3) columns already done, instead of a scalar tail: stores write
// the same values again, and sums must drop those lanes.
template <class F>
inline void for_each_quad(int OW, F f) {
  for (int j = 0; j < OW; j += 4) {
    if (j + 4 <= OW) f(j, 0);
    else f(OW - 4, j + 4 - OW);
  }
}

// Lanes 0..redo-1 cleared.
inline v128_t keep_new_lanes(v128_t v, int redo) {
  if (redo == 0) return v;
  return wasm_v128_and(v, wasm_i32x4_gt(wasm_i32x4_make(0, 1, 2, 3), wasm_i32x4_splat(redo - 1)));
}

inline float hsum(v128_t v) {
  const v128_t s = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  return wasm_f32x4_extract_lane(wasm_f32x4_add(s, wasm_i32x4_shuffle(s, s, 1, 0, 3, 2)), 0);
}

// dx of the inputs no block covers (an odd last column and row) is zero.
void zero_dropped(float* dxm, const PoolShape& s) {
  if (s.W % 2)
    for (int r = 0; r < 2 * s.OH(); ++r) dxm[r * s.W + s.W - 1] = 0.0f;
  if (s.H % 2) std::memset(dxm + (s.H - 1) * s.W, 0, sizeof(float) * s.W);
}

}  // namespace

// shapes: y [N][C][OH][OW], x [N][C][H][W];  pmax as in the scalar reference, so results match exactly
void maxpool2x2_fwd__wasmsimd(float* y, const float* x, const PoolShape& s) {
  const int OH = s.OH(), OW = s.OW();
  if (OW < 4) return maxpool2x2_fwd__scalar(y, x, s);
  for (int nc = 0; nc < s.N * s.C; ++nc) {
    const float* xm = x + static_cast<size_t>(nc) * s.H * s.W;
    float* ym = y + static_cast<size_t>(nc) * OH * OW;
    for (int i = 0; i < OH; ++i)
      for_each_quad(OW, [&](int j, int) {
        const Blocks q = load_blocks(xm + (2 * i) * s.W + 2 * j, s.W);
        wasm_v128_store(ym + i * OW + j, wasm_f32x4_pmax(wasm_f32x4_pmax(q.a, q.b), wasm_f32x4_pmax(q.c, q.d)));
      });
  }
}

// shapes: dx [N][C][H][W], dy, y [N][C][OH][OW], x [N][C][H][W]
void maxpool2x2_bwd__wasmsimd(float* dx, const float* dy, const float* y, const float* x, const PoolShape& s) {
  const int OH = s.OH(), OW = s.OW();
  if (OW < 4) return maxpool2x2_bwd__scalar(dx, dy, y, x, s);
  for (int nc = 0; nc < s.N * s.C; ++nc) {
    const size_t in_off = static_cast<size_t>(nc) * s.H * s.W, out_off = static_cast<size_t>(nc) * OH * OW;
    const float* xm = x + in_off;
    float* dxm = dx + in_off;
    for (int i = 0; i < OH; ++i)
      for_each_quad(OW, [&](int j, int) {
        const int p = (2 * i) * s.W + 2 * j;
        const Blocks q = load_blocks(xm + p, s.W);
        const v128_t m = wasm_v128_load(y + out_off + i * OW + j);
        const v128_t g = wasm_v128_load(dy + out_off + i * OW + j);
        // Only the first corner equal to the max takes the gradient, as in the scalar reference.
        const v128_t ea = wasm_f32x4_eq(q.a, m);
        const v128_t eb = wasm_v128_andnot(wasm_f32x4_eq(q.b, m), ea);
        v128_t taken = wasm_v128_or(ea, eb);
        const v128_t ec = wasm_v128_andnot(wasm_f32x4_eq(q.c, m), taken);
        taken = wasm_v128_or(taken, ec);
        const v128_t ed = wasm_v128_andnot(wasm_f32x4_eq(q.d, m), taken);
        store_row(dxm + p, wasm_v128_and(g, ea), wasm_v128_and(g, eb));
        store_row(dxm + p + s.W, wasm_v128_and(g, ec), wasm_v128_and(g, ed));
      });
    zero_dropped(dxm, s);
  }
}

// shapes: y [N][C][OH][OW], x [N][C][H][W], scale [C], bias [C];  the scalar reference's order of sums
void sumpool2x2_fwd__wasmsimd(float* y, const float* x, const float* scale, const float* bias, const PoolShape& s) {
  const int OH = s.OH(), OW = s.OW();
  if (OW < 4) return sumpool2x2_fwd__scalar(y, x, scale, bias, s);
  for (int nc = 0; nc < s.N * s.C; ++nc) {
    const float* xm = x + static_cast<size_t>(nc) * s.H * s.W;
    float* ym = y + static_cast<size_t>(nc) * OH * OW;
    const v128_t sc = wasm_f32x4_splat(scale[nc % s.C]), b = wasm_f32x4_splat(bias[nc % s.C]);
    for (int i = 0; i < OH; ++i)
      for_each_quad(OW, [&](int j, int) {
        const Blocks q = load_blocks(xm + (2 * i) * s.W + 2 * j, s.W);
        const v128_t sum = wasm_f32x4_add(wasm_f32x4_add(q.a, q.b), wasm_f32x4_add(q.c, q.d));
        wasm_v128_store(ym + i * OW + j, wasm_f32x4_add(wasm_f32x4_mul(sc, sum), b));
      });
  }
}

// shapes: dx [N][C][H][W] (or nullptr), dscale, dbias [C] (or nullptr), dy [N][C][OH][OW], x [N][C][H][W],
//         scale [C]
void sumpool2x2_bwd__wasmsimd(float* dx, float* dscale, float* dbias, const float* dy, const float* x,
                              const float* scale, const PoolShape& s) {
  const int OH = s.OH(), OW = s.OW();
  if (OW < 4) return sumpool2x2_bwd__scalar(dx, dscale, dbias, dy, x, scale, s);
  for (int nc = 0; nc < s.N * s.C; ++nc) {
    const size_t in_off = static_cast<size_t>(nc) * s.H * s.W, out_off = static_cast<size_t>(nc) * OH * OW;
    const int c = nc % s.C;
    const v128_t sc = wasm_f32x4_splat(scale[c]);
    v128_t ds = wasm_f32x4_splat(0.0f), db = wasm_f32x4_splat(0.0f);
    for (int i = 0; i < OH; ++i)
      for_each_quad(OW, [&](int j, int redo) {
        const int p = (2 * i) * s.W + 2 * j;
        const v128_t g = wasm_v128_load(dy + out_off + i * OW + j);
        // y = scale * sum + bias:  dy/dscale = sum,  dy/dbias = 1,  dy/dx = scale
        const v128_t g_new = keep_new_lanes(g, redo);
        db = wasm_f32x4_add(db, g_new);
        if (dscale) {
          const Blocks q = load_blocks(x + in_off + p, s.W);
          const v128_t sum = wasm_f32x4_add(wasm_f32x4_add(q.a, q.b), wasm_f32x4_add(q.c, q.d));
          ds = wasm_f32x4_add(ds, wasm_f32x4_mul(g_new, sum));
        }
        if (dx) {
          const v128_t d = wasm_f32x4_mul(sc, g);
          store_row(dx + in_off + p, d, d);
          store_row(dx + in_off + p + s.W, d, d);
        }
      });
    if (dx) zero_dropped(dx + in_off, s);
    if (dscale) dscale[c] += hsum(ds);
    if (dbias) dbias[c] += hsum(db);
  }
}

}  // namespace lenet
#endif  // LENET_HAVE_SIMD
