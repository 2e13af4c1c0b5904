// One copy of LeNet-5's layers: the stack the paper draws (Fig. 2) with the configuration's options, its
// parameters and their gradients (one flat allocation each), the activation buffers of a batch and the
// dropout stream. It runs checked images forward and back and knows no optimizer and no threads, so the
// network holds one and data parallelism (data_parallel.h) makes more of them, one a replica.
#pragma once
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include "base/common.h"
#include "base/rng.h"
#include "layers/layers.h"
#include "layers/losses.h"
#include "model/config.h"
#include "model/network.h"

namespace lenet {

using AlignedFloats = std::vector<float, CacheAligned<float>>;

// C1's and S2's maps for a whole batch of 128 are 2.4 MB and 0.6 MB a layer: run layer by layer over the
// whole batch, every activation and pooling pass streams them through main memory. Eight samples at a time
// (C1's output 150 KB) they stay in the core's cache from one layer to the next. The layers from C5 on are
// matrix products whose weight gradients cost a pass over the weights per call, so they take the batch
// whole. The convolution kernels work sample by sample and add into dw, db in sample order either way, so
// the result is the same to the bit. Data parallelism splits batches along the same blocks.
constexpr int kSampleBlock = 8;

class LayerStack {
 public:
  // Builds the layers and initialises the weights from config.seed; the caller has validated config.
  explicit LayerStack(const Config& config);
  // The layers hold views into params and grads and a pointer to the dropout stream, so a stack stays
  // where it was made.
  LayerStack(const LayerStack&) = delete;
  LayerStack& operator=(const LayerStack&) = delete;

  // How many parameters a network of this configuration has, without allocating them (the model file's
  // reader checks a file's count against it).
  static size_t count_params(const Config& config);

  const Config& config() const { return config_; }
  // The configuration is also the network's, whose learning rate changes; the stack never reads it.
  void set_learning_rate(float lr) { config_.learning_rate = lr; }

  AlignedFloats& params() { return params_; }
  const AlignedFloats& params() const { return params_; }
  AlignedFloats& grads() { return grads_; }
  const std::vector<ParamSpan>& spans() const { return spans_; }  // weights and biases, layer by layer
  const std::vector<LayerId>& span_owner() const { return span_owner_; }
  // Frozen layers get no parameter gradients (and nothing below the lowest trainable one any gradient).
  bool frozen(LayerId id) const { return frozen_[static_cast<int>(id)]; }
  void set_frozen(LayerId id, bool frozen) { frozen_[static_cast<int>(id)] = frozen; }
  // A replica takes the main stack's parameters and frozen flags before every step it runs a part of.
  void copy_weights_from(const LayerStack& main);

  // n checked images (side 28 or 32, placed by load_input) forward; training: dropout active.
  void forward(const float* images, int n, int side, bool training);
  // The loss of the last forward pass against `labels`; leaves its gradient by the outputs for backward().
  LossResult loss_and_output_gradient(const uint8_t* labels, int n);
  // The backward pass of the last forward pass (n images) into zeroed gradients, down to the lowest
  // trainable layer; gradients the C3 table leaves out stay zero.
  void backward(int n);
  // probs: [n][classes] for the last forward pass (softmax of the logits; for RBF, of minus the distances;
  // MSE outputs clipped to [0, 1] and normalised).
  void probabilities(float* probs, int n) const;
  // After a one-image forward pass: d log p(target) / d image into out (side x side), by the backward pass
  // down to the input without parameter gradients.
  void input_gradient_after_forward(float* out, int side, int target);
  // Evaluation and prediction go in chunks of at most a training batch (or what is already allocated), so
  // they never need more memory than training; returns the chunk and makes room for it.
  int chunk_for(int n);
  // Eval-mode forward of n checked images in chunks of chunk_for(n). probs, if given, receives the
  // probabilities; with labels, returns the chunks' losses summed by size and the correct count, else {0, 0}.
  std::pair<double, int> eval_range(const float* images, const uint8_t* labels, int n, int side, float* probs);

  // The last forward pass: its batch size (0: none yet), and layer i's output [last_n()][layer(i).out].
  int last_n() const { return last_n_; }
  const float* output_of(size_t i) const { return acts_[i + 1].data(); }
  const Layer& layer(size_t i) const { return *layers_[i]; }
  // The piece whose output is the paper's layer's output: its last, dropout excepted (not a feature).
  size_t layer_index(LayerId id) const;
  // The piece of `id` that holds its parameters, or nullptr.
  Layer* param_layer(LayerId id) const;

 private:
  void ensure_capacity(int n);
  void load_input(const float* images, int n, int side);
  void run_forward(int n, bool training);
  size_t act_size(size_t i) const;
  size_t lowest_trainable() const;
  void log_probability_gradient(int target);
  const float* outputs() const { return acts_.back().data(); }

  Config config_;
  Rng dropout_rng_;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<LayerId> owner_;  // the paper's layer each piece belongs to
  // Layers [0, per_sample_end_) -- C1 to S4 -- treat each sample on its own and keep no per-batch state;
  // the stack runs them kSampleBlock samples at a time.
  size_t per_sample_end_ = 0;
  AlignedFloats params_, grads_;  // one flat allocation each; layers hold views into them
  std::vector<ParamSpan> spans_;
  std::vector<LayerId> span_owner_;
  std::vector<AlignedFloats> acts_;   // acts_[0]: input [N][1][32][32]; acts_[i + 1]: output of layer i
  std::vector<AlignedFloats> dacts_;  // gradients of the same
  AlignedFloats scratch_;
  int capacity_ = 0;
  int last_n_ = 0;
  bool frozen_[kLayerCount] = {};
};

}  // namespace lenet
