// The two small matrix-product micro-kernels every SIMD kernel of this folder is made of. Private to
// cpp/kernels/*_wasmsimd.cpp; include only where LENET_HAVE_SIMD is 1.
//
//   gemm_nn: C[M][N] = init + A[M][Kd] B[Kd][N]   -- B rows contiguous along N; A entries broadcast.
//   gemm_nt: C[M][N] = init + A[M][L] B[N][L]^T   -- dot products along the contiguous L axis.
//
// Each has XNNPACK's shape: a register-tiled main loop (MR rows x 8 or 4 columns), a one-vector loop and
// a scalar tail. WebAssembly SIMD128 has no fused multiply-add, hence mul then add. Loads are unaligned
// (wasm_v128_load): no buffer needs any alignment.
#pragma once
#include <cstddef>

#include "kernels/simd.h"

namespace lenet {
namespace simd_gemm {

// How the product starts: from zero, from a bias (one value per row for nn, per column for nt), or from
// what C already holds (C += A B, the backward kernels' accumulate semantics).
enum class Init { kZero, kBias, kAccumulate };

// A strided matrix view: element (r, k) is at p[r * rs + k * ks]. Lets a transpose cost nothing.
struct Strided {
  const float* p;
  ptrdiff_t rs;
  ptrdiff_t ks;
};

// A float broadcast to all four lanes. WebAssembly has it as one instruction (v128.load32_splat, which V8
// emits as vbroadcastss); SIMDe's version of that goes through an integer load and shuffle, while its
// f32x4.splat of a loaded float becomes the one vbroadcastss. The result is the same bits either way.
inline v128_t splat(const float* p) {
#if defined(__wasm_simd128__)
  return wasm_v128_load32_splat(p);
#else
  return wasm_f32x4_splat(*p);
#endif
}

// bias + i without forming an offset null pointer (undefined behaviour) when there is no bias.
inline const float* shift(const float* bias, int i) { return bias ? bias + i : nullptr; }

inline v128_t init_vec(Init init, const float* c, const float* bias_row) {
  if (init == Init::kAccumulate) return wasm_v128_load(c);
  if (init == Init::kBias) return splat(bias_row);
  return wasm_f32x4_splat(0.0f);
}

// MR rows x (4 * NV) columns of C at c; a points at A(row 0, k 0), b at B(k 0, column 0).
template <int MR, int NV>
inline void nn_tile(float* c, ptrdiff_t ldc, Strided a, const float* b, ptrdiff_t ldb, int Kd, Init init,
                    const float* bias) {
  v128_t acc[MR][NV];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = init_vec(init, c + r * ldc + 4 * v, shift(bias, r));
  const float* ak = a.p;
  for (int k = 0; k < Kd; ++k) {
    v128_t bv[NV];
    for (int v = 0; v < NV; ++v) bv[v] = wasm_v128_load(b + 4 * v);
    for (int r = 0; r < MR; ++r) {
      const v128_t av = splat(ak + r * a.rs);
      for (int v = 0; v < NV; ++v) acc[r][v] = wasm_f32x4_add(acc[r][v], wasm_f32x4_mul(av, bv[v]));
    }
    ak += a.ks;
    b += ldb;
  }
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) wasm_v128_store(c + r * ldc + 4 * v, acc[r][v]);
}

// One column of C, scalar (the tail after the vector loops).
template <int MR>
inline void nn_column(float* c, ptrdiff_t ldc, Strided a, const float* b, ptrdiff_t ldb, int Kd, Init init,
                      const float* bias) {
  float acc[MR];
  for (int r = 0; r < MR; ++r)
    acc[r] = init == Init::kAccumulate ? c[r * ldc] : init == Init::kBias ? bias[r] : 0.0f;
  const float* ak = a.p;
  for (int k = 0; k < Kd; ++k) {
    const float bk = *b;
    for (int r = 0; r < MR; ++r) acc[r] += ak[r * a.rs] * bk;
    ak += a.ks;
    b += ldb;
  }
  for (int r = 0; r < MR; ++r) c[r * ldc] = acc[r];
}

// All rows of one column block, MR = 4 rows at a time, then the 1-3 rows left.
template <int NV>
inline void nn_rows(float* c, ptrdiff_t ldc, Strided a, const float* b, ptrdiff_t ldb, int M, int Kd, Init init,
                    const float* bias) {
  int m = 0;
  for (; m + 4 <= M; m += 4)
    nn_tile<4, NV>(c + m * ldc, ldc, {a.p + m * a.rs, a.rs, a.ks}, b, ldb, Kd, init, shift(bias, m));
  const Strided am{a.p + m * a.rs, a.rs, a.ks};
  switch (M - m) {
    case 3: nn_tile<3, NV>(c + m * ldc, ldc, am, b, ldb, Kd, init, shift(bias, m)); break;
    case 2: nn_tile<2, NV>(c + m * ldc, ldc, am, b, ldb, Kd, init, shift(bias, m)); break;
    case 1: nn_tile<1, NV>(c + m * ldc, ldc, am, b, ldb, Kd, init, shift(bias, m)); break;
    default: break;
  }
}

// C[M][N] (ldc) = init + A B with A strided [M][Kd] and B [Kd][N] (ldb). bias[M] is read only for kBias.
// Column blocks outermost: a Kd x 8 strip of B stays in L1 while every row block passes over it.
inline void gemm_nn(float* c, ptrdiff_t ldc, Strided a, const float* b, ptrdiff_t ldb, int M, int N, int Kd,
                    Init init, const float* bias) {
  int n = 0;
  for (; n + 8 <= N; n += 8) nn_rows<2>(c + n, ldc, a, b + n, ldb, M, Kd, init, bias);
  for (; n + 4 <= N; n += 4) nn_rows<1>(c + n, ldc, a, b + n, ldb, M, Kd, init, bias);
  for (; n < N; ++n) {
    int m = 0;
    for (; m + 4 <= M; m += 4)
      nn_column<4>(c + m * ldc + n, ldc, {a.p + m * a.rs, a.rs, a.ks}, b + n, ldb, Kd, init, shift(bias, m));
    for (; m < M; ++m)
      nn_column<1>(c + m * ldc + n, ldc, {a.p + m * a.rs, a.rs, a.ks}, b + n, ldb, Kd, init, shift(bias, m));
  }
}

// [sum(a0), sum(a1), sum(a2), sum(a3)]: a 4 x 4 transpose folded into the additions.
inline v128_t reduce4(v128_t a0, v128_t a1, v128_t a2, v128_t a3) {
  const v128_t s01 = wasm_f32x4_add(wasm_i32x4_shuffle(a0, a1, 0, 4, 1, 5), wasm_i32x4_shuffle(a0, a1, 2, 6, 3, 7));
  const v128_t s23 = wasm_f32x4_add(wasm_i32x4_shuffle(a2, a3, 0, 4, 1, 5), wasm_i32x4_shuffle(a2, a3, 2, 6, 3, 7));
  return wasm_f32x4_add(wasm_i32x4_shuffle(s01, s23, 0, 1, 4, 5), wasm_i32x4_shuffle(s01, s23, 2, 3, 6, 7));
}

inline float reduce1(v128_t a) {
  const v128_t s = wasm_f32x4_add(a, wasm_i32x4_shuffle(a, a, 2, 3, 0, 1));
  return wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 1);
}

