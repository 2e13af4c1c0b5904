// Compute kernels below the layers. Each kernel has a plain scalar reference (`__scalar`) and a
// WebAssembly SIMD128 twin (`__wasmsimd`) with the same signature; the choice between them is made once. Natively the
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

// 2x2 pooling, stride 2, over N*C maps; an odd last row or column is dropped (OH = H/2, OW = W/2).
struct PoolShape {
  int N;  // batch
  int C;  // maps (per-map parameters are indexed by the map's place in 0..C-1)
  int H;  // input height
  int W;  // input width
  int OH() const { return H / 2; }
  int OW() const { return W / 2; }
};

// The pooling and elementwise kernels below OVERWRITE dx (every element, dropped rows included): it is
// never a sum of several contributions, and the layer protocol overwrites dx too. Parameter gradients
// are still added to.
//
// shapes: y [N][C][OH][OW], x [N][C][H][W];  y = max of each 2x2 block (a NaN may be dropped)
using maxpool2x2_fwd_fn = void (*)(float* y, const float* x, const PoolShape& s);
// shapes: dx [N][C][H][W], dy, y [N][C][OH][OW], x [N][C][H][W]
// dx = dy at the first of the four inputs (row-major) equal to the block's max y, 0 elsewhere
using maxpool2x2_bwd_fn = void (*)(float* dx, const float* dy, const float* y, const float* x, const PoolShape& s);
// shapes: y [N][C][OH][OW], x [N][C][H][W], scale [C], bias [C]
// y = scale[c] * (sum of the 2x2 block) + bias[c]: average pooling (scale 1/4, bias 0) and the paper's
// trainable subsampling (LeCun et al. 1998, section II-B)
using sumpool2x2_fwd_fn = void (*)(float* y, const float* x, const float* scale, const float* bias,
                                   const PoolShape& s);
// shapes: dx [N][C][H][W] (nullptr: not needed), dscale, dbias [C] (both nullptr: not needed),
//         dy [N][C][OH][OW], x [N][C][H][W], scale [C]
// dx = scale[c] dy on each input of the block; dscale[c] += sum dy * (block sum); dbias[c] += sum dy
using sumpool2x2_bwd_fn = void (*)(float* dx, float* dscale, float* dbias, const float* dy, const float* x,
                                   const float* scale, const PoolShape& s);

// Elementwise activations over n floats. Each backward is written in terms of the forward's output y.
// relu:    y = x > 0 ? x : 0                       dx = y > 0 ? dy : 0
// sigmoid: y = 1 / (1 + e^-x)                      dx = dy y (1 - y)
// tanh:    y = a tanh(s x) (a = s = 1: plain tanh;  dx = dy s (a - y^2 / a)
//          the paper's a = 1.7159, s = 2/3, appendix A)
// The SIMD twins evaluate e^x with a polynomial (relative error about 1e-7), not the C library.
using relu_fwd_fn = void (*)(float* y, const float* x, size_t n);
using relu_bwd_fn = void (*)(float* dx, const float* dy, const float* y, size_t n);
using sigmoid_fwd_fn = void (*)(float* y, const float* x, size_t n);
using sigmoid_bwd_fn = void (*)(float* dx, const float* dy, const float* y, size_t n);
using tanh_fwd_fn = void (*)(float* y, const float* x, size_t n, float a, float s);
using tanh_bwd_fn = void (*)(float* dx, const float* dy, const float* y, size_t n, float a, float s);

#define LENET_DECLARE_KERNELS(isa)                                                                            \
  void conv2d_fwd__##isa(float* y, const float* x, const float* w, const float* b, const ConvShape& s,        \
                         float* scratch);                                                                     \
  void conv2d_bwd_input__##isa(float* dx, const float* dy, const float* w, const ConvShape& s, float* scratch); \
  void conv2d_bwd_weight__##isa(float* dw, float* db, const float* dy, const float* x, const ConvShape& s,     \
                                float* scratch);                                                              \
  void dense_fwd__##isa(float* y, const float* x, const float* w, const float* b, int N, int I, int O);       \
  void dense_bwd_input__##isa(float* dx, const float* dy, const float* w, int N, int I, int O);               \
  void dense_bwd_weight__##isa(float* dw, float* db, const float* dy, const float* x, int N, int I, int O);   \
  void maxpool2x2_fwd__##isa(float* y, const float* x, const PoolShape& s);                                   \
  void maxpool2x2_bwd__##isa(float* dx, const float* dy, const float* y, const float* x, const PoolShape& s);  \
  void sumpool2x2_fwd__##isa(float* y, const float* x, const float* scale, const float* bias,                 \
                             const PoolShape& s);                                                             \
  void sumpool2x2_bwd__##isa(float* dx, float* dscale, float* dbias, const float* dy, const float* x,         \
                             const float* scale, const PoolShape& s);                                         \
  void relu_fwd__##isa(float* y, const float* x, size_t n);                                                   \
  void relu_bwd__##isa(float* dx, const float* dy, const float* y, size_t n);                                 \
  void sigmoid_fwd__##isa(float* y, const float* x, size_t n);                                                \
  void sigmoid_bwd__##isa(float* dx, const float* dy, const float* y, size_t n);                              \
  void tanh_fwd__##isa(float* y, const float* x, size_t n, float a, float s);                                 \
  void tanh_bwd__##isa(float* dx, const float* dy, const float* y, size_t n, float a, float s);

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
  maxpool2x2_fwd_fn maxpool2x2_fwd;
  maxpool2x2_bwd_fn maxpool2x2_bwd;
  sumpool2x2_fwd_fn sumpool2x2_fwd;
  sumpool2x2_bwd_fn sumpool2x2_bwd;
  relu_fwd_fn relu_fwd;
  relu_bwd_fn relu_bwd;
  sigmoid_fwd_fn sigmoid_fwd;
  sigmoid_bwd_fn sigmoid_bwd;
  tanh_fwd_fn tanh_fwd;
  tanh_bwd_fn tanh_bwd;
};

const KernelSet& kernels_scalar();
// The SIMD set where this build has it, else the scalar set.
const KernelSet& kernels_simd();
bool kernels_have_simd();
// The active set: SIMD when built with it, unless use_kernels() chose otherwise.
const KernelSet& kernels();
void use_kernels(const KernelSet& set);

}  // namespace lenet
