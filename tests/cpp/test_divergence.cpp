// Divergence recovers: whichever check stops a run whose learning rate is too large, the network is back at a
// state whose held-out loss is at most 1.5 times the loss it had before the run, and it trains on at a 100 times
// smaller rate. Runs start from a fresh network, or after a warm-up at a sane rate (so the state to come back to
// is a trained one, not the start). Held-out images are MNIST test images 0..199; training batches come from
// images 1000 on.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "model/network.h"
#include "samples.h"

using namespace lenet;

// Every allocation of the test program, counted, so a test can show a training step makes none. The
// replacements only count and forward to malloc and aligned_alloc.
namespace {
std::atomic<long> g_allocations{0};
void* counted_alloc(std::size_t n, std::size_t align) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  const std::size_t size = n == 0 ? align : (n + align - 1) / align * align;
  void* p = align <= alignof(std::max_align_t) ? std::malloc(size) : std::aligned_alloc(align, size);
  if (!p) throw std::bad_alloc();
  return p;
}
}  // namespace

void* operator new(std::size_t n) { return counted_alloc(n, 1); }
void* operator new[](std::size_t n) { return counted_alloc(n, 1); }
void* operator new(std::size_t n, std::align_val_t a) { return counted_alloc(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted_alloc(n, static_cast<std::size_t>(a)); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace {

constexpr int kBatch = 16;       // on two threads, two parts of a sample block each
constexpr int kBatches = 12;     // distinct training batches, used in turn
constexpr int kMaxSteps = 40;    // every rate below diverges well within this
constexpr int kLaterSteps = 30;  // at the 100 times smaller rate, after the error
constexpr int kWarmSteps = 20;
constexpr int kHeldOut = 200;
constexpr double kBound = 1.5;

struct Data {
  Samples train, held;
};

const Data& data(int side) {
  static const Data d28{mnist_samples(kBatch * kBatches, 28, 1000), mnist_samples(kHeldOut, 28, 0)};
  static const Data d32{mnist_samples(kBatch * kBatches, 32, 1000), mnist_samples(kHeldOut, 32, 0)};
  return side == 32 ? d32 : d28;
}

const float* batch_images(const Data& d, int side, int k) {
  return d.train.images.data() + static_cast<size_t>(k % kBatches) * kBatch * side * side;
}
const uint8_t* batch_labels(const Data& d, int k) { return d.train.labels.data() + (k % kBatches) * kBatch; }

struct Outcome {
  int diverged_at = 0;     // the step that failed (1-based), 0: none within kMaxSteps
  int64_t back_to = -1;    // the restored state's step count, counted from the start of the run (warm-up: < 0)
  double ratio = 0;        // held-out loss after the error / before the run
  int later_failures = 0;  // DivergenceErrors in the kLaterSteps at the smaller rate
  std::string message;
  int64_t start = 0;       // steps() when the run proper began
};

// warm_rate > 0: kWarmSteps at that rate first; the run proper starts after them.
Outcome run(const Config& c, int threads, float warm_rate) {
  Network net(c);
  if (threads > 1) net.set_threads(threads);
  const int side = net.input_size();
  const Data& d = data(side);
  Outcome o;
  if (warm_rate > 0) {
    net.set_learning_rate(warm_rate);
    for (int step = 0; step < kWarmSteps; ++step)
      net.train_batch(batch_images(d, side, step + 7), batch_labels(d, step + 7), kBatch);
    net.set_learning_rate(c.learning_rate);
  }
  const int64_t start = net.steps();
  o.start = start;
  const float before = net.evaluate(d.held.images.data(), d.held.labels.data(), d.held.n).loss;
  for (int step = 0; step < kMaxSteps && !o.diverged_at; ++step) {
    try {
      net.train_batch(batch_images(d, side, step), batch_labels(d, step), kBatch);
    } catch (const DivergenceError& e) {
      o.diverged_at = step + 1;
      o.message = e.what();
    }
  }
  if (!o.diverged_at) return o;
  o.back_to = net.steps() - start;
  o.ratio = net.evaluate(d.held.images.data(), d.held.labels.data(), d.held.n).loss / before;
  net.set_learning_rate(c.learning_rate / 100);
  for (int step = 0; step < kLaterSteps; ++step) {
    try {
      net.train_batch(batch_images(d, side, step + 5), batch_labels(d, step + 5), kBatch);
    } catch (const DivergenceError&) {
      ++o.later_failures;
    }
  }
  return o;
}

struct Case {
  const char* preset;
  Optimizer optimizer;
  float warm_rate;           // a rate that trains
  std::vector<float> rates;  // each too large for this preset and optimizer, a hundredth of each not
};

// Chosen from measured runs at batch 16: each rung diverges with margin, from the start and after the warm-up,
// some at once and some after a few steps, and a hundredth of it trains.
const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {"modern", Optimizer::sgd, 0.1f, {3, 10, 30}},
      {"modern", Optimizer::momentum, 0.01f, {3, 10, 30}},
      {"modern", Optimizer::adam, 0.003f, {1, 3, 10}},
      {"classic", Optimizer::sgd, 0.3f, {20, 30, 100}},
      {"classic", Optimizer::momentum, 0.03f, {10, 20, 30}},
      {"classic", Optimizer::adam, 0.01f, {1, 3, 10}},
      {"lecun1998", Optimizer::sgd, 0.01f, {1, 2, 5}},
      {"lecun1998", Optimizer::momentum, 0.001f, {0.1f, 0.3f, 0.7f}},
      {"lecun1998", Optimizer::adam, 0.003f, {0.3f, 1, 3}},
  };
  return all;
}

// One case per preset, each with another optimizer, for the tests that need not repeat the whole grid.
bool in_sample(const Case& k, Optimizer modern, Optimizer classic, Optimizer lecun1998) {
  const std::string p = k.preset;
  return k.optimizer == (p == "modern" ? modern : p == "classic" ? classic : lecun1998);
}

// Runs every case on `threads` threads and checks the property. all: each rung of the ladder once, the
// middle one after the warm-up and the others from the start; else the middle rung from the start only, for
// modern with Adam and the others with momentum. Returns {runs, runs that came back to a state other than
// their start}.
std::pair<int, int> check_all(int threads, bool all) {
  int counted = 0, past_start = 0;
  for (const Case& k : cases()) {
    if (!all && !in_sample(k, Optimizer::adam, Optimizer::momentum, Optimizer::momentum)) continue;
    double worst = 0;
    for (size_t r = 0; r < k.rates.size(); ++r) {
      for (float warm : {0.0f, k.warm_rate}) {
        if (all ? (warm > 0) != (r == 1) : (warm > 0 || r != 1)) continue;
        Config c = preset(k.preset);
        c.optimizer = k.optimizer;
        c.learning_rate = k.rates[r];
        const Outcome o = run(c, threads, warm);
        const std::string what = std::string(k.preset) + " " + to_string(k.optimizer) + " at learning rate " +
                                 std::to_string(k.rates[r]) + (warm > 0 ? " after a warm-up" : "") + " on " +
                                 std::to_string(threads) + " thread(s): " + o.message;
        INFO(what);
        CHECK_MESSAGE(o.diverged_at > 0, "no DivergenceError within " << kMaxSteps << " steps");
        if (!o.diverged_at) continue;
        ++counted;
        if (o.back_to != 0) ++past_start;
        CHECK(o.message.find("training diverged at step " + std::to_string(o.start + o.diverged_at) + ": ") == 0);
        CHECK(o.back_to < o.diverged_at);
        CHECK(o.back_to >= (warm > 0 ? -kWarmSteps : 0));
        CHECK(o.ratio <= kBound);
        CHECK(o.later_failures == 0);
        worst = std::max(worst, o.ratio);
      }
    }
    const std::string summary = std::string(k.preset) + " " + to_string(k.optimizer) + " on " +
                                std::to_string(threads) + " thread(s): held-out loss after the error at most x" +
                                std::to_string(worst) + " the loss before the run";
    MESSAGE(summary);
  }
  return {counted, past_start};
}

}  // namespace

