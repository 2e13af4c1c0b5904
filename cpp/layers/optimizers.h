// Optimizers know nothing of layers: they walk a list of {param, grad} spans, so one
// optimizer serves every layer and a new layer needs no optimizer code.
// State (momentum, Adam moments) is one flat allocation made at construction, sized for every span.
#pragma once
#include <cstdint>
#include <vector>

#include "base/common.h"
#include "layers/kinds.h"

namespace lenet {

struct OptimizerSettings {
  Optimizer kind = Optimizer::adam;
  float learning_rate = 0.001f;
  float momentum = 0.9f;
  float beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f;
  float weight_decay = 0.0f;  // L2, added to the gradient (PyTorch's weight_decay)
};

class OptimizerState {
 public:
  // `sizes`: the length of each span, in the order step() will receive them.
  OptimizerState(const OptimizerSettings& settings, const std::vector<size_t>& sizes);
  // One update of every span whose `active[i]` is true (frozen spans are skipped, their state kept).
  void step(const std::vector<ParamSpan>& spans, const std::vector<bool>& active);
  OptimizerSettings& settings() { return settings_; }
  int64_t steps() const { return t_; }
  // Snapshot and restore, for divergence recovery.
  void copy_to(std::vector<float>& out) const;
  void copy_from(const std::vector<float>& in);

 private:
  OptimizerSettings settings_;
  std::vector<size_t> offsets_;
  std::vector<float> m_;  // momentum buffer, or Adam's first moment
  std::vector<float> v_;  // Adam's second moment
  int64_t t_ = 0;
};

}  // namespace lenet
