#include "layers/optimizers.h"

#include <algorithm>
#include <cmath>

#if LENET_HAVE_SIMD
#include "kernels/simd.h"
#endif

namespace lenet {

OptimizerState::OptimizerState(const OptimizerSettings& settings, const std::vector<size_t>& sizes)
    : settings_(settings) {
  size_t total = 0;
  for (size_t s : sizes) {
    offsets_.push_back(total);
    total += s;
  }
  m_.assign(settings.kind == Optimizer::sgd ? 0 : total, 0.0f);
  v_.assign(settings.kind == Optimizer::adam ? total : 0, 0.0f);
}

namespace {

// The three update rules, each over one span. The SIMD loops do the scalar tail's arithmetic in the same
// order, so both give the same bits (WebAssembly's and SSE's sqrt and division are IEEE-exact); locals
// rather than settings_ members let the loops keep every constant in a register.
struct Rule {
  float lr, wd, momentum, beta1, beta2, epsilon;
  float adam_lr, inv_sqrt_bc2;  // Adam's step size with the first bias correction, 1/sqrt(second)
};

void sgd_span(float* __restrict p, const float* __restrict g, size_t n, const Rule& r) {
  size_t i = 0;
#if LENET_HAVE_SIMD
  const v128_t lr = wasm_f32x4_splat(r.lr), wd = wasm_f32x4_splat(r.wd);
  for (; i + 4 <= n; i += 4) {
    const v128_t pv = wasm_v128_load(p + i);
    const v128_t step = wasm_f32x4_mul(lr, wasm_f32x4_add(wasm_v128_load(g + i), wasm_f32x4_mul(wd, pv)));
    wasm_v128_store(p + i, wasm_f32x4_sub(pv, step));
  }
#endif
  for (; i < n; ++i) p[i] -= r.lr * (g[i] + r.wd * p[i]);
}

void momentum_span(float* __restrict p, float* __restrict m, const float* __restrict g, size_t n, const Rule& r) {
  size_t i = 0;
#if LENET_HAVE_SIMD
  const v128_t lr = wasm_f32x4_splat(r.lr), wd = wasm_f32x4_splat(r.wd), mu = wasm_f32x4_splat(r.momentum);
  for (; i + 4 <= n; i += 4) {
    const v128_t pv = wasm_v128_load(p + i);
    const v128_t mv = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(mu, wasm_v128_load(m + i)), wasm_v128_load(g + i)),
                                     wasm_f32x4_mul(wd, pv));
    wasm_v128_store(m + i, mv);
    wasm_v128_store(p + i, wasm_f32x4_sub(pv, wasm_f32x4_mul(lr, mv)));
  }
#endif
  for (; i < n; ++i) {
    m[i] = r.momentum * m[i] + g[i] + r.wd * p[i];
    p[i] -= r.lr * m[i];
  }
}

void adam_span(float* __restrict p, float* __restrict m, float* __restrict v, const float* __restrict g, size_t n,
               const Rule& r) {
  const float b1 = r.beta1, b2 = r.beta2, c1 = 1.0f - r.beta1, c2 = 1.0f - r.beta2;
  size_t i = 0;
#if LENET_HAVE_SIMD
  const v128_t wd = wasm_f32x4_splat(r.wd), vb1 = wasm_f32x4_splat(b1), vb2 = wasm_f32x4_splat(b2),
               vc1 = wasm_f32x4_splat(c1), vc2 = wasm_f32x4_splat(c2), lr = wasm_f32x4_splat(r.adam_lr),
               inv = wasm_f32x4_splat(r.inv_sqrt_bc2), eps = wasm_f32x4_splat(r.epsilon);
  for (; i + 4 <= n; i += 4) {
    const v128_t pv = wasm_v128_load(p + i);
    const v128_t gi = wasm_f32x4_add(wasm_v128_load(g + i), wasm_f32x4_mul(wd, pv));
    const v128_t mv = wasm_f32x4_add(wasm_f32x4_mul(vb1, wasm_v128_load(m + i)), wasm_f32x4_mul(vc1, gi));
    const v128_t vv =
        wasm_f32x4_add(wasm_f32x4_mul(vb2, wasm_v128_load(v + i)), wasm_f32x4_mul(wasm_f32x4_mul(vc2, gi), gi));
    wasm_v128_store(m + i, mv);
    wasm_v128_store(v + i, vv);
    const v128_t denom = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_sqrt(vv), inv), eps);
    wasm_v128_store(p + i, wasm_f32x4_sub(pv, wasm_f32x4_div(wasm_f32x4_mul(lr, mv), denom)));
  }
#endif
  for (; i < n; ++i) {
    const float gi = g[i] + r.wd * p[i];
    m[i] = b1 * m[i] + c1 * gi;
    v[i] = b2 * v[i] + c2 * gi * gi;
    p[i] -= r.adam_lr * m[i] / (std::sqrt(v[i]) * r.inv_sqrt_bc2 + r.epsilon);
  }
}

}  // namespace

void OptimizerState::step(const std::vector<ParamSpan>& spans, const std::vector<bool>& active) {
  ++t_;
  const OptimizerSettings& s = settings_;
  Rule r{s.learning_rate, s.weight_decay, s.momentum, s.beta1, s.beta2, s.epsilon, 0.0f, 0.0f};
  // Adam's bias corrections (Kingma and Ba 2015, algorithm 1), folded into the step size.
  const float bc1 = 1.0f - static_cast<float>(std::pow(static_cast<double>(s.beta1), static_cast<double>(t_)));
  const float bc2 = 1.0f - static_cast<float>(std::pow(static_cast<double>(s.beta2), static_cast<double>(t_)));
  r.adam_lr = r.lr / bc1;
  r.inv_sqrt_bc2 = 1.0f / std::sqrt(bc2);
  for (size_t k = 0; k < spans.size(); ++k) {
    if (!active[k]) continue;
    float* p = spans[k].param;
    const float* g = spans[k].grad;
    const size_t n = spans[k].size;
    switch (s.kind) {
      case Optimizer::sgd: sgd_span(p, g, n, r); break;
      case Optimizer::momentum: momentum_span(p, m_.data() + offsets_[k], g, n, r); break;
      case Optimizer::adam: adam_span(p, m_.data() + offsets_[k], v_.data() + offsets_[k], g, n, r); break;
    }
  }
}

void OptimizerState::copy_to(std::vector<float>& out) const {
  out.resize(m_.size() + v_.size() + 2);
  std::copy(m_.begin(), m_.end(), out.begin());
  std::copy(v_.begin(), v_.end(), out.begin() + static_cast<std::ptrdiff_t>(m_.size()));
  // t_ in two floats' bits would be fragile; keep it exactly as two 24-bit halves.
  out[out.size() - 2] = static_cast<float>(t_ >> 24);
  out[out.size() - 1] = static_cast<float>(t_ & 0xFFFFFF);
}

void OptimizerState::copy_from(const std::vector<float>& in) {
  std::copy(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(m_.size()), m_.begin());
  std::copy(in.begin() + static_cast<std::ptrdiff_t>(m_.size()),
            in.begin() + static_cast<std::ptrdiff_t>(m_.size() + v_.size()), v_.begin());
  t_ = (static_cast<int64_t>(in[in.size() - 2]) << 24) | static_cast<int64_t>(in[in.size() - 1]);
}

}  // namespace lenet