TEST_CASE("divergence: every preset and optimizer comes back to a sane state and trains on at a smaller rate") {
  const auto [counted, past_start] = check_all(1, true);
  CHECK(counted == 27);
  // Some runs must come back to a state other than the run's start, or only the trivial restore was tested.
  CHECK(past_start >= 3);
}

// Skipped, and counted as skipped in doctest's summary, in the WebAssembly build without threads; the native
// suite always has 8 pool threads (on one core they take turns).
TEST_CASE("divergence: data-parallel training recovers the same way" * doctest::skip(Network::max_threads() < 2)) {
  const auto [counted, past_start] = check_all(2, false);
  CHECK(counted == 3);
  CHECK(past_start >= 1);
}

TEST_CASE("divergence: the restored state is exactly an earlier step's, optimizer state included") {
  // Without dropout a run is a pure function of its batches and rates: a twin that takes the same steps up to
  // the restored one must then take the same next step, bit for bit, which it does only if the optimizer's
  // moments, momentum and step count came back with the weights. The warm-up makes that state non-trivial.
  for (const Case& k : cases()) {
    if (!in_sample(k, Optimizer::momentum, Optimizer::adam, Optimizer::adam)) continue;
    Config c = preset(k.preset);
    c.optimizer = k.optimizer;
    c.dropout = 0;
    Network net(c);
    const int side = net.input_size();
    const Data& d = data(side);
    std::vector<std::pair<float, int>> steps;  // (rate, batch) of every step tried
    for (int step = 0; step < kWarmSteps; ++step) steps.emplace_back(k.warm_rate, step + 7);
    for (int step = 0; step < kMaxSteps; ++step) steps.emplace_back(k.rates[0], step);
    size_t failed = 0;
    for (size_t i = 0; i < steps.size() && !failed; ++i) {
      net.set_learning_rate(steps[i].first);
      try {
        net.train_batch(batch_images(d, side, steps[i].second), batch_labels(d, steps[i].second), kBatch);
      } catch (const DivergenceError&) {
        failed = i + 1;
      }
    }
    const std::string what = std::string(k.preset) + " " + to_string(k.optimizer);
    INFO(what);
    REQUIRE(failed > static_cast<size_t>(kWarmSteps));
    const int64_t back = net.steps();
    CHECK(back >= 1);
    Network twin(c);
    for (int64_t i = 0; i < back; ++i) {
      twin.set_learning_rate(steps[static_cast<size_t>(i)].first);
      twin.train_batch(batch_images(d, side, steps[static_cast<size_t>(i)].second),
                       batch_labels(d, steps[static_cast<size_t>(i)].second), kBatch);
    }
    for (Network* n : {&net, &twin}) n->set_learning_rate(k.warm_rate);
    CHECK(twin.save() == net.save());
    for (Network* n : {&net, &twin}) n->train_batch(batch_images(d, side, 3), batch_labels(d, 3), kBatch);
    CHECK(twin.save() == net.save());
  }
}

