// Compute kernels below the layers. Each kernel has a plain scalar reference (`__scalar`) and a
// WebAssembly SIMD128 twin (`__wasmsimd`) with the same signature (STYLE.md principle 8). Natively the
// SIMD twin compiles through SIMDe, so native tests run the very kernel the browser runs.
//
// Argument order: outputs, then inputs, then weights, then sizes; backward takes gradients first.
// Backward kernels ADD into their outputs (dx, dw, db); zeroing is the caller's job.
// `scratch` is caller-owned memory of at least *_scratch_floats(shape) floats: kernels never allocate.
#pragma once
#include <cstddef>

namespace lenet {

// Valid (no padding) 2-D convolution, stride 1, square kernel: OH = H - K + 1, OW = W - K + 1.
struct ConvShape {
  int N;   // batch
  int C;   // input maps
  int H;   // input height
  int W;   // input width
  int OC;  // output maps
  int K;   // kernel side
  int OH() const { return H - K + 1; }
  int OW() const { return W - K + 1; }
};

// shapes: y [N][OC][OH][OW], x [N][C][H][W], w [OC][C][K][K], b [OC]
// y = conv(x, w) + b  (overwrites y)
using conv2d_fwd_fn = void (*)(float* y, const float* x, const float* w, const float* b, const ConvShape& s,
                               float* scratch);
// shapes: dx [N][C][H][W], dy [N][OC][OH][OW], w [OC][C][K][K]
// dx += full correlation of dy with w flipped (the input gradient)
using conv2d_bwd_input_fn = void (*)(float* dx, const float* dy, const float* w, const ConvShape& s,
                                     float* scratch);
// shapes: dw [OC][C][K][K], db [OC], dy [N][OC][OH][OW], x [N][C][H][W]
// dw += sum_n correlation of x with dy; db += sum of dy per map
using conv2d_bwd_weight_fn = void (*)(float* dw, float* db, const float* dy, const float* x, const ConvShape& s,
                                      float* scratch);
// Floats of scratch the three conv kernels need (the same number serves all three).
size_t conv2d_scratch_floats(const ConvShape& s);

// Dense (fully connected) layer, PyTorch's weight layout so parity tests can share weights.
// shapes: y [N][O], x [N][I], w [O][I], b [O];  y = x w^T + b  (overwrites y)
using dense_fwd_fn = void (*)(float* y, const float* x, const float* w, const float* b, int N, int I, int O);
// shapes: dx [N][I], dy [N][O], w [O][I];  dx += dy w
using dense_bwd_input_fn = void (*)(float* dx, const float* dy, const float* w, int N, int I, int O);
// shapes: dw [O][I], db [O], dy [N][O], x [N][I];  dw += dy^T x, db += sum_n dy
using dense_bwd_weight_fn = void (*)(float* dw, float* db, const float* dy, const float* x, int N, int I, int O);

#define LENET_DECLARE_KERNELS(isa)                                                                            \
  void conv2d_fwd__##isa(float* y, const float* x, const float* w, const float* b, const ConvShape& s,        \
                         float* scratch);                                                                     \
  void conv2d_bwd_input__##isa(float* dx, const float* dy, const float* w, const ConvShape& s, float* scratch); \
  void conv2d_bwd_weight__##isa(float* dw, float* db, const float* dy, const float* x, const ConvShape& s,     \
                                float* scratch);                                                              \
  void dense_fwd__##isa(float* y, const float* x, const float* w, const float* b, int N, int I, int O);       \
  void dense_bwd_input__##isa(float* dx, const float* dy, const float* w, int N, int I, int O);               \
  void dense_bwd_weight__##isa(float* dw, float* db, const float* dy, const float* x, int N, int I, int O);

LENET_DECLARE_KERNELS(scalar)
#if LENET_HAVE_SIMD
LENET_DECLARE_KERNELS(wasmsimd)
#endif
#undef LENET_DECLARE_KERNELS

// One set of kernels; the engine picks one set once (kernels()), tests and benchmarks may switch.
struct KernelSet {
  const char* name;  // "scalar" or "wasmsimd"
  conv2d_fwd_fn conv2d_fwd;
  conv2d_bwd_input_fn conv2d_bwd_input;
  conv2d_bwd_weight_fn conv2d_bwd_weight;
  dense_fwd_fn dense_fwd;
  dense_bwd_input_fn dense_bwd_input;
  dense_bwd_weight_fn dense_bwd_weight;
};

const KernelSet& kernels_scalar();
// The SIMD set where this build has it, else the scalar set.
const KernelSet& kernels_simd();
bool kernels_have_simd();
// The active set: SIMD when built with it, unless use_kernels() chose otherwise.
const KernelSet& kernels();
void use_kernels(const KernelSet& set);

}  // namespace lenet
