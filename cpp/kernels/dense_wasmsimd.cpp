// WebAssembly SIMD128 twin of dense_scalar.cpp: each kernel is one matrix product of gemm_wasmsimd.h.
#include "kernels/kernels.h"

#if LENET_HAVE_SIMD
#include "kernels/gemm_wasmsimd.h"

namespace lenet {

using simd_gemm::Init;

// shapes: y [N][O], x [N][I], w [O][I], b [O];  y = x w^T + b, dot products along I
void dense_fwd__wasmsimd(float* y, const float* x, const float* w, const float* b, int N, int I, int O) {
  simd_gemm::gemm_nt(y, O, x, I, w, I, N, O, I, Init::kBias, b);
}

// shapes: dx [N][I], dy [N][O], w [O][I];  dx += dy w, broadcasting dy[n][o] over rows of w
void dense_bwd_input__wasmsimd(float* dx, const float* dy, const float* w, int N, int I, int O) {
  simd_gemm::gemm_nn(dx, I, {dy, O, 1}, w, I, N, I, O, Init::kAccumulate, nullptr);
}

// shapes: dw [O][I], db [O], dy [N][O], x [N][I];  dw += dy^T x (A(o, n) = dy[n][o]), db += sum_n dy
void dense_bwd_weight__wasmsimd(float* dw, float* db, const float* dy, const float* x, int N, int I, int O) {
  simd_gemm::gemm_nn(dw, I, {dy, 1, O}, x, I, O, I, N, Init::kAccumulate, nullptr);
  for (int n = 0; n < N; ++n) {
    const float* dyn = dy + static_cast<size_t>(n) * O;
    int o = 0;
    for (; o + 4 <= O; o += 4)
      wasm_v128_store(db + o, wasm_f32x4_add(wasm_v128_load(db + o), wasm_v128_load(dyn + o)));
    for (; o < O; ++o) db[o] += dyn[o];
  }
}

}  // namespace lenet
#endif  // LENET_HAVE_SIMD
