#include "optimizers.h"

#include <algorithm>
#include <cmath>

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

void OptimizerState::step(const std::vector<ParamSpan>& spans, const std::vector<bool>& active) {
  ++t_;
  const OptimizerSettings& s = settings_;
  const float lr = s.learning_rate, wd = s.weight_decay;
  // Adam's bias corrections (Kingma and Ba 2015, algorithm 1), folded into the step size.
  const float bc1 = 1.0f - static_cast<float>(std::pow(static_cast<double>(s.beta1), static_cast<double>(t_)));
  const float bc2 = 1.0f - static_cast<float>(std::pow(static_cast<double>(s.beta2), static_cast<double>(t_)));
  const float adam_lr = lr / bc1;
  const float inv_sqrt_bc2 = 1.0f / std::sqrt(bc2);
  for (size_t k = 0; k < spans.size(); ++k) {
    if (!active[k]) continue;
    float* p = spans[k].param;
    const float* g = spans[k].grad;
    const size_t n = spans[k].size;
    switch (s.kind) {
      case Optimizer::sgd:
        for (size_t i = 0; i < n; ++i) p[i] -= lr * (g[i] + wd * p[i]);
        break;
      case Optimizer::momentum: {
        float* m = m_.data() + offsets_[k];
        for (size_t i = 0; i < n; ++i) {
          m[i] = s.momentum * m[i] + g[i] + wd * p[i];
          p[i] -= lr * m[i];
        }
        break;
      }
      case Optimizer::adam: {
        float* m = m_.data() + offsets_[k];
        float* v = v_.data() + offsets_[k];
        for (size_t i = 0; i < n; ++i) {
          const float gi = g[i] + wd * p[i];
          m[i] = s.beta1 * m[i] + (1.0f - s.beta1) * gi;
          v[i] = s.beta2 * v[i] + (1.0f - s.beta2) * gi * gi;
          p[i] -= adam_lr * m[i] / (std::sqrt(v[i]) * inv_sqrt_bc2 + s.epsilon);
        }
        break;
      }
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
