// WebAssembly SIMD128 twin of activation_scalar.cpp. Each kernel has one shape: four (forward) or two (backward)
// vectors per step, then one, then the last 1-3 floats through a 4-float buffer so they get exactly the vector
// arithmetic.
#include <cstring>

#include "kernels/kernels.h"

#if LENET_HAVE_SIMD
#include "kernels/simd.h"

namespace lenet {

namespace {

// e^-x for x in about [-88, 87] (clamped there, so the result stays a normal float; NaN stays NaN): both
// callers want e to a negative power, and under V8 each f32x4.neg costs three instructions.
// Cody and Waite's range reduction -x = n ln2 - s, |s| <= ln2/2, with ln2 split in two so n ln2_hi is
// exact; e^-s by a degree-5 polynomial in s (coefficients of e^r at the six Chebyshev nodes of
// [-ln2/2, ln2/2], relative error 1.6e-7 there, with the odd ones negated); 2^n built in the exponent
// bits. The same bits as e^r with r = -s computed directly: every step is the negated twin of an exact
// negation. Cheaper than Cephes' degree-7 expf under V8 at the accuracy the tests ask. (Rounding y = x log2(e) and taking 2^y directly would save three
// more operations but costs a relative error of |x| 6e-8: 1.2e-6 at x = 20, over the accuracy test's bound.)
inline v128_t exp_neg_f32x4(v128_t x) {
  // pmin/pmax with x first return x when it is NaN
  x = wasm_f32x4_pmax(wasm_f32x4_pmin(x, wasm_f32x4_splat(87.0f)), wasm_f32x4_splat(-88.0f));
  // n = round(-x / ln2): adding 1.5 * 2^23 rounds to an integer (to nearest even) and leaves it in the low
  // mantissa bits, so t's bits are 0x4B400000 + n. Cheaper than f32x4.nearest and i32x4.trunc_sat
  // (several instructions each under V8, per-lane library calls through SIMDe).
  const v128_t magic = wasm_f32x4_splat(12582912.0f);
  const v128_t t = wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(-1.44269504088896341f)), magic);
  const v128_t n = wasm_f32x4_sub(t, magic);
  v128_t s = wasm_f32x4_add(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f)));
  s = wasm_f32x4_add(s, wasm_f32x4_mul(n, wasm_f32x4_splat(-2.12194440e-4f)));
  // Estrin's scheme (three independent pairs joined by s^2 and s^4) rather than Horner's: a dependency
  // chain half as long, so the vectors of one loop step overlap.
  const v128_t s2 = wasm_f32x4_mul(s, s), s4 = wasm_f32x4_mul(s2, s2);
  const v128_t p01 = wasm_f32x4_sub(wasm_f32x4_splat(1.0000001192e+00f), s);  // c1 = 1 exactly
  const v128_t p23 = wasm_f32x4_sub(wasm_f32x4_splat(4.9998870492e-01f), wasm_f32x4_mul(wasm_f32x4_splat(1.6666504741e-01f), s));
  const v128_t p45 = wasm_f32x4_sub(wasm_f32x4_splat(4.1917506605e-02f), wasm_f32x4_mul(wasm_f32x4_splat(8.3691487089e-03f), s));
  const v128_t p = wasm_f32x4_add(wasm_f32x4_add(p01, wasm_f32x4_mul(p23, s2)), wasm_f32x4_mul(p45, s4));
  // 2^n: t's bits shifted left by 23 are n << 23 (the magic constant's low 9 bits are zero); add the bias.
  const v128_t two_n = wasm_i32x4_add(wasm_i32x4_shl(t, 23), wasm_i32x4_splat(127 << 23));
  return wasm_f32x4_mul(p, two_n);
}

inline v128_t sigmoid_f32x4(v128_t x) {
  const v128_t one = wasm_f32x4_splat(1.0f);
  return wasm_f32x4_div(one, wasm_f32x4_add(one, exp_neg_f32x4(x)));
}

// tanh(v) = sign(v) (1 - e) / (1 + e) with e = e^(-2|v|); below |v| = 1/4, where 1 - e loses digits,
// the Taylor series to v^9 (its next term is under 1e-8 of the value there).
inline v128_t tanh_f32x4(v128_t v) {
  const v128_t one = wasm_f32x4_splat(1.0f);
  const v128_t av = wasm_f32x4_abs(v);
  const v128_t e = exp_neg_f32x4(wasm_f32x4_mul(av, wasm_f32x4_splat(2.0f)));
  const v128_t large = wasm_f32x4_div(wasm_f32x4_sub(one, e), wasm_f32x4_add(one, e));
  const v128_t sign = wasm_v128_and(v, wasm_f32x4_splat(-0.0f));
  const v128_t v2 = wasm_f32x4_mul(v, v);
  v128_t p = wasm_f32x4_splat(62.0f / 2835.0f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, v2), wasm_f32x4_splat(-17.0f / 315.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, v2), wasm_f32x4_splat(2.0f / 15.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, v2), wasm_f32x4_splat(-1.0f / 3.0f));
  const v128_t small = wasm_f32x4_add(v, wasm_f32x4_mul(wasm_f32x4_mul(v, v2), p));
  return wasm_v128_bitselect(small, wasm_v128_or(large, sign), wasm_f32x4_lt(av, wasm_f32x4_splat(0.25f)));
}

