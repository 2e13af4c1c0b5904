#include "model/network.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "layers/layers.h"
#include "layers/optimizers.h"
#include "model/data_parallel.h"
#include "model/divergence_guard.h"
#include "model/layer_stack.h"
#include "model/model_file.h"

namespace lenet {

namespace {

const char* const kLayerNames[kLayerCount] = {"C1", "S2", "C3", "S4", "C5", "F6", "OUTPUT"};

// side: 28 or 32, whatever the network's input size (the network places them, see LayerStack::load_input).
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

// A labelled batch is checked whole before anything runs, so bad input changes nothing.
void check_batch(const float* images, const uint8_t* labels, int n, int side, int classes) {
  check_images(images, n, side);
  check_labels(labels, n, classes);
}

OptimizerSettings settings_of(const Config& c) {
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

std::vector<size_t> sizes_of(const std::vector<ParamSpan>& spans) {
  std::vector<size_t> sizes;
  for (const ParamSpan& span : spans) sizes.push_back(span.size);
  return sizes;
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

// The network: one layer stack that the optimizer updates, the data-parallel replicas that help it compute
// gradients, and what a training run adds (the step count, the guard that can take steps back).
struct Network::Impl {
  LayerStack stack;
  DataParallel parallel;
  OptimizerState optimizer;
  DivergenceGuard guard;  // watches the stack's params, the optimizer and steps (see train_batch)
  int64_t steps = 0;
  std::vector<std::string> class_names;  // empty: the digits
  std::vector<bool> active;              // spans the optimizer updates (not frozen), see active_spans

  explicit Impl(const Config& c) : stack(c), optimizer(settings_of(c), sizes_of(stack.spans())) {
    guard.watch(stack.params().data(), stack.params().size(), &optimizer, &steps);
  }

  const std::vector<bool>& active_spans() {
    const std::vector<LayerId>& owner = stack.span_owner();
    active.resize(owner.size());  // allocates once
    for (size_t k = 0; k < owner.size(); ++k) active[k] = !stack.frozen(owner[k]);
    return active;
  }

  // Puts the last sane state back (the guard's snapshot) and throws what failed, where training stands now
  // and what to try.
  [[noreturn]] void diverged(const std::string& why) {
    const int64_t failed = steps + 1;
    const int64_t back = guard.restore();
    char rate[32];
    std::snprintf(rate, sizeof rate, "%g", static_cast<double>(optimizer.settings().learning_rate));
    throw DivergenceError("training diverged at step " + std::to_string(failed) + ": " + why + " (learning rate " + rate +
                          "); the weights and optimizer state are back to the last good step (" +
                          (back == 0 ? std::string("the starting state") : "the state after step " + std::to_string(back)) +
                          "). Try a smaller learning rate.");
  }
};

Network::Network(const Config& config) {
  validate(config);
  impl_ = std::make_unique<Impl>(config);
}
Network::~Network() = default;
Network::Network(Network&&) noexcept = default;
Network& Network::operator=(Network&&) noexcept = default;

const Config& Network::config() const { return impl_->stack.config(); }

TrainStats Network::train_batch(const float* images, const uint8_t* labels, int n, int side) {
  Impl& m = *impl_;
  side = side ? side : input_size();
  check_batch(images, labels, n, side, classes());
  const LossResult r = m.parallel.loss_and_gradients(m.stack, images, labels, n, side);
  if (std::string why = m.guard.before_step(r.loss, m.stack.grads().data()); !why.empty()) m.diverged(why);
  m.optimizer.step(m.stack.spans(), m.active_spans());
  if (std::string why = m.guard.after_step(); !why.empty()) m.diverged(why);
  ++m.steps;
  return {r.loss, r.correct, n};
}

EvalStats Network::evaluate(const float* images, const uint8_t* labels, int n, float* probs, int side) {
  Impl& m = *impl_;
  side = side ? side : input_size();
  check_batch(images, labels, n, side, classes());
  const auto [loss_sum, correct] = m.parallel.eval_parts(m.stack, images, labels, n, side, probs);
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
  m.parallel.eval_parts(m.stack, images, nullptr, n, side, probs);
}

Tensor Network::feature_map(LayerId id) const {
  const LayerStack& stack = impl_->stack;
  Tensor t;
  if (stack.last_n() == 0) return t;
  const size_t i = stack.layer_index(id);
  const Shape3 s = stack.layer(i).out;
  if (s.h == 1 && s.w == 1) t.shape = {s.c};
  else t.shape = {s.c, s.h, s.w};
  t.data.assign(stack.output_of(i), stack.output_of(i) + s.size());
  return t;
}

Tensor Network::weights(LayerId id) const {
  Tensor t;
  if (id == LayerId::OUTPUT && config().output == Output::rbf) {
    t.shape = {10, 84};
    t.data = rbf_prototypes();
    return t;
  }
  Layer* layer = impl_->stack.param_layer(id);
  if (!layer) return t;
  const ParamSpan w = layer->params()[0];
  t.data.assign(w.param, w.param + w.size);
  if (id == LayerId::C1 || id == LayerId::C3) t.shape = {layer->out.c, layer->in.c, 5, 5};
  else if (id == LayerId::S2 || id == LayerId::S4) t.shape = {layer->out.c};
  else t.shape = {layer->out.c, layer->in.size()};
  return t;
}

Tensor Network::biases(LayerId id) const {
  Tensor t;
  Layer* layer = impl_->stack.param_layer(id);
  if (!layer) return t;
  const ParamSpan b = layer->params()[1];
  t.data.assign(b.param, b.param + b.size);
  t.shape = {static_cast<int>(b.size)};
  return t;
}

void Network::set_frozen(LayerId id, bool frozen) { impl_->stack.set_frozen(id, frozen); }
bool Network::frozen(LayerId id) const { return impl_->stack.frozen(id); }

void Network::set_learning_rate(float lr) {
  Config c = config();
  c.learning_rate = lr;
  validate(c);
  impl_->stack.set_learning_rate(lr);
  impl_->optimizer.settings().learning_rate = lr;
}

int64_t Network::steps() const { return impl_->steps; }

std::vector<uint8_t> Network::save(bool float16) const {
  const Impl& m = *impl_;
  ModelContents contents;
  contents.config = m.stack.config();
  contents.class_names = m.class_names;
  contents.float16 = float16;
  for (int i = 0; i < kLayerCount; ++i)
    if (m.stack.frozen(static_cast<LayerId>(i))) contents.frozen |= 1u << i;
  contents.steps = static_cast<uint64_t>(m.steps);
  contents.params.assign(m.stack.params().begin(), m.stack.params().end());
  return encode_model(contents);
}

int Network::max_threads() { return DataParallel::max_threads(); }
int Network::threads() const { return impl_->parallel.threads(); }
void Network::set_threads(int threads) { impl_->parallel.set_threads(threads, config()); }

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
  ModelContents contents = decode_model(data, size, LayerStack::count_params);
  Network net(contents.config);
  LayerStack& stack = net.impl_->stack;
  check_c3_table(contents.config, contents.params, stack.spans(), stack.span_owner(), stack.params().data());
  std::copy(contents.params.begin(), contents.params.end(), stack.params().begin());
  for (int i = 0; i < kLayerCount; ++i) stack.set_frozen(static_cast<LayerId>(i), (contents.frozen >> i) & 1u);
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
  if (config().output == Output::rbf)
    throw Error("the RBF output's fixed codes are the ten digits, so this network cannot learn new classes; "
                "start from a softmax network (modern or classic)");
  if (names.size() < 2 || names.size() > static_cast<size_t>(kMaxClasses))
    throw Error("new classes: " + std::to_string(names.size()) + " names given, 2.." + std::to_string(kMaxClasses) +
                " needed");
  Config c = config();
  c.classes = static_cast<int>(names.size());
  c.seed = seed;
  Network derived(c);
  derived.set_class_names(names);
  // Every parameter up to the output layer's has the same place in both (the layers are the same up to F6).
  const std::vector<ParamSpan>& from = impl_->stack.spans();
  const std::vector<ParamSpan>& to = derived.impl_->stack.spans();
  for (size_t k = 0; k < from.size(); ++k) {
    if (impl_->stack.span_owner()[k] == LayerId::OUTPUT) continue;
    std::copy(from[k].param, from[k].param + from[k].size, to[k].param);
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
  LayerStack& stack = impl_->stack;
  side = side ? side : input_size();
  out_side = out_side ? out_side : side;
  check_images(image, 1, side);
  if (out_side != 28 && out_side != 32) throw Error("the gradient's side must be 28 or 32");
  check_target(target, config().classes);
  if (!out) throw Error("no output buffer for the gradient");
  stack.forward(image, 1, side, false);
  stack.input_gradient_after_forward(out, out_side, target);
}

AdversarialResult Network::adversarial(const float* image, int target, int max_steps, float step_size, int side) {
  LayerStack& stack = impl_->stack;
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
  for (r.steps = 0;; ++r.steps) {
    stack.forward(r.image.data(), 1, side, false);
    stack.probabilities(r.probabilities.data(), 1);
    const auto best = std::max_element(r.probabilities.begin(), r.probabilities.end()) - r.probabilities.begin();
    r.success = best == target;
    if (r.success || r.steps == max_steps) break;
    // Ascend log p(target): a step along the gradient scaled so that no pixel moves by more than step_size,
    // kept in [0, 1]. Stopping at the first success keeps the image as close to the original as the
    // step size allows.
    stack.input_gradient_after_forward(g.data(), side, target);
    float largest = 0;
    for (float v : g) largest = std::max(largest, std::fabs(v));
    if (!(largest > 0) || !std::isfinite(largest)) break;  // a flat (or broken) gradient: no way up from here
    const float k = step_size / largest;
    for (size_t i = 0; i < pixels; ++i) r.image[i] = std::clamp(r.image[i] + k * g[i], 0.0f, 1.0f);
  }
  return r;
}

std::vector<ParamSpan> Network::parameters() { return impl_->stack.spans(); }
size_t Network::parameter_count() const { return impl_->stack.params().size(); }

float Network::loss_and_gradients(const float* images, const uint8_t* labels, int n, int side) {
  side = side ? side : input_size();
  check_batch(images, labels, n, side, classes());
  return impl_->parallel.loss_and_gradients(impl_->stack, images, labels, n, side).loss;
}

float Network::loss(const float* images, const uint8_t* labels, int n, int side) {
  LayerStack& stack = impl_->stack;
  side = side ? side : input_size();
  check_batch(images, labels, n, side, classes());
  stack.forward(images, n, side, false);
  return stack.loss_and_output_gradient(labels, n).loss;
}

}  // namespace lenet
