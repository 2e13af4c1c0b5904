#include "kernels/kernels.h"

namespace lenet {

#define LENET_KERNEL_SET(isa) \
  { #isa, conv2d_fwd__##isa, conv2d_bwd_input__##isa, conv2d_bwd_weight__##isa, dense_fwd__##isa, \
    dense_bwd_input__##isa, dense_bwd_weight__##isa, maxpool2x2_fwd__##isa, maxpool2x2_bwd__##isa,     \
    sumpool2x2_fwd__##isa, sumpool2x2_bwd__##isa, relu_fwd__##isa, relu_bwd__##isa, sigmoid_fwd__##isa,  \
    sigmoid_bwd__##isa, tanh_fwd__##isa, tanh_bwd__##isa }

const KernelSet& kernels_scalar() {
  static const KernelSet set = LENET_KERNEL_SET(scalar);
  return set;
}

const KernelSet& kernels_simd() {
#if LENET_HAVE_SIMD
  static const KernelSet set = LENET_KERNEL_SET(wasmsimd);
  return set;
#else
  return kernels_scalar();
#endif
}

bool kernels_have_simd() { return LENET_HAVE_SIMD != 0; }

namespace {
const KernelSet* g_active = nullptr;
}

const KernelSet& kernels() {
  if (!g_active) g_active = &kernels_simd();
  return *g_active;
}

void use_kernels(const KernelSet& set) { g_active = &set; }

}  // namespace lenet
