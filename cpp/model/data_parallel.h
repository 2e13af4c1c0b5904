// Data-parallel training and evaluation: a batch split into contiguous parts, part 0 on the calling thread
// and the network's own layer stack, every other part on a worker thread and a replica of the stack (its
// own buffers and dropout stream, the main stack's parameters copied in before every step). Replicas carry
// no optimizer state: the one optimizer step stays with the network, on the averaged gradient.
#pragma once
#include <memory>
#include <utility>
#include <vector>

#include "layers/losses.h"
#include "model/config.h"
#include "model/layer_stack.h"
#include "model/worker_pool.h"

namespace lenet {

class DataParallel {
 public:
  // The most threads set_threads accepts here (Network::max_threads documents it).
  static int max_threads();
  int threads() const { return static_cast<int>(replicas_.size()) + 1; }
  // One replica per extra thread, built from `config` (the main stack's) with seeds of their own; throws
  // Error outside 1..max_threads() or when the threads cannot start (then back on one thread).
  void set_threads(int threads, const Config& config);

  // Forward, loss and backward of a checked batch, split over the threads; leaves the mean gradient over
  // the whole batch in main's grads and returns the whole batch's mean loss and correct count.
  LossResult loss_and_gradients(LayerStack& main, const float* images, const uint8_t* labels, int n, int side);
  // LayerStack::eval_range over the threads, each on a part of the images (the same weights, eval mode:
  // the same results as on one thread). Returns the summed loss and the correct count; main's last forward
  // pass starts with the first image, for the feature maps.
  std::pair<double, int> eval_parts(LayerStack& main, const float* images, const uint8_t* labels, int n, int side,
                                    float* probs);

 private:
  // A batch of n split into contiguous parts: whole sample blocks where possible, the remainder on the
  // last part.
  struct Split {
    int n, parts, per;
    int start(int k) const { return std::min(n, k * per); }
    int count(int k) const { return k + 1 == parts ? n - start(k) : std::min(per, n - start(k)); }
  };
  Split split_of(int n) const;
  template <typename F>
  void on_parts(LayerStack& main, const Split& sp, F&& f);

  std::vector<std::unique_ptr<LayerStack>> replicas_;
  std::unique_ptr<WorkerPool> pool_;
  // Per part, kept from call to call: a training step and a prediction (a hot path) allocate nothing.
  std::vector<LossResult> part_results_;
  std::vector<std::pair<double, int>> eval_results_;
};

}  // namespace lenet
