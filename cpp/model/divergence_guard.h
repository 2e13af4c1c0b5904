// Divergence: the checks that stop a training run whose learning rate is too large, and the snapshot
// that puts it back where it was last healthy. Network::train_batch asks the guard before and after
// every optimizer update; the guard knows nothing of layers, only the flat parameters, the optimizer
// state and the step count it was given to watch.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "layers/optimizers.h"

namespace lenet {

// True when none of the n floats is NaN or infinite.
bool all_finite(const float* p, size_t n);

class DivergenceGuard {
 public:
  // The state to watch and restore (the network's; it outlives the guard). The snapshot is allocated on
  // the first step, so a network that never trains never pays for it; later steps allocate nothing.
  void watch(float* params, size_t count, OptimizerState* optimizer, int64_t* steps);

  // Before the update: `loss` is the batch loss of the weights as they are now (not yet updated) and
  // `grads` their gradient (the watched count of floats). Empty when healthy, else why training diverged.
  // A sane loss makes the present state the snapshot.
  std::string before_step(float loss, const float* grads);
  // After the update: empty when the new weights are healthy, else why not.
  std::string after_step();
  // Puts the snapshot back (weights, optimizer state, step count, and the guard's own references) and
  // returns its step count.
  int64_t restore();

 private:
  void take_snapshot();

  float* params_ = nullptr;
  size_t count_ = 0;
  OptimizerState* optimizer_ = nullptr;
  int64_t* steps_ = nullptr;

  // The guard's references, part of what a snapshot keeps.
  struct References {
    float first = -1;   // the loss of the first step since the network was made or loaded
    float recent = -1;  // the recent level of sane losses
  };
  References refs_;

  struct Snapshot {
    std::vector<float> params;
    std::vector<float> optimizer;
    int64_t steps = 0;
    References refs;
    double norm = 0;  // the snapshot's weights' Euclidean length
  };
  Snapshot snap_;
  bool have_snapshot_ = false;
};

}  // namespace lenet