// MR rows x NC columns (NC = 4 or 1) of C = init + A B^T, dot products of length L.
template <int MR, int NC>
inline void nt_tile(float* c, ptrdiff_t ldc, const float* a, ptrdiff_t lda, const float* b, ptrdiff_t ldb, int L,
                    Init init, const float* bias) {
  v128_t acc[MR][NC];
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < NC; ++j) acc[r][j] = wasm_f32x4_splat(0.0f);
  int l = 0;
  for (; l + 4 <= L; l += 4) {
    v128_t bv[NC];
    for (int j = 0; j < NC; ++j) bv[j] = wasm_v128_load(b + j * ldb + l);
    for (int r = 0; r < MR; ++r) {
      const v128_t av = wasm_v128_load(a + r * lda + l);
      for (int j = 0; j < NC; ++j) acc[r][j] = wasm_f32x4_add(acc[r][j], wasm_f32x4_mul(av, bv[j]));
    }
  }
  for (int r = 0; r < MR; ++r) {
    float tail[NC];
    for (int j = 0; j < NC; ++j) {
      tail[j] = 0.0f;
      for (int t = l; t < L; ++t) tail[j] += a[r * lda + t] * b[j * ldb + t];
    }
    float* cr = c + r * ldc;
    if constexpr (NC == 4) {
      v128_t sum = wasm_f32x4_add(reduce4(acc[r][0], acc[r][1], acc[r][2], acc[r][3]),
                                  wasm_f32x4_make(tail[0], tail[1], tail[2], tail[3]));
      if (init == Init::kAccumulate) sum = wasm_f32x4_add(sum, wasm_v128_load(cr));
      if (init == Init::kBias) sum = wasm_f32x4_add(sum, wasm_v128_load(bias));
      wasm_v128_store(cr, sum);
    } else {
      float sum = reduce1(acc[r][0]) + tail[0];
      if (init == Init::kAccumulate) sum += cr[0];
      if (init == Init::kBias) sum += bias[0];
      cr[0] = sum;
    }
  }
}

