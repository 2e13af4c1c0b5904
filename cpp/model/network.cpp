#include "model/network.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "kernels/kernels.h"
#include "layers/layers.h"
#include "layers/losses.h"
#include "model/divergence_guard.h"
#include "model/model_file.h"
#include "layers/optimizers.h"
#include "base/rng.h"
#include "model/worker_pool.h"

namespace lenet {

using AlignedFloats = std::vector<float, CacheAligned<float>>;

namespace {

const char* const kLayerNames[kLayerCount] = {"C1", "S2", "C3", "S4", "C5", "F6", "OUTPUT"};

struct Built {
  std::vector<std::unique_ptr<Layer>> layers;
  std::vector<LayerId> owner;  // the paper's layer each piece belongs to
  // Layers [0, per_sample_end) -- C1 to S4 -- treat each sample on its own and keep no per-batch state;
  // the network runs them a few samples at a time (see kSampleBlock).
  size_t per_sample_end = 0;
};

// C1's and S2's maps for a whole batch of 128 are 2.4 MB and 0.6 MB a layer: run layer by layer over the
// whole batch, every activation and pooling pass streams them through main memory. Eight samples at a time
// (C1's output 150 KB) they stay in the core's cache from one layer to the next. The layers from C5 on are
// matrix products whose weight gradients cost a pass over the weights per call, so they take the batch
// whole. The convolution kernels work sample by sample and add into dw, db in sample order either way, so
// the result is the same to the bit.
constexpr int kSampleBlock = 8;

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

size_t count_params(const Config& c) {
  size_t total = 0;
  for (auto& layer : build_layers(c, nullptr).layers) total += layer->param_count();
  return total;
}

// side: 28 or 32, whatever the network's input size (the network places them, see load_input).
void check_images(const float* images, int n, int side) {
  if (side != 28 && side != 32)
    throw Error("images must be 28x28 or 32x32, not " + std::to_string(side) + "x" + std::to_string(side));
  const int pixels = side * side;
  if (n < 1) throw Error("no images given (batch of " + std::to_string(n) + ")");
  if (!images) throw Error("images are missing");
  const size_t total = static_cast<size_t>(n) * pixels;
  if (all_finite(images, total)) return;
  for (size_t i = 0; i < total; ++i)
    if (!std::isfinite(images[i]))
      throw Error("image " + std::to_string(i / pixels) + ", pixel " + std::to_string(i % pixels) + " is " +
                  (std::isnan(images[i]) ? "NaN" : "infinite"));
}

void check_labels(const uint8_t* labels, int n, int classes) {
  if (!labels) throw Error("labels are missing");
  for (int i = 0; i < n; ++i)
    if (labels[i] >= classes)
      throw Error("label " + std::to_string(labels[i]) + " at index " + std::to_string(i) + " is out of range 0.." +
                  std::to_string(classes - 1));
}

}  // namespace

const char* to_string(LayerId id) { return kLayerNames[static_cast<int>(id)]; }

LayerId parse_layer(const std::string& name) {
  std::string upper;
  for (char ch : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  for (int i = 0; i < kLayerCount; ++i)
    if (upper == kLayerNames[i]) return static_cast<LayerId>(i);
  throw Error("unknown layer '" + name + "' (allowed: C1, S2, C3, S4, C5, F6, OUTPUT)");
}

struct Network::Impl {
  Config config;
  Rng dropout_rng;
  Built net;
  AlignedFloats params, grads;           // one flat allocation each; layers hold views into them
  std::vector<ParamSpan> spans;          // weights and biases, layer by layer
  std::vector<LayerId> span_owner;
  std::vector<AlignedFloats> acts;       // acts[0]: input [N][1][32][32]; acts[i + 1]: output of layer i
  std::vector<AlignedFloats> dacts;      // gradients of the same
  AlignedFloats scratch;
  int capacity = 0;
  int last_n = 0;  // batch size of the last forward pass (0: none yet)
  OptimizerState optimizer;
  bool frozen[kLayerCount] = {};
  int64_t steps = 0;
  std::vector<std::string> class_names;       // empty: the digits
  DivergenceGuard guard;                      // watches params, optimizer and steps (see train_batch)
  std::vector<bool> active;                   // spans the optimizer updates (not frozen), see active_spans
  // Data-parallel training (set_threads): one replica per extra thread, each with its own buffers and
  // dropout stream; their parameters are copied from this one before every step.
  std::vector<std::unique_ptr<Impl>> replicas;
  std::unique_ptr<WorkerPool> pool;
  std::vector<LossResult> part_results;
  std::vector<std::pair<double, int>> eval_results;  // eval_parts' per part, kept: prediction is a hot path

  explicit Impl(const Config& c)
      : config(c),
        dropout_rng(static_cast<uint64_t>(c.seed) * 0x9E3779B97F4A7C15ull + 0xD1B54A32D192ED03ull),
        net(build_layers(c, &dropout_rng)),
        optimizer(settings_of(c), sizes_of(net)) {
    size_t total = 0;
    for (auto& layer : net.layers) total += layer->param_count();
    params.assign(total, 0.0f);
    grads.assign(total, 0.0f);
    size_t offset = 0;
    for (size_t i = 0; i < net.layers.size(); ++i) {
      Layer& layer = *net.layers[i];
      layer.bind(params.data() + offset, grads.data() + offset);
      offset += layer.param_count();
      for (const ParamSpan& span : layer.params()) {
        spans.push_back(span);
        span_owner.push_back(net.owner[i]);
      }
    }
    Rng init_rng(c.seed);
    for (auto& layer : net.layers) layer->init(c.init, init_rng);
    guard.watch(params.data(), params.size(), &optimizer, &steps);
    acts.resize(net.layers.size() + 1);
    dacts.resize(net.layers.size() + 1);
    // Buffers for one image now; the first batch sizes them (a network that only predicts stays small).
    ensure_capacity(1);
  }

  static OptimizerSettings settings_of(const Config& c) {
    OptimizerSettings s;
    s.kind = c.optimizer;
    s.learning_rate = c.learning_rate;
    s.momentum = c.momentum;
    s.beta1 = c.beta1;
    s.beta2 = c.beta2;
    s.epsilon = c.epsilon;
    s.weight_decay = c.weight_decay;
    return s;
  }
  static std::vector<size_t> sizes_of(Built& b) {
    std::vector<size_t> sizes;
    // Parameters are not bound yet; only the sizes matter here.
    for (auto& layer : b.layers) {
      std::vector<float> p(layer->param_count()), g(layer->param_count());
      layer->bind(p.data(), g.data());
      for (const ParamSpan& span : layer->params()) sizes.push_back(span.size);
    }
    return sizes;
  }

  // Buffers grow only when a larger batch than ever before arrives; a step at a known size allocates nothing.
  void ensure_capacity(int n) {
    if (n <= capacity) return;
    acts[0].assign(static_cast<size_t>(n) * 32 * 32, 0.0f);
    dacts[0].clear();  // the input's gradient is never needed
    size_t scratch_size = 0;
    for (size_t i = 0; i < net.layers.size(); ++i) {
      Layer& layer = *net.layers[i];
      acts[i + 1].assign(static_cast<size_t>(n) * layer.out.size(), 0.0f);
      dacts[i + 1].assign(static_cast<size_t>(n) * layer.out.size(), 0.0f);
      layer.set_capacity(n);
      scratch_size = std::max(scratch_size, layer.scratch_floats(n));
    }
    scratch.assign(scratch_size, 0.0f);
    capacity = n;
  }

  // Checks a labelled batch and runs it forward (training: with dropout); nothing changes on bad input.
  void forward_batch(const float* images, const uint8_t* labels, int n, int side, bool training) {
    check_images(images, n, side);
    check_labels(labels, n, config.classes);
    forward_checked(images, n, side, training);
  }
  // The same for a batch already checked (a part of one).
  void forward_checked(const float* images, int n, int side, bool training) {
    ensure_capacity(n);
    load_input(images, n, side);
    forward(n, training);
  }

  // Evaluation and prediction go in chunks of at most a training batch (or what is already allocated).
  int chunk_for(int n) {
    const int chunk = std::max(capacity, std::min(n, config.batch_size));
    ensure_capacity(chunk);
    return chunk;
  }

  // Input placement, the one place for it: side x side pixels in [0, 1] to the configured levels, centred
  // in the 32x32 field (a 28x28 image gets a 2 px border, as LeCun et al. padded MNIST).
  void load_input(const float* images, int n, int side) {
    const int border = (32 - side) / 2;
    const float bg = config.background, scale = config.ink - config.background;
    float* x = acts[0].data();
    for (int k = 0; k < n; ++k) {
      float* dst = x + static_cast<size_t>(k) * 1024;
      std::fill(dst, dst + 1024, bg);
      const float* src = images + static_cast<size_t>(k) * side * side;
      for (int r = 0; r < side; ++r)
        for (int c = 0; c < side; ++c) dst[(r + border) * 32 + c + border] = bg + scale * src[r * side + c];
    }
  }

  // Floats per sample of acts[i] and dacts[i].
  size_t act_size(size_t i) const { return i == 0 ? 1024 : static_cast<size_t>(net.layers[i - 1]->out.size()); }

  void forward(int n, bool training) {
    const size_t split = net.per_sample_end;
    for (int start = 0; start < n; start += kSampleBlock) {
      const int count = std::min(kSampleBlock, n - start);
      for (size_t i = 0; i < split; ++i)
        net.layers[i]->forward(acts[i + 1].data() + start * act_size(i + 1), acts[i].data() + start * act_size(i),
                               count, training, scratch.data());
    }
    for (size_t i = split; i < net.layers.size(); ++i)
      net.layers[i]->forward(acts[i + 1].data(), acts[i].data(), n, training, scratch.data());
    last_n = n;
  }

  const float* outputs() const { return acts.back().data(); }

  LossResult loss_and_output_gradient(const uint8_t* labels, int n) {
    float* dy = dacts.back().data();
    switch (config.output) {
      case Output::softmax: return softmax_cross_entropy(dy, outputs(), labels, n, config.classes);
      case Output::mse: return mse_one_hot(dy, outputs(), labels, n, config.classes);
      case Output::rbf: return rbf_map_loss(dy, outputs(), labels, n, config.classes);
    }
    return {0, 0};
  }

  // The lowest layer whose parameters train; nothing below it needs a gradient.
  size_t lowest_trainable() const {
    for (size_t i = 0; i < net.layers.size(); ++i)
      if (net.layers[i]->param_count() > 0 && !frozen[static_cast<int>(net.owner[i])]) return i;
    return net.layers.size();
  }

  void backward(int n) {
    std::fill(grads.begin(), grads.end(), 0.0f);  // zero_grad: backward only adds
    const size_t stop = lowest_trainable(), split = net.per_sample_end;
    for (size_t i = net.layers.size(); i-- > std::max(stop, split);) {
      float* dx = i > stop ? dacts[i].data() : nullptr;
      net.layers[i]->backward(dx, dacts[i + 1].data(), acts[i + 1].data(), acts[i].data(), n, scratch.data());
    }
    for (int start = 0; start < n && stop < split; start += kSampleBlock) {
      const int count = std::min(kSampleBlock, n - start);
      for (size_t i = split; i-- > stop;) {
        const size_t in = start * act_size(i), out = start * act_size(i + 1);
        float* dx = i > stop ? dacts[i].data() + in : nullptr;
        net.layers[i]->backward(dx, dacts[i + 1].data() + out, acts[i + 1].data() + out, acts[i].data() + in, count,
                                scratch.data());
      }
    }
    for (auto& layer : net.layers) layer->mask_gradients();
  }

  // d log p(target) / d outputs for the one image of the last forward pass, into dacts.back(); p is what
  // probabilities() shows: softmax of the logits, softmax of minus the RBF distances, or the clipped and
  // normalised MSE outputs (whose gradient is zero where an output is clipped).
  void log_probability_gradient(int target) {
    const float* y = outputs();
    float* g = dacts.back().data();
    float p[kMaxClasses];
    probabilities(p, 1);
    const int classes = config.classes;
    if (config.output == Output::mse) {
      float sum = 0;
      for (int i = 0; i < classes; ++i) sum += std::clamp(y[i], 0.0f, 1.0f);
      if (sum > 0) {
        // log p_t = log clamp(y_t) - log sum_i clamp(y_i)
        for (int i = 0; i < classes; ++i) g[i] = (y[i] > 0 && y[i] < 1) ? -1.0f / sum : 0.0f;
        if (y[target] > 0 && y[target] < 1) g[target] += 1.0f / y[target];
        return;
      }
    }
    // softmax of s = y (or -y for RBF distances): d log p_t / d s_i = [i == t] - p_i
    const float sign = config.output == Output::rbf ? -1.0f : 1.0f;
    for (int i = 0; i < classes; ++i) g[i] = sign * ((i == target ? 1.0f : 0.0f) - p[i]);
  }

  // The backward pass of the last (single-image) forward pass down to the input, without parameter
  // gradients; out: side x side, the gradient with respect to the image's [0, 1] values.
  void input_gradient_after_forward(float* out, int side, int target) {
    log_probability_gradient(target);
    if (dacts[0].size() < 1024) dacts[0].assign(1024, 0.0f);  // the input's gradient: only needed here
    struct NoParamGrads {
      Built& b;
      explicit NoParamGrads(Built& built) : b(built) {
        for (auto& layer : b.layers) layer->param_grads = false;
      }
      ~NoParamGrads() {
        for (auto& layer : b.layers) layer->param_grads = true;
      }
    } no_param_grads(net);
    for (size_t i = net.layers.size(); i-- > 0;)
      net.layers[i]->backward(dacts[i].data(), dacts[i + 1].data(), acts[i + 1].data(), acts[i].data(), 1,
                              scratch.data());
    // The input is x = background + (ink - background) * image, placed with a border of (32 - side) / 2.
    const int border = (32 - side) / 2;
    const float scale = config.ink - config.background;
    const float* dx = dacts[0].data();
    for (int r = 0; r < side; ++r)
      for (int c = 0; c < side; ++c) out[r * side + c] = scale * dx[(r + border) * 32 + c + border];
  }

  void probabilities(float* probs, int n) const {
    const int classes = config.classes;
    if (config.output == Output::mse) {
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
      softmax_rows(probs, outputs(), n, classes, config.output == Output::rbf);
    }
  }

  // How many parts a batch of n splits into: one per thread, but at least a sample block each.
  int parts_for(int n) const {
    return std::max(1, std::min(static_cast<int>(replicas.size()) + 1, n / kSampleBlock));
  }

  // A batch of n split into parts_for(n) contiguous parts: whole sample blocks where possible, the
  // remainder on the last part.
  struct Split {
    int n, parts, per;
    int start(int k) const { return std::min(n, k * per); }
    int count(int k) const { return k + 1 == parts ? n - start(k) : std::min(per, n - start(k)); }
  };
  Split split_of(int n) const {
    const int parts = parts_for(n);
    return {n, parts, std::max(kSampleBlock, (n / parts) / kSampleBlock * kSampleBlock)};
  }

  // Runs f(worker, part) on every part at once, part 0 on this thread and this network; the replicas
  // first get this network's parameters and frozen flags. One part runs here alone, without the pool.
  template <typename F>
  void on_parts(const Split& sp, F&& f) {
    if (sp.parts == 1) {
      f(*this, 0);
      return;
    }
    for (int k = 1; k < sp.parts; ++k) {
      Impl& r = *replicas[static_cast<size_t>(k - 1)];
      std::copy(params.begin(), params.end(), r.params.begin());
      std::copy(std::begin(frozen), std::end(frozen), std::begin(r.frozen));
    }
    auto part = [&](int k) {
      if (k < sp.parts) f(k == 0 ? *this : *replicas[static_cast<size_t>(k - 1)], k);
    };
    // A job that captures one reference fits inside std::function itself: no allocation per step.
    pool->run([&part](int k) { part(k); });
  }

  // Forward, loss and backward of a checked batch, split over the threads; leaves the mean gradient over
  // the whole batch in grads and returns the whole batch's mean loss and correct count.
  LossResult loss_and_gradients(const float* images, const uint8_t* labels, int n, int side) {
    const Split sp = split_of(n);
    const size_t pixels = static_cast<size_t>(side) * side;
    part_results.resize(static_cast<size_t>(sp.parts));
    on_parts(sp, [&](Impl& w, int k) {
      const int start = sp.start(k), count = sp.count(k);
      w.forward_checked(images + static_cast<size_t>(start) * pixels, count, side, true);
      part_results[static_cast<size_t>(k)] = w.loss_and_output_gradient(labels + start, count);
      w.backward(count);
    });
    if (sp.parts == 1) return part_results[0];
    // Each part's gradient is a mean over its part: weight by part size for the mean over the batch.
    double loss = 0;
    int correct = 0;
    for (int k = 0; k < sp.parts; ++k) {
      loss += static_cast<double>(part_results[static_cast<size_t>(k)].loss) * sp.count(k);
      correct += part_results[static_cast<size_t>(k)].correct;
    }
    const float own = static_cast<float>(sp.count(0)) / static_cast<float>(n);
    for (float& g : grads) g *= own;
    for (int k = 1; k < sp.parts; ++k) {
      const float share = static_cast<float>(sp.count(k)) / static_cast<float>(n);
      const float* rg = replicas[static_cast<size_t>(k - 1)]->grads.data();
      for (size_t i = 0; i < grads.size(); ++i) grads[i] += share * rg[i];
    }
    LossResult r{};
    r.loss = static_cast<float>(loss / n);
    r.correct = correct;
    return r;
  }

  // Eval-mode forward of n checked images on this network alone, in chunks of at most a training batch
  // (so evaluation never needs more memory than training). probs, if given, receives the probabilities;
  // with labels, returns the chunks' losses summed by size and the correct count, else {0, 0}.
  std::pair<double, int> eval_range(const float* images, const uint8_t* labels, int n, int side, float* probs) {
    const size_t pixels = static_cast<size_t>(side) * side;
    double loss_sum = 0;
    int correct = 0;
    const int chunk = chunk_for(n);
    for (int start = 0; start < n; start += chunk) {
      const int count = std::min(chunk, n - start);
      load_input(images + static_cast<size_t>(start) * pixels, count, side);
      forward(count, false);
      if (labels) {
        const LossResult r = loss_and_output_gradient(labels + start, count);
        loss_sum += static_cast<double>(r.loss) * count;
        correct += r.correct;
      }
      if (probs) probabilities(probs + static_cast<size_t>(start) * config.classes, count);
    }
    return {loss_sum, correct};
  }

  // eval_range over the threads: each takes a part of the images (the same weights, eval mode: the same
  // results as on one thread). Returns the summed loss and the correct count.
  std::pair<double, int> eval_parts(const float* images, const uint8_t* labels, int n, int side, float* probs) {
    const Split sp = split_of(n);
    eval_results.resize(static_cast<size_t>(sp.parts));  // allocates once
    const size_t pixels = static_cast<size_t>(side) * side;
    on_parts(sp, [&](Impl& w, int k) {
      const int start = sp.start(k);
      eval_results[static_cast<size_t>(k)] =
          w.eval_range(images + static_cast<size_t>(start) * pixels, labels ? labels + start : nullptr, sp.count(k), side,
                       probs ? probs + static_cast<size_t>(start) * config.classes : nullptr);
    });
    std::pair<double, int> total{0.0, 0};
    for (const auto& [loss, correct] : eval_results) {
      total.first += loss;
      total.second += correct;
    }
    // Keep "the last forward image" the first of the batch for feature_map().
    if (sp.count(0) > chunk_for(sp.count(0))) {
      load_input(images, 1, side);
      forward(1, false);
    }
    return total;
  }

  const std::vector<bool>& active_spans() {
    active.resize(spans.size());  // allocates once
    for (size_t k = 0; k < spans.size(); ++k) active[k] = !frozen[static_cast<int>(span_owner[k])];
    return active;
  }

  size_t layer_index(LayerId id) const {
    // The paper's layer's output is that of its last piece, dropout excepted (it is not a feature).
    size_t found = net.layers.size();
    for (size_t i = 0; i < net.layers.size(); ++i)
      if (net.owner[i] == id && !(id == LayerId::F6 && i + 1 < net.layers.size() && net.owner[i + 1] != id))
        found = i;
    return found;
  }
};

Network::Network(const Config& config) {
  validate(config);
  impl_ = std::make_unique<Impl>(config);
}
Network::~Network() = default;
Network::Network(Network&&) noexcept = default;
Network& Network::operator=(Network&&) noexcept = default;

const Config& Network::config() const { return impl_->config; }

TrainStats Network::train_batch(const float* images, const uint8_t* labels, int n, int side) {
  Impl& m = *impl_;
  side = side ? side : input_size();
  check_images(images, n, side);
  check_labels(labels, n, config().classes);
  const LossResult r = m.loss_and_gradients(images, labels, n, side);
  auto diverged = [&](const std::string& why) {
    const int64_t failed = m.steps + 1;
    const int64_t back = m.guard.restore();
    char rate[32];
    std::snprintf(rate, sizeof rate, "%g", static_cast<double>(m.optimizer.settings().learning_rate));
    throw DivergenceError("training diverged at step " + std::to_string(failed) + ": " + why + " (learning rate " + rate +
                          "); the weights and optimizer state are back to the last good step (" +
                          (back == 0 ? std::string("the starting state") : "the state after step " + std::to_string(back)) +
                          "). Try a smaller learning rate.");
  };
  if (std::string why = m.guard.before_step(r.loss, m.grads.data()); !why.empty()) diverged(why);
  m.optimizer.step(m.spans, m.active_spans());
  if (std::string why = m.guard.after_step(); !why.empty()) diverged(why);
  ++m.steps;
  return {r.loss, r.correct, n};
}

EvalStats Network::evaluate(const float* images, const uint8_t* labels, int n, float* probs, int side) {
  Impl& m = *impl_;
  side = side ? side : input_size();
  check_images(images, n, side);
  check_labels(labels, n, config().classes);
  const auto [loss_sum, correct] = m.eval_parts(images, labels, n, side, probs);
  EvalStats stats;
  stats.correct = correct;
  stats.count = n;
  stats.loss = static_cast<float>(loss_sum / n);
  stats.accuracy = static_cast<float>(correct) / static_cast<float>(n);
  return stats;
}

void Network::predict(float* probs, const float* images, int n, int side) {
  Impl& m = *impl_;
  side = side ? side : input_size();
  check_images(images, n, side);
  if (!probs) throw Error("no output buffer for the probabilities");
  m.eval_parts(images, nullptr, n, side, probs);
}

Tensor Network::feature_map(LayerId id) const {
  const Impl& m = *impl_;
  Tensor t;
  if (m.last_n == 0) return t;
  const size_t i = m.layer_index(id);
  const Shape3 s = m.net.layers[i]->out;
  if (s.h == 1 && s.w == 1) t.shape = {s.c};
  else t.shape = {s.c, s.h, s.w};
  t.data.assign(m.acts[i + 1].begin(), m.acts[i + 1].begin() + s.size());
  return t;
}

namespace {
// The layer of `id` that holds its parameters, or nullptr.
Layer* param_layer(const Built& net, LayerId id) {
  for (size_t i = 0; i < net.layers.size(); ++i)
    if (net.owner[i] == id && net.layers[i]->param_count() > 0) return net.layers[i].get();
  return nullptr;
}
}  // namespace

Tensor Network::weights(LayerId id) const {
  const Impl& m = *impl_;
  Tensor t;
  if (id == LayerId::OUTPUT && m.config.output == Output::rbf) {
    t.shape = {10, 84};
    t.data = rbf_prototypes();
    return t;
  }
  Layer* layer = param_layer(m.net, id);
  if (!layer) return t;
  const ParamSpan w = layer->params()[0];
  t.data.assign(w.param, w.param + w.size);
  if (id == LayerId::C1 || id == LayerId::C3) t.shape = {layer->out.c, layer->in.c, 5, 5};
  else if (id == LayerId::S2 || id == LayerId::S4) t.shape = {layer->out.c};
  else t.shape = {layer->out.c, layer->in.size()};
  return t;
}

Tensor Network::biases(LayerId id) const {
  const Impl& m = *impl_;
  Tensor t;
  Layer* layer = param_layer(m.net, id);
  if (!layer) return t;
  const ParamSpan b = layer->params()[1];
  t.data.assign(b.param, b.param + b.size);
  t.shape = {static_cast<int>(b.size)};
  return t;
}

void Network::set_frozen(LayerId id, bool frozen) { impl_->frozen[static_cast<int>(id)] = frozen; }
bool Network::frozen(LayerId id) const { return impl_->frozen[static_cast<int>(id)]; }

void Network::set_learning_rate(float lr) {
  Config c = impl_->config;
  c.learning_rate = lr;
  validate(c);
  impl_->config.learning_rate = lr;
  impl_->optimizer.settings().learning_rate = lr;
}

int64_t Network::steps() const { return impl_->steps; }

std::vector<uint8_t> Network::save(bool float16) const {
  const Impl& m = *impl_;
  ModelContents contents;
  contents.config = m.config;
  contents.class_names = m.class_names;
  contents.float16 = float16;
  for (int i = 0; i < kLayerCount; ++i)
    if (m.frozen[i]) contents.frozen |= 1u << i;
  contents.steps = static_cast<uint64_t>(m.steps);
  contents.params.assign(m.params.begin(), m.params.end());
  return encode_model(contents);
}

int Network::max_threads() {
  if (!kThreadsAvailable) return 1;
#ifdef LENET_MAX_THREADS
  // The threaded WebAssembly build: its fixed worker pool plus this thread, and no more than the browser's
  // cores, since the page asks for this many to train as fast as it can.
  const unsigned cores = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp(cores, 1u, static_cast<unsigned>(LENET_MAX_THREADS)));
#else
  // Natively 8 whatever the cores: threads beyond the cores take turns (the same results, no faster), so
  // the threaded path runs, and is tested, on a one-core machine too.
  return 8;
#endif
}

int Network::threads() const { return static_cast<int>(impl_->replicas.size()) + 1; }

void Network::set_threads(int threads) {
  Impl& m = *impl_;
  if (threads < 1 || threads > max_threads()) {
    throw Error("threads " + std::to_string(threads) + " is outside 1.." + std::to_string(max_threads()) +
                (kThreadsAvailable ? ""
                                   : " (this WebAssembly build has no threads: the threaded build needs a "
                                     "cross-origin isolated page)"));
  }
  if (threads == this->threads()) return;
  // The old threads go first (their slots may be needed: the threaded WebAssembly build has a fixed pool).
  m.pool.reset();
  m.replicas.clear();
  if (threads == 1) return;
  std::vector<std::unique_ptr<Impl>> replicas;
  for (int k = 1; k < threads; ++k) {
    Config c = m.config;
    c.seed = c.seed * 2654435761u + static_cast<uint32_t>(k) * 40503u;
    replicas.push_back(std::make_unique<Impl>(c));
  }
  try {
    m.pool = std::make_unique<WorkerPool>(threads - 1);
  } catch (const std::exception& e) {
    // One thread again, and it says why (in WebAssembly: the module's thread pool is in use elsewhere).
    throw Error("could not start " + std::to_string(threads - 1) + " training thread(s): " + e.what() +
                "; training stays on 1 thread");
  }
  m.replicas = std::move(replicas);
}

namespace {
// With the paper's C3 table, the weights of the connections it leaves out are zero when a network is made and
// stay zero in training (their gradients are masked), so a file with any other value there was not written
// by this engine; masking them would silently change what the file's network computes.
void check_c3_table(const Config& c, const std::vector<float>& params, const std::vector<ParamSpan>& spans,
                    const std::vector<LayerId>& owner, const float* base) {
  if (!c.c3_table) return;
  size_t k = 0;
  while (owner[k] != LayerId::C3) ++k;  // C3's first span is its weights [16][6][5][5]
  const size_t offset = static_cast<size_t>(spans[k].param - base);
  const std::vector<uint8_t>& table = c3_connection_table();  // [C3 map][S2 map]
  constexpr int kMaps = 16, kInputs = 6, kTaps = 25;
  for (int map = 0; map < kMaps; ++map)
    for (int input = 0; input < kInputs; ++input) {
      if (table[static_cast<size_t>(map * kInputs + input)]) continue;
      for (int tap = 0; tap < kTaps; ++tap) {
        const size_t i = offset + static_cast<size_t>((map * kInputs + input) * kTaps + tap);
        if (params[i] != 0.0f) {
          char value[32];
          std::snprintf(value, sizeof value, "%g", static_cast<double>(params[i]));
          throw Error("model file: parameter " + std::to_string(i) + " (C3 map " + std::to_string(map) +
                      ", from S2 map " + std::to_string(input) + ") is " + value +
                      ", but the C3 connection table leaves that connection out, so its weights must be 0");
        }
      }
    }
}
}  // namespace

Network Network::load(const uint8_t* data, size_t size) {
  ModelContents contents = decode_model(data, size, count_params);
  Network net(contents.config);
  check_c3_table(contents.config, contents.params, net.impl_->spans, net.impl_->span_owner,
                 net.impl_->params.data());
  std::copy(contents.params.begin(), contents.params.end(), net.impl_->params.begin());
  for (int i = 0; i < kLayerCount; ++i) net.impl_->frozen[i] = (contents.frozen >> i) & 1u;
  net.impl_->steps = static_cast<int64_t>(contents.steps);
  net.impl_->class_names = std::move(contents.class_names);
  return net;
}

std::vector<std::string> Network::class_names() const {
  if (!impl_->class_names.empty()) return impl_->class_names;
  std::vector<std::string> digits;
  for (int i = 0; i < classes(); ++i) digits.push_back(std::to_string(i));
  return digits;
}

void Network::set_class_names(const std::vector<std::string>& names) {
  check_class_names(names, classes());
  impl_->class_names = names;
}

Network Network::with_classes(const std::vector<std::string>& names, bool freeze_features, uint32_t seed) const {
  const Impl& m = *impl_;
  if (m.config.output == Output::rbf)
    throw Error("the RBF output's fixed codes are the ten digits, so this network cannot learn new classes; "
                "start from a softmax network (modern or classic)");
  if (names.size() < 2 || names.size() > static_cast<size_t>(kMaxClasses))
    throw Error("new classes: " + std::to_string(names.size()) + " names given, 2.." + std::to_string(kMaxClasses) +
                " needed");
  Config c = m.config;
  c.classes = static_cast<int>(names.size());
  c.seed = seed;
  Network derived(c);
  derived.set_class_names(names);
  // Every parameter up to the output layer's has the same place in both (the layers are the same up to F6).
  Impl& d = *derived.impl_;
  for (size_t k = 0; k < m.spans.size(); ++k) {
    if (m.span_owner[k] == LayerId::OUTPUT) continue;
    std::copy(m.spans[k].param, m.spans[k].param + m.spans[k].size, d.spans[k].param);
  }
  for (LayerId id : {LayerId::C1, LayerId::S2, LayerId::C3, LayerId::S4, LayerId::C5, LayerId::F6})
    derived.set_frozen(id, freeze_features);
  return derived;
}

namespace {
void check_target(int target, int classes) {
  if (target < 0 || target >= classes)
    throw Error("class " + std::to_string(target) + " is out of range 0.." + std::to_string(classes - 1));
}
}  // namespace

void Network::input_gradient(float* out, const float* image, int target, int side, int out_side) {
  Impl& m = *impl_;
  side = side ? side : input_size();
  out_side = out_side ? out_side : side;
  check_images(image, 1, side);
  if (out_side != 28 && out_side != 32) throw Error("the gradient's side must be 28 or 32");
  check_target(target, config().classes);
  if (!out) throw Error("no output buffer for the gradient");
  m.ensure_capacity(1);
  m.load_input(image, 1, side);
  m.forward(1, false);
  m.input_gradient_after_forward(out, out_side, target);
}

AdversarialResult Network::adversarial(const float* image, int target, int max_steps, float step_size, int side) {
  Impl& m = *impl_;
  side = side ? side : input_size();
  check_images(image, 1, side);
  check_target(target, config().classes);
  if (max_steps < 1 || max_steps > 10000) throw Error("maxSteps must be 1..10000");
  if (!std::isfinite(step_size) || step_size <= 0 || step_size > 1) throw Error("stepSize must be in (0, 1]");
  const size_t pixels = static_cast<size_t>(side) * side;
  AdversarialResult r;
  r.image.assign(image, image + pixels);
  r.probabilities.resize(static_cast<size_t>(config().classes));
  std::vector<float> g(pixels);
  m.ensure_capacity(1);
  for (r.steps = 0;; ++r.steps) {
    m.load_input(r.image.data(), 1, side);
    m.forward(1, false);
    m.probabilities(r.probabilities.data(), 1);
    const auto best = std::max_element(r.probabilities.begin(), r.probabilities.end()) - r.probabilities.begin();
    r.success = best == target;
    if (r.success || r.steps == max_steps) break;
    // Ascend log p(target): a step along the gradient scaled so that no pixel moves by more than step_size,
    // kept in [0, 1]. Stopping at the first success keeps the image as close to the original as the
    // step size allows.
    m.input_gradient_after_forward(g.data(), side, target);
    float largest = 0;
    for (float v : g) largest = std::max(largest, std::fabs(v));
    if (!(largest > 0) || !std::isfinite(largest)) break;  // a flat (or broken) gradient: no way up from here
    const float k = step_size / largest;
    for (size_t i = 0; i < pixels; ++i) r.image[i] = std::clamp(r.image[i] + k * g[i], 0.0f, 1.0f);
  }
  return r;
}

std::vector<ParamSpan> Network::parameters() { return impl_->spans; }
size_t Network::parameter_count() const { return impl_->params.size(); }

float Network::loss_and_gradients(const float* images, const uint8_t* labels, int n, int side) {
  side = side ? side : input_size();
  check_images(images, n, side);
  check_labels(labels, n, config().classes);
  return impl_->loss_and_gradients(images, labels, n, side).loss;
}

float Network::loss(const float* images, const uint8_t* labels, int n, int side) {
  Impl& m = *impl_;
  m.forward_batch(images, labels, n, side ? side : input_size(), false);
  return m.loss_and_output_gradient(labels, n).loss;
}

}  // namespace lenet