// out[i] = f(in[i]) over n floats; f maps one vector.
// Four vectors per step: sigmoid and tanh are long dependency chains, and four in flight ran faster than
// two under V8.
template <class F>
inline void map1(float* out, const float* in, size_t n, F f) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const v128_t a = f(wasm_v128_load(in + i)), b = f(wasm_v128_load(in + i + 4));
    const v128_t c = f(wasm_v128_load(in + i + 8)), d = f(wasm_v128_load(in + i + 12));
    wasm_v128_store(out + i, a);
    wasm_v128_store(out + i + 4, b);
    wasm_v128_store(out + i + 8, c);
    wasm_v128_store(out + i + 12, d);
  }
  for (; i + 4 <= n; i += 4) wasm_v128_store(out + i, f(wasm_v128_load(in + i)));
  if (i < n) {
    float buf[4] = {0, 0, 0, 0};
    std::memcpy(buf, in + i, sizeof(float) * (n - i));
    wasm_v128_store(buf, f(wasm_v128_load(buf)));
    std::memcpy(out + i, buf, sizeof(float) * (n - i));
  }
}

// out[i] = f(dy[i], y[i]) over n floats.
template <class F>
inline void map2(float* out, const float* dy, const float* y, size_t n, F f) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const v128_t a = f(wasm_v128_load(dy + i), wasm_v128_load(y + i));
    const v128_t b = f(wasm_v128_load(dy + i + 4), wasm_v128_load(y + i + 4));
    wasm_v128_store(out + i, a);
    wasm_v128_store(out + i + 4, b);
  }
  for (; i + 4 <= n; i += 4) wasm_v128_store(out + i, f(wasm_v128_load(dy + i), wasm_v128_load(y + i)));
  if (i < n) {
    float bd[4] = {0, 0, 0, 0}, by[4] = {0, 0, 0, 0};
    std::memcpy(bd, dy + i, sizeof(float) * (n - i));
    std::memcpy(by, y + i, sizeof(float) * (n - i));
    wasm_v128_store(bd, f(wasm_v128_load(bd), wasm_v128_load(by)));
    std::memcpy(out + i, bd, sizeof(float) * (n - i));
  }
}

}  // namespace

void relu_fwd__wasmsimd(float* y, const float* x, size_t n) {
  const v128_t zero = wasm_f32x4_splat(0.0f);
  // x where x > 0, else +0 (a NaN gives 0, as the scalar comparison does)
  map1(y, x, n, [zero](v128_t v) { return wasm_v128_and(v, wasm_f32x4_gt(v, zero)); });
}

void relu_bwd__wasmsimd(float* dx, const float* dy, const float* y, size_t n) {
  const v128_t zero = wasm_f32x4_splat(0.0f);
  map2(dx, dy, y, n, [zero](v128_t g, v128_t v) { return wasm_v128_and(g, wasm_f32x4_gt(v, zero)); });
}

void sigmoid_fwd__wasmsimd(float* y, const float* x, size_t n) { map1(y, x, n, [](v128_t v) { return sigmoid_f32x4(v); }); }

// s' = s (1 - s), in the scalar reference's order
void sigmoid_bwd__wasmsimd(float* dx, const float* dy, const float* y, size_t n) {
  const v128_t one = wasm_f32x4_splat(1.0f);
  map2(dx, dy, y, n, [one](v128_t g, v128_t v) {
    return wasm_f32x4_mul(wasm_f32x4_mul(g, v), wasm_f32x4_sub(one, v));
  });
}

void tanh_fwd__wasmsimd(float* y, const float* x, size_t n, float a, float s) {
  const v128_t va = wasm_f32x4_splat(a), vs = wasm_f32x4_splat(s);
  map1(y, x, n, [va, vs](v128_t v) { return wasm_f32x4_mul(va, tanh_f32x4(wasm_f32x4_mul(vs, v))); });
}

// (a tanh(s x))' = s (a - y^2 / a), in the scalar reference's order
void tanh_bwd__wasmsimd(float* dx, const float* dy, const float* y, size_t n, float a, float s) {
  const v128_t va = wasm_f32x4_splat(a), vs = wasm_f32x4_splat(s);
  map2(dx, dy, y, n, [va, vs](v128_t g, v128_t v) {
    const v128_t d = wasm_f32x4_sub(va, wasm_f32x4_div(wasm_f32x4_mul(v, v), va));
    return wasm_f32x4_mul(wasm_f32x4_mul(g, vs), d);
  });
}

}  // namespace lenet
#endif  // LENET_HAVE_SIMD