// One row of C, NC columns: nt_tile<1, NC> with the L loop unrolled U vectors deep (a single image's
// dense layer). The same sums in the same order; under V8 each load then addresses one pointer plus a
// constant, where nt_tile spends an address instruction per load and a loop stack check per vector.
template <int NC, int U>
inline void nt_row(float* c, const float* a, const float* b, ptrdiff_t ldb, int L, Init init, const float* bias) {
  const float* bj[NC];
  v128_t acc[NC];
  for (int j = 0; j < NC; ++j) {
    bj[j] = b + j * ldb;
    acc[j] = wasm_f32x4_splat(0.0f);
  }
  int l = 0;
  for (; l + 4 * U <= L; l += 4 * U, a += 4 * U) {
    for (int u = 0; u < 4 * U; u += 4) {
      const v128_t av = wasm_v128_load(a + u);
      for (int j = 0; j < NC; ++j) acc[j] = wasm_f32x4_add(acc[j], wasm_f32x4_mul(av, wasm_v128_load(bj[j] + u)));
    }
    for (int j = 0; j < NC; ++j) bj[j] += 4 * U;
  }
  for (; l + 4 <= L; l += 4, a += 4) {
    const v128_t av = wasm_v128_load(a);
    for (int j = 0; j < NC; ++j) {
      acc[j] = wasm_f32x4_add(acc[j], wasm_f32x4_mul(av, wasm_v128_load(bj[j])));
      bj[j] += 4;
    }
  }
  for (int h = 0; h < NC; h += 4) {
    float tail[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int t = 0; l + t < L; ++t)
      for (int j = 0; j < 4; ++j) tail[j] += a[t] * bj[h + j][t];
    v128_t sum = wasm_f32x4_add(reduce4(acc[h], acc[h + 1], acc[h + 2], acc[h + 3]),
                                wasm_f32x4_make(tail[0], tail[1], tail[2], tail[3]));
    if (init == Init::kAccumulate) sum = wasm_f32x4_add(sum, wasm_v128_load(c + h));
    if (init == Init::kBias) sum = wasm_f32x4_add(sum, wasm_v128_load(bias + h));
    wasm_v128_store(c + h, sum);
  }
}

// C[M][N] (ldc) = init + A[M][L] (lda) B[N][L]^T (ldb). bias[N] (one per column) is read only for kBias.
inline void gemm_nt(float* c, ptrdiff_t ldc, const float* a, ptrdiff_t lda, const float* b, ptrdiff_t ldb, int M,
                    int N, int L, Init init, const float* bias) {
  int m = 0;
  for (; m + 2 <= M; m += 2) {
    int n = 0;
    for (; n + 4 <= N; n += 4) nt_tile<2, 4>(c + m * ldc + n, ldc, a + m * lda, lda, b + n * ldb, ldb, L, init, shift(bias, n));
    for (; n < N; ++n) nt_tile<2, 1>(c + m * ldc + n, ldc, a + m * lda, lda, b + n * ldb, ldb, L, init, shift(bias, n));
  }
  for (; m < M; ++m) {
    int n = 0;
    for (; n + 8 <= N; n += 8) nt_row<8, 4>(c + m * ldc + n, a + m * lda, b + n * ldb, ldb, L, init, shift(bias, n));
    for (; n + 4 <= N; n += 4) nt_row<4, 4>(c + m * ldc + n, a + m * lda, b + n * ldb, ldb, L, init, shift(bias, n));
    for (; n < N; ++n) nt_tile<1, 1>(c + m * ldc + n, ldc, a + m * lda, lda, b + n * ldb, ldb, L, init, shift(bias, n));
  }
}

}  // namespace simd_gemm
}  // namespace lenet
