#include "model/session.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <string>

#include "data/preprocess.h"

namespace lenet {

namespace {

// Held-out images go through the network this many at a time (as floats): the whole set would cost four
// times its bytes in memory, which in the browser is wasm memory that never shrinks.
constexpr int kEvalChunk = 1024;

// value / 255, as the binding and the tool scale bytes (a multiplication by 1/255 rounds differently).
void to_floats(float* out, const uint8_t* bytes, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = bytes[i] / 255.0f;
}

void check_set(const Dataset& d, const char* what, int classes) {
  if (d.count == 0) return;
  if (d.side != 28 && d.side != 32)
    throw Error(std::string(what) + ": images must be 28x28 or 32x32, not " + std::to_string(d.side) + "x" +
                std::to_string(d.side));
  if (d.images.size() != static_cast<size_t>(d.count) * d.side * d.side || d.labels.size() != static_cast<size_t>(d.count))
    throw Error(std::string(what) + ": the images and labels do not hold " + std::to_string(d.count) + " samples");
  for (int i = 0; i < d.count; ++i)
    if (d.labels[static_cast<size_t>(i)] >= classes)
      throw Error(std::string(what) + ": label " + std::to_string(d.labels[static_cast<size_t>(i)]) + " of sample " +
                  std::to_string(i) + " is out of range 0.." + std::to_string(classes - 1));
}

}  // namespace

TrainingSession::TrainingSession(Network& net, const Dataset& train, const Dataset& held_out,
                                 const SessionOptions& options)
    : net_(net),
      train_(train),
      held_out_(held_out),
      options_(options),
      n_train_(options.train_limit > 0 ? std::min(options.train_limit, train.count) : train.count),
      n_held_out_(options.held_out_limit > 0 ? std::min(options.held_out_limit, held_out.count) : held_out.count),
      // A resumed network does not replay the first epochs' order: its steps are mixed into the seed.
      rng_((static_cast<uint64_t>(options.seed) ^ 0x5EEDull) + static_cast<uint64_t>(net.steps()) * 0x9E3779B97F4A7C15ull),
      base_rate_(net.config().learning_rate),
      batch_size_(net.config().batch_size) {
  if (options.epochs < 1 || options.epochs > 100000) throw Error("epochs must be 1..100000");
  if (!(options.decay > 0.0f && options.decay <= 1.0f)) throw Error("the learning-rate decay must be in (0, 1]");
  if (options.evals_per_epoch < 0 || options.evals_per_epoch > 1000) throw Error("evaluations per epoch must be 0..1000");
  if (options.eval_limit < 0 || options.train_limit < 0 || options.held_out_limit < 0)
    throw Error("the evaluation, training and held-out limits must be >= 0");
  if (options.warmup < 0 || options.warmup > 1000000) throw Error("warmup must be 0..1000000 steps");
  if (options.augment) check_augment_ranges(options.augmentation);
  check_set(train, "training set", net.classes());
  check_set(held_out, "held-out set", net.classes());
  if (n_train_ < 1) throw Error("the training set is empty");
  if (options.drop_last && n_train_ < batch_size_)
    throw Error("the training set has " + std::to_string(n_train_) + " samples, less than one batch (" +
                std::to_string(batch_size_) + ")");
  batch_size_ = std::min(batch_size_, n_train_);
  const size_t pixels = static_cast<size_t>(train.side) * train.side;
  order_.resize(static_cast<size_t>(n_train_));
  std::iota(order_.begin(), order_.end(), 0);
  batch_.resize(static_cast<size_t>(batch_size_) * pixels);
  sample_.resize(pixels);
  labels_.resize(static_cast<size_t>(batch_size_));
  start_epoch();
}

void TrainingSession::start_epoch() {
  position_ = 0;
  // Fisher-Yates with the seeded generator: the same seed gives the same order on every machine.
  if (options_.shuffle)
    for (int i = n_train_ - 1; i > 0; --i) std::swap(order_[i], order_[rng_.below(static_cast<uint32_t>(i + 1))]);
  next_eval_ = options_.evals_per_epoch > 0 && n_held_out_ > 0
                   ? (n_train_ + options_.evals_per_epoch) / (options_.evals_per_epoch + 1)
                   : n_train_ + 1;
}

float TrainingSession::scheduled_rate() const {
  const double per_epoch = n_train_;
  const double fraction = ((epoch_ - 1) * per_epoch + position_) / (options_.epochs * per_epoch);
  // Warm-up: four stacked sigmoids (classic) can saturate in their first steps at a rate they later train
  // well at, and then sit at chance for the whole run.
  const double warm = steps_ < options_.warmup ? static_cast<double>(steps_ + 1) / options_.warmup : 1.0;
  switch (options_.schedule) {
    case ScheduleKind::constant: return static_cast<float>(base_rate_ * warm);
    case ScheduleKind::linear: return static_cast<float>(base_rate_ * warm * (1.0 - 0.9 * fraction));
    case ScheduleKind::epoch: return static_cast<float>(base_rate_ * warm * std::pow(options_.decay, epoch_ - 1));
  }
  return base_rate_;
}

void TrainingSession::set_base_rate(float rate) {
  if (!std::isfinite(rate) || rate <= 0) throw Error("learningRate must be a finite number > 0");
  base_rate_ = rate;
}

SessionReport TrainingSession::run(int max_steps) {
  if (max_steps < 1) throw Error("run() needs at least one step");
  if (finished()) throw Error("the training session has finished");
  SessionReport r;
  const size_t pixels = static_cast<size_t>(train_.side) * train_.side;
  double loss_sum = 0;
  for (int trained = 0; !finished() && trained < max_steps;) {
    const int left = n_train_ - position_;
    const int count = std::min(batch_size_, left);
    if (options_.drop_last && count < batch_size_) {  // the epoch's rest is too small: it ends here
      position_ = n_train_;
    } else {
      for (int k = 0; k < count; ++k) {
        const int idx = order_[static_cast<size_t>(position_ + k)];
        const uint8_t* src = train_.images.data() + static_cast<size_t>(idx) * pixels;
        float* dst = batch_.data() + static_cast<size_t>(k) * pixels;
        if (options_.augment) {
          to_floats(sample_.data(), src, pixels);
          const AugmentRanges& g = options_.augmentation;
          augment_image(dst, sample_.data(), train_.side, rng_, g.shift, g.degrees, g.scale, g.stroke);
        } else {
          to_floats(dst, src, pixels);
        }
        labels_[static_cast<size_t>(k)] = train_.labels[static_cast<size_t>(idx)];
      }
      net_.set_learning_rate(scheduled_rate());
      // On DivergenceError nothing below runs: the position stays, and the next run() retries this batch
      // (with a new draw of augmentation) at whatever rate set_base_rate() gave.
      const TrainStats s = net_.train_batch(batch_.data(), labels_.data(), count, train_.side);
      position_ += count;
      ++steps_;
      ++trained;
      loss_sum += static_cast<double>(s.loss) * count;
      r.correct += s.correct;
      r.samples += count;
    }
    if (position_ >= n_train_) {
      r.epoch_end = true;
      r.epoch = epoch_;
      r.done = n_train_;
      if (n_held_out_ > 0) {
        const auto t0 = std::chrono::steady_clock::now();
        r.held_out = evaluate(0, &predicted_);
        r.eval_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        r.evaluated = r.full = true;
        r.predicted = &predicted_;
      }
      ++epoch_;
      if (!finished()) start_epoch();
      break;
    }
    if (position_ >= next_eval_) {
      next_eval_ += (n_train_ + options_.evals_per_epoch) / (options_.evals_per_epoch + 1);
      const auto t0 = std::chrono::steady_clock::now();
      r.held_out = evaluate(options_.eval_limit);
      r.eval_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      r.evaluated = true;
      r.full = options_.eval_limit == 0 || options_.eval_limit >= n_held_out_;
      break;
    }
  }
  if (!r.epoch_end) {
    r.epoch = std::min(epoch_, options_.epochs);
    r.done = position_;
  }
  r.steps = steps_;
  r.per_epoch = n_train_;
  r.fraction = std::min(1.0, ((r.epoch - 1) * static_cast<double>(n_train_) + r.done) /
                                 (static_cast<double>(options_.epochs) * n_train_));
  r.loss = r.samples ? static_cast<float>(loss_sum / r.samples) : 0.0f;
  r.finished = finished();
  r.learning_rate = net_.config().learning_rate;
  return r;
}

EvalStats TrainingSession::evaluate(int limit, std::vector<uint8_t>* predicted) {
  EvalStats total;
  const int n = limit > 0 ? std::min(limit, n_held_out_) : n_held_out_;
  if (n == 0) return total;
  const int side = held_out_.side, classes = net_.classes();
  const size_t pixels = static_cast<size_t>(side) * side;
  eval_chunk_.resize(std::min(n, kEvalChunk) * pixels);
  eval_probs_.resize(static_cast<size_t>(std::min(n, kEvalChunk)) * classes);
  if (predicted) predicted->resize(static_cast<size_t>(n));
  double loss_sum = 0;
  for (int start = 0; start < n; start += kEvalChunk) {
    const int count = std::min(kEvalChunk, n - start);
    to_floats(eval_chunk_.data(), held_out_.images.data() + start * pixels, count * pixels);
    const EvalStats s = net_.evaluate(eval_chunk_.data(), held_out_.labels.data() + start, count,
                                      predicted ? eval_probs_.data() : nullptr, side);
    loss_sum += static_cast<double>(s.loss) * count;
    total.correct += s.correct;
    if (predicted)
      for (int k = 0; k < count; ++k) {
        const float* p = eval_probs_.data() + static_cast<size_t>(k) * classes;
        (*predicted)[static_cast<size_t>(start + k)] = static_cast<uint8_t>(std::max_element(p, p + classes) - p);
      }
  }
  total.count = n;
  total.loss = static_cast<float>(loss_sum / n);
  total.accuracy = static_cast<float>(total.correct) / static_cast<float>(n);
  return total;
}

}  // namespace lenet
