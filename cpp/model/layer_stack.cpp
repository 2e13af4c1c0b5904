#include "model/layer_stack.h"

#include <algorithm>
#include <cmath>

namespace lenet {

namespace {

struct Built {
  std::vector<std::unique_ptr<Layer>> layers;
  std::vector<LayerId> owner;
  size_t per_sample_end = 0;
};

// The network as the paper draws it (Fig. 2), with the options of the configuration.
Built build_layers(const Config& c, Rng* dropout_rng) {
  Built b;
  Shape3 s{1, 32, 32};  // a 28x28 input is padded to 32x32 before C1 (see load_input)
  auto add = [&](LayerId id, std::unique_ptr<Layer> layer) {
    s = layer->out;
    b.layers.push_back(std::move(layer));
    b.owner.push_back(id);
  };
  // The paper's subsampling units pass their result through the squashing function (section II-B).
  const bool squash_pool = c.pooling == Pooling::subsample;
  add(LayerId::C1, make_conv(s, 6, 5));                                        // C1: 1@32x32 -> 6@28x28
  add(LayerId::C1, make_activation(s, c.activation));
  add(LayerId::S2, make_pool(s, c.pooling));                                   // S2: 6@28x28 -> 6@14x14
  if (squash_pool) add(LayerId::S2, make_activation(s, c.activation));
  add(LayerId::C3, make_conv(s, 16, 5, c.c3_table ? c3_connection_table()     // C3: 6@14x14 -> 16@10x10
                                                  : std::vector<uint8_t>{}));
  add(LayerId::C3, make_activation(s, c.activation));
  add(LayerId::S4, make_pool(s, c.pooling));                                   // S4: 16@10x10 -> 16@5x5
  if (squash_pool) add(LayerId::S4, make_activation(s, c.activation));
  b.per_sample_end = b.layers.size();
  add(LayerId::C5, make_dense(s, 120));                                        // C5: 16@5x5 -> 120
  add(LayerId::C5, make_activation(s, c.activation));
  add(LayerId::F6, make_dense(s, 84));                                         // F6: 120 -> 84
  add(LayerId::F6, make_activation(s, c.activation));
  add(LayerId::F6, make_dropout(s, c.dropout, dropout_rng));
  if (c.output == Output::rbf) add(LayerId::OUTPUT, make_rbf(s));              // OUTPUT: 84 -> 10
  else add(LayerId::OUTPUT, make_dense(s, c.classes));
  return b;
}

}  // namespace

LayerStack::LayerStack(const Config& c)
    : config_(c), dropout_rng_(static_cast<uint64_t>(c.seed) * 0x9E3779B97F4A7C15ull + 0xD1B54A32D192ED03ull) {
  Built b = build_layers(c, &dropout_rng_);
  layers_ = std::move(b.layers);
  owner_ = std::move(b.owner);
  per_sample_end_ = b.per_sample_end;
  size_t total = 0;
  for (auto& layer : layers_) total += layer->param_count();
  params_.assign(total, 0.0f);
  grads_.assign(total, 0.0f);
  size_t offset = 0;
  for (size_t i = 0; i < layers_.size(); ++i) {
    Layer& layer = *layers_[i];
    layer.bind(params_.data() + offset, grads_.data() + offset);
    offset += layer.param_count();
    for (const ParamSpan& span : layer.params()) {
      spans_.push_back(span);
      span_owner_.push_back(owner_[i]);
    }
  }
  Rng init_rng(c.seed);
  for (auto& layer : layers_) layer->init(c.init, init_rng);
  acts_.resize(layers_.size() + 1);
  dacts_.resize(layers_.size() + 1);
  // Buffers for one image now; the first batch sizes them (a network that only predicts stays small).
  ensure_capacity(1);
}

size_t LayerStack::count_params(const Config& c) {
  size_t total = 0;
  for (auto& layer : build_layers(c, nullptr).layers) total += layer->param_count();
  return total;
}

void LayerStack::copy_weights_from(const LayerStack& main) {
  std::copy(main.params_.begin(), main.params_.end(), params_.begin());
  std::copy(std::begin(main.frozen_), std::end(main.frozen_), std::begin(frozen_));
}

// Buffers grow only when a larger batch than ever before arrives; a step at a known size allocates nothing.
void LayerStack::ensure_capacity(int n) {
  if (n <= capacity_) return;
  acts_[0].assign(static_cast<size_t>(n) * 32 * 32, 0.0f);
  dacts_[0].clear();  // the input's gradient is never needed
  size_t scratch_size = 0;
  for (size_t i = 0; i < layers_.size(); ++i) {
    Layer& layer = *layers_[i];
    acts_[i + 1].assign(static_cast<size_t>(n) * layer.out.size(), 0.0f);
    dacts_[i + 1].assign(static_cast<size_t>(n) * layer.out.size(), 0.0f);
    layer.set_capacity(n);
    scratch_size = std::max(scratch_size, layer.scratch_floats(n));
  }
  scratch_.assign(scratch_size, 0.0f);
  capacity_ = n;
}

int LayerStack::chunk_for(int n) {
  const int chunk = std::max(capacity_, std::min(n, config_.batch_size));
  ensure_capacity(chunk);
  return chunk;
}

// Input placement, the one place for it: side x side pixels in [0, 1] to the configured levels, centred
// in the 32x32 field (a 28x28 image gets a 2 px border, as LeCun et al. padded MNIST).
void LayerStack::load_input(const float* images, int n, int side) {
  const int border = (32 - side) / 2;
  const float bg = config_.background, scale = config_.ink - config_.background;
  float* x = acts_[0].data();
  for (int k = 0; k < n; ++k) {
    float* dst = x + static_cast<size_t>(k) * 1024;
    std::fill(dst, dst + 1024, bg);
    const float* src = images + static_cast<size_t>(k) * side * side;
    for (int r = 0; r < side; ++r)
      for (int c = 0; c < side; ++c) dst[(r + border) * 32 + c + border] = bg + scale * src[r * side + c];
  }
}

void LayerStack::forward(const float* images, int n, int side, bool training) {
  ensure_capacity(n);
  load_input(images, n, side);
  run_forward(n, training);
}

// Floats per sample of acts_[i] and dacts_[i].
size_t LayerStack::act_size(size_t i) const {
  return i == 0 ? 1024 : static_cast<size_t>(layers_[i - 1]->out.size());
}

void LayerStack::run_forward(int n, bool training) {
  const size_t split = per_sample_end_;
  for (int start = 0; start < n; start += kSampleBlock) {
    const int count = std::min(kSampleBlock, n - start);
    for (size_t i = 0; i < split; ++i)
      layers_[i]->forward(acts_[i + 1].data() + start * act_size(i + 1), acts_[i].data() + start * act_size(i),
                          count, training, scratch_.data());
  }
  for (size_t i = split; i < layers_.size(); ++i)
    layers_[i]->forward(acts_[i + 1].data(), acts_[i].data(), n, training, scratch_.data());
  last_n_ = n;
}

LossResult LayerStack::loss_and_output_gradient(const uint8_t* labels, int n) {
  float* dy = dacts_.back().data();
  switch (config_.output) {
    case Output::softmax: return softmax_cross_entropy(dy, outputs(), labels, n, config_.classes);
    case Output::mse: return mse_one_hot(dy, outputs(), labels, n, config_.classes);
    case Output::rbf: return rbf_map_loss(dy, outputs(), labels, n, config_.classes);
  }
  return {0, 0};
}

// The lowest layer whose parameters train; nothing below it needs a gradient.
size_t LayerStack::lowest_trainable() const {
  for (size_t i = 0; i < layers_.size(); ++i)
    if (layers_[i]->param_count() > 0 && !frozen(owner_[i])) return i;
  return layers_.size();
}

void LayerStack::backward(int n) {
  std::fill(grads_.begin(), grads_.end(), 0.0f);  // zero_grad: backward only adds
  const size_t stop = lowest_trainable(), split = per_sample_end_;
  for (size_t i = layers_.size(); i-- > std::max(stop, split);) {
    float* dx = i > stop ? dacts_[i].data() : nullptr;
    layers_[i]->backward(dx, dacts_[i + 1].data(), acts_[i + 1].data(), acts_[i].data(), n, scratch_.data());
  }
  for (int start = 0; start < n && stop < split; start += kSampleBlock) {
    const int count = std::min(kSampleBlock, n - start);
    for (size_t i = split; i-- > stop;) {
      const size_t in = start * act_size(i), out = start * act_size(i + 1);
      float* dx = i > stop ? dacts_[i].data() + in : nullptr;
      layers_[i]->backward(dx, dacts_[i + 1].data() + out, acts_[i + 1].data() + out, acts_[i].data() + in, count,
                           scratch_.data());
    }
  }
  for (auto& layer : layers_) layer->mask_gradients();
}

// d log p(target) / d outputs for the one image of the last forward pass, into dacts_.back(); p is what
// probabilities() shows: softmax of the logits, softmax of minus the RBF distances, or the clipped and
// normalised MSE outputs (whose gradient is zero where an output is clipped).
void LayerStack::log_probability_gradient(int target) {
  const float* y = outputs();
  float* g = dacts_.back().data();
  const int classes = config_.classes;
  if (config_.output == Output::mse) {
    float sum = 0;
    for (int i = 0; i < classes; ++i) sum += std::clamp(y[i], 0.0f, 1.0f);
    if (sum > 0) {
      // log p_t = log clamp(y_t) - log sum_i clamp(y_i)
      for (int i = 0; i < classes; ++i) g[i] = (y[i] > 0 && y[i] < 1) ? -1.0f / sum : 0.0f;
      if (y[target] > 0 && y[target] < 1) g[target] += 1.0f / y[target];
      return;
    }
  }
  // softmax of s = y (or -y for RBF distances): d log p_t / d s_i = [i == t] - p_i. For a confident network
  // p_t is within a few float32 steps of 1, and 1 - p_t taken from a float32 p_t is mostly rounding error
  // (all of it once p_t rounds to 1); so the exponentials are kept in double and the target's term is the sum
  // of the other classes' shares, accurate however small.
  const double sign = config_.output == Output::rbf ? -1.0 : 1.0;
  double e[kMaxClasses];
  double top = sign * y[0];
  for (int i = 1; i < classes; ++i) top = std::max(top, sign * y[i]);
  double total = 0, others = 0;
  for (int i = 0; i < classes; ++i) {
    e[i] = std::exp(sign * y[i] - top);
    total += e[i];
    if (i != target) others += e[i];
  }
  for (int i = 0; i < classes; ++i) g[i] = static_cast<float>(sign * (i == target ? others : -e[i]) / total);
}

void LayerStack::input_gradient_after_forward(float* out, int side, int target) {
  log_probability_gradient(target);
  if (dacts_[0].size() < 1024) dacts_[0].assign(1024, 0.0f);  // the input's gradient: only needed here
  // Parameter gradients are off for this pass only, whatever it throws: training needs them back.
  struct NoParamGrads {
    std::vector<std::unique_ptr<Layer>>& layers;
    explicit NoParamGrads(std::vector<std::unique_ptr<Layer>>& l) : layers(l) {
      for (auto& layer : layers) layer->param_grads = false;
    }
    ~NoParamGrads() {
      for (auto& layer : layers) layer->param_grads = true;
    }
  } no_param_grads(layers_);
  for (size_t i = layers_.size(); i-- > 0;)
    layers_[i]->backward(dacts_[i].data(), dacts_[i + 1].data(), acts_[i + 1].data(), acts_[i].data(), 1,
                         scratch_.data());
  // The input is x = background + (ink - background) * image, placed with a border of (32 - side) / 2.
  const int border = (32 - side) / 2;
  const float scale = config_.ink - config_.background;
  const float* dx = dacts_[0].data();
  for (int r = 0; r < side; ++r)
    for (int c = 0; c < side; ++c) out[r * side + c] = scale * dx[(r + border) * 32 + c + border];
}

void LayerStack::probabilities(float* probs, int n) const {
  const int classes = config_.classes;
  if (config_.output == Output::mse) {
    // MSE outputs estimate the one-hot target directly: clip to [0, 1] and normalise.
    for (int k = 0; k < n; ++k) {
      const float* y = outputs() + k * classes;
      float* p = probs + k * classes;
      float sum = 0;
      for (int i = 0; i < classes; ++i) sum += (p[i] = std::clamp(y[i], 0.0f, 1.0f));
      if (sum > 0) for (int i = 0; i < classes; ++i) p[i] /= sum;
      else softmax_rows(p, y, 1, classes, false);
    }
  } else {
    softmax_rows(probs, outputs(), n, classes, config_.output == Output::rbf);
  }
}

std::pair<double, int> LayerStack::eval_range(const float* images, const uint8_t* labels, int n, int side,
                                              float* probs) {
  const size_t pixels = static_cast<size_t>(side) * side;
  double loss_sum = 0;
  int correct = 0;
  const int chunk = chunk_for(n);
  for (int start = 0; start < n; start += chunk) {
    const int count = std::min(chunk, n - start);
    forward(images + static_cast<size_t>(start) * pixels, count, side, false);
    if (labels) {
      const LossResult r = loss_and_output_gradient(labels + start, count);
      loss_sum += static_cast<double>(r.loss) * count;
      correct += r.correct;
    }
    if (probs) probabilities(probs + static_cast<size_t>(start) * config_.classes, count);
  }
  return {loss_sum, correct};
}

size_t LayerStack::layer_index(LayerId id) const {
  size_t found = layers_.size();
  for (size_t i = 0; i < layers_.size(); ++i)
    if (owner_[i] == id && !(id == LayerId::F6 && i + 1 < layers_.size() && owner_[i + 1] != id)) found = i;
  return found;
}

Layer* LayerStack::param_layer(LayerId id) const {
  for (size_t i = 0; i < layers_.size(); ++i)
    if (owner_[i] == id && layers_[i]->param_count() > 0) return layers_[i].get();
  return nullptr;
}

}  // namespace lenet