TEST_CASE("divergence: training steps allocate nothing once running, snapshots and restores included") {
  for (const Case& k : cases()) {
    // Every optimizer state, and every preset's layers.
    if (!in_sample(k, Optimizer::sgd, Optimizer::momentum, Optimizer::adam)) continue;
    for (int threads : {1, 2}) {
      if (threads > Network::max_threads()) continue;
      Config c = preset(k.preset);
      c.optimizer = k.optimizer;
      c.learning_rate = k.warm_rate;
      Network net(c);
      net.set_threads(threads);
      const int side = net.input_size();
      const Data& d = data(side);
      net.train_batch(batch_images(d, side, 0), batch_labels(d, 0), kBatch);  // sizes the buffers and the snapshot
      const long before = g_allocations.load();
      for (int step = 1; step < 12; ++step) net.train_batch(batch_images(d, side, step), batch_labels(d, step), kBatch);
      const long during = g_allocations.load() - before;
      // A divergence allocates its message; the steps after the restore allocate nothing again.
      net.set_learning_rate(k.rates.back());
      bool diverged = false;
      for (int step = 0; step < kMaxSteps && !diverged; ++step) {
        try {
          net.train_batch(batch_images(d, side, step), batch_labels(d, step), kBatch);
        } catch (const DivergenceError&) {
          diverged = true;
        }
      }
      net.set_learning_rate(k.warm_rate);
      const long restored = g_allocations.load();
      for (int step = 0; step < 5; ++step) net.train_batch(batch_images(d, side, step), batch_labels(d, step), kBatch);
      const long after = g_allocations.load() - restored;
      const std::string what = std::string(k.preset) + " " + to_string(k.optimizer) + " on " + std::to_string(threads) +
                               " thread(s)";
      INFO(what);
      CHECK(diverged);
      CHECK(during == 0);
      CHECK(after == 0);
    }
  }
}
