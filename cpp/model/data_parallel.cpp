#include "model/data_parallel.h"

#include <algorithm>
#include <string>
#include <thread>

namespace lenet {

int DataParallel::max_threads() {
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

void DataParallel::set_threads(int threads, const Config& config) {
  if (threads < 1 || threads > max_threads()) {
    throw Error("threads " + std::to_string(threads) + " is outside 1.." + std::to_string(max_threads()) +
                (kThreadsAvailable ? ""
                                   : " (this WebAssembly build has no threads: the threaded build needs a "
                                     "cross-origin isolated page)"));
  }
  if (threads == this->threads()) return;
  // The old threads go first (their slots may be needed: the threaded WebAssembly build has a fixed pool).
  pool_.reset();
  replicas_.clear();
  if (threads == 1) return;
  std::vector<std::unique_ptr<LayerStack>> replicas;
  for (int k = 1; k < threads; ++k) {
    // Each replica its own dropout stream; its weights are the main stack's, copied in at every step.
    Config c = config;
    c.seed = c.seed * 2654435761u + static_cast<uint32_t>(k) * 40503u;
    replicas.push_back(std::make_unique<LayerStack>(c));
  }
  try {
    pool_ = std::make_unique<WorkerPool>(threads - 1);
  } catch (const std::exception& e) {
    // One thread again, and it says why (in WebAssembly: the module's thread pool is in use elsewhere).
    throw Error("could not start " + std::to_string(threads - 1) + " training thread(s): " + e.what() +
                "; training stays on 1 thread");
  }
  replicas_ = std::move(replicas);
}

// One part per thread, but at least a sample block each.
DataParallel::Split DataParallel::split_of(int n) const {
  const int parts = std::max(1, std::min(threads(), n / kSampleBlock));
  return {n, parts, std::max(kSampleBlock, (n / parts) / kSampleBlock * kSampleBlock)};
}

// Runs f(stack, part) on every part at once, part 0 on this thread and the main stack; the replicas first
// get the main stack's parameters and frozen flags. One part runs here alone, without the pool.
template <typename F>
void DataParallel::on_parts(LayerStack& main, const Split& sp, F&& f) {
  if (sp.parts == 1) {
    f(main, 0);
    return;
  }
  for (int k = 1; k < sp.parts; ++k) replicas_[static_cast<size_t>(k - 1)]->copy_weights_from(main);
  auto part = [&](int k) {
    if (k < sp.parts) f(k == 0 ? main : *replicas_[static_cast<size_t>(k - 1)], k);
  };
  // A job that captures one reference fits inside std::function itself: no allocation per step.
  pool_->run([&part](int k) { part(k); });
}

LossResult DataParallel::loss_and_gradients(LayerStack& main, const float* images, const uint8_t* labels, int n,
                                            int side) {
  const Split sp = split_of(n);
  const size_t pixels = static_cast<size_t>(side) * side;
  part_results_.resize(static_cast<size_t>(sp.parts));
  on_parts(main, sp, [&](LayerStack& w, int k) {
    const int start = sp.start(k), count = sp.count(k);
    w.forward(images + static_cast<size_t>(start) * pixels, count, side, true);
    part_results_[static_cast<size_t>(k)] = w.loss_and_output_gradient(labels + start, count);
    w.backward(count);
  });
  if (sp.parts == 1) return part_results_[0];
  // Each part's gradient is a mean over its part: weight by part size for the mean over the batch.
  double loss = 0;
  int correct = 0;
  for (int k = 0; k < sp.parts; ++k) {
    loss += static_cast<double>(part_results_[static_cast<size_t>(k)].loss) * sp.count(k);
    correct += part_results_[static_cast<size_t>(k)].correct;
  }
  AlignedFloats& grads = main.grads();
  const float own = static_cast<float>(sp.count(0)) / static_cast<float>(n);
  for (float& g : grads) g *= own;
  for (int k = 1; k < sp.parts; ++k) {
    const float share = static_cast<float>(sp.count(k)) / static_cast<float>(n);
    const float* rg = replicas_[static_cast<size_t>(k - 1)]->grads().data();
    for (size_t i = 0; i < grads.size(); ++i) grads[i] += share * rg[i];
  }
  LossResult r{};
  r.loss = static_cast<float>(loss / n);
  r.correct = correct;
  return r;
}

std::pair<double, int> DataParallel::eval_parts(LayerStack& main, const float* images, const uint8_t* labels, int n,
                                                int side, float* probs) {
  const Split sp = split_of(n);
  eval_results_.resize(static_cast<size_t>(sp.parts));  // allocates once
  const size_t pixels = static_cast<size_t>(side) * side;
  const int classes = main.config().classes;
  on_parts(main, sp, [&](LayerStack& w, int k) {
    const int start = sp.start(k);
    eval_results_[static_cast<size_t>(k)] =
        w.eval_range(images + static_cast<size_t>(start) * pixels, labels ? labels + start : nullptr, sp.count(k), side,
                     probs ? probs + static_cast<size_t>(start) * classes : nullptr);
  });
  std::pair<double, int> total{0.0, 0};
  for (const auto& [loss, correct] : eval_results_) {
    total.first += loss;
    total.second += correct;
  }
  // Part 0 in several chunks left its last chunk in main: run the first image again for feature_map().
  if (sp.count(0) > main.chunk_for(sp.count(0))) main.forward(images, 1, side, false);
  return total;
}

}  // namespace lenet
