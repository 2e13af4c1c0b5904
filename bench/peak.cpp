// The SIMD128 ceiling of this machine, for the benchmark's "fraction of peak": independent multiply-add
// chains on f32x4 (WebAssembly SIMD has no fused multiply-add: a multiply and an add per lane, 8 flops per
// vector step). Built by bench/run.mjs with em++ -O3 -msimd128.
//
// Twelve chains: a chain step is a multiply then a dependent add, so few chains leave the FP pipes waiting
// on latency, and more than 14 live vectors (with the two constants) spill out of x86's 16 xmm registers
// under V8. Measured on this machine (GFLOP/s): 8 chains 13.8, 10 chains 14.2, 12 chains 18.6,
// 14 chains 8.6, 16 chains 9.2 (a busy machine; the ratios are what matter).
#include <emscripten/emscripten.h>
#include <wasm_simd128.h>

namespace {
constexpr int kChains = 12;
}

extern "C" EMSCRIPTEN_KEEPALIVE double peak_gflops(int iterations) {
  v128_t a[kChains];
  for (int k = 0; k < kChains; ++k) a[k] = wasm_f32x4_splat(1.0f + 0.1f * static_cast<float>(k));
  const v128_t m = wasm_f32x4_splat(0.999999f), c = wasm_f32x4_splat(1e-7f);
  const double start = emscripten_get_now();
  for (int i = 0; i < iterations; ++i) {
#pragma clang loop unroll(full)
    for (int k = 0; k < kChains; ++k) a[k] = wasm_f32x4_add(wasm_f32x4_mul(a[k], m), c);
  }
  const double ms = emscripten_get_now() - start;
  v128_t s = a[0];
  for (int k = 1; k < kChains; ++k) s = wasm_f32x4_add(s, a[k]);
  // Keep the result alive so the loop is not removed.
  if (wasm_f32x4_extract_lane(s, 0) == 12345.0f) return -1;
  return 8.0 * kChains * iterations / (ms * 1e6);
}
