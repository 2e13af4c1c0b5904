// The SIMD128 ceiling of this machine, for the benchmark's "fraction of peak": independent multiply-add
// chains on f32x4 (WebAssembly SIMD has no fused multiply-add: a multiply and an add per lane, 8 flops per
// vector step). Built by bench/run.mjs with em++ -O3 -msimd128.
#include <emscripten/emscripten.h>
#include <wasm_simd128.h>

extern "C" EMSCRIPTEN_KEEPALIVE double peak_gflops(int iterations) {
  v128_t a0 = wasm_f32x4_splat(1.0f), a1 = wasm_f32x4_splat(1.1f), a2 = wasm_f32x4_splat(1.2f),
         a3 = wasm_f32x4_splat(1.3f), a4 = wasm_f32x4_splat(1.4f), a5 = wasm_f32x4_splat(1.5f),
         a6 = wasm_f32x4_splat(1.6f), a7 = wasm_f32x4_splat(1.7f);
  const v128_t m = wasm_f32x4_splat(0.999999f), c = wasm_f32x4_splat(1e-7f);
  const double start = emscripten_get_now();
  for (int i = 0; i < iterations; ++i) {
    a0 = wasm_f32x4_add(wasm_f32x4_mul(a0, m), c);
    a1 = wasm_f32x4_add(wasm_f32x4_mul(a1, m), c);
    a2 = wasm_f32x4_add(wasm_f32x4_mul(a2, m), c);
    a3 = wasm_f32x4_add(wasm_f32x4_mul(a3, m), c);
    a4 = wasm_f32x4_add(wasm_f32x4_mul(a4, m), c);
    a5 = wasm_f32x4_add(wasm_f32x4_mul(a5, m), c);
    a6 = wasm_f32x4_add(wasm_f32x4_mul(a6, m), c);
    a7 = wasm_f32x4_add(wasm_f32x4_mul(a7, m), c);
  }
  const double ms = emscripten_get_now() - start;
  const v128_t s = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_add(a0, a1), wasm_f32x4_add(a2, a3)),
                                  wasm_f32x4_add(wasm_f32x4_add(a4, a5), wasm_f32x4_add(a6, a7)));
  // Keep the result alive so the loop is not removed.
  if (wasm_f32x4_extract_lane(s, 0) == 12345.0f) return -1;
  return 8.0 * 8.0 * iterations / (ms * 1e6);
}
