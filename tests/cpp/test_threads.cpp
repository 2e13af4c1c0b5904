// Data-parallel training (Network::set_threads): the step equals the one-thread step up to rounding, runs
// are reproducible, and errors, divergence and frozen layers behave as with one thread.
// Natively these run whatever the cores (set_threads takes up to 8 threads on one core too). The default
// WebAssembly build has no threads: there they are skipped, visibly (doctest counts them as skipped and the
// limits case says so), and the threaded WebAssembly build runs the same checks in Chromium
// (tests/browser/threads.test.mjs).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "model/network.h"
#include "model/worker_pool.h"
#include "samples.h"

using namespace lenet;

namespace {

std::vector<float> all_params(Network& net) {
  std::vector<float> out;
  for (const ParamSpan& s : net.parameters()) out.insert(out.end(), s.param, s.param + s.size);
  return out;
}

}  // namespace

TEST_CASE("threads: limits and clear errors") {
  Network net(preset("modern"));
  CHECK(net.threads() == 1);
  CHECK_THROWS_AS(net.set_threads(0), Error);
  CHECK_THROWS_AS(net.set_threads(Network::max_threads() + 1), Error);
  CHECK(net.threads() == 1);
  if (kThreadsAvailable) {
    // Whatever the cores: a one-core machine runs the threaded path too (its threads take turns).
    CHECK(Network::max_threads() == 8);
    net.set_threads(Network::max_threads());
    CHECK(net.threads() == 8);
    CHECK_THROWS_WITH_AS(net.set_threads(9), "threads 9 is outside 1..8", Error);
    CHECK(net.threads() == 8);
  } else {
    CHECK(Network::max_threads() == 1);
    CHECK_THROWS_WITH_AS(net.set_threads(2),
                         doctest::Contains("this WebAssembly build has no threads"), Error);
    MESSAGE("SKIP: the threaded test cases (this build has no threads; the threaded WebAssembly build runs "
            "them in Chromium: tests/browser/threads.test.mjs)");
  }
}

TEST_CASE("threads: a split batch takes the one-thread step (no dropout), for every preset and odd sizes"
          * doctest::skip(!kThreadsAvailable)) {
  struct Case {
    const char* name;
    int n, threads;
  };
  // Even and uneven parts (37 on 3 threads: 8, 8 and 21 images), and all 8 threads (8 parts of 16).
  const Case cases[] = {{"modern", 128, 2},    {"modern", 37, 2},  {"modern", 16, 2},    {"modern", 37, 3},
                        {"modern", 128, 8},    {"classic", 128, 2}, {"classic", 37, 3},   {"classic", 16, 2},
                        {"lecun1998", 128, 2}, {"lecun1998", 37, 3}, {"lecun1998", 16, 2}};
  for (const Case& k : cases) {
    Config c = preset(k.name);
    c.dropout = 0.0f;
    Network one(c), many(c);
    many.set_threads(k.threads);
    CHECK(many.threads() == k.threads);
    const Samples b = mnist_samples(k.n, one.input_size(), 100);
    for (int step = 0; step < 3; ++step) {
      const TrainStats a = one.train_batch(b.images.data(), b.labels.data(), b.n);
      const TrainStats t = many.train_batch(b.images.data(), b.labels.data(), b.n);
      CHECK(t.correct == a.correct);
      CHECK(t.loss == doctest::Approx(a.loss).epsilon(1e-4));
    }
    const std::vector<float> p1 = all_params(one), p2 = all_params(many);
    REQUIRE(p1.size() == p2.size());
    double worst = 0;
    for (size_t i = 0; i < p1.size(); ++i) worst = std::max(worst, std::fabs(static_cast<double>(p1[i]) - p2[i]));
    MESSAGE(std::string(k.name) << " n=" << k.n << " on " << k.threads
                                << " threads: largest weight difference after 3 steps " << worst);
    // Adam moves each weight by up to the learning rate per step: rounding-level differences stay far below.
    CHECK(worst < 1e-4);
  }
}

TEST_CASE("threads: runs repeat exactly with the same seed, dropout included"
          * doctest::skip(!kThreadsAvailable)) {
  const Samples b = mnist_samples(64, 28, 0);
  std::vector<float> runs[3];
  for (int r = 0; r < 3; ++r) {
    Network net(preset("modern"));
    net.set_threads(r < 2 ? 2 : 1);
    for (int step = 0; step < 4; ++step) net.train_batch(b.images.data(), b.labels.data(), b.n);
    runs[r] = all_params(net);
  }
  CHECK(runs[0] == runs[1]);
  // Each part draws its dropout from its own stream, so a split step is another step than the one-thread
  // one: proof that the batch was split (a split silently skipped would pass every comparison above).
  CHECK(runs[0] != runs[2]);
}

TEST_CASE("threads: bad input, divergence and frozen layers behave as with one thread"
          * doctest::skip(!kThreadsAvailable)) {
  Config c = preset("modern");
  c.learning_rate = 100.0f;
  Network net(c);
  net.set_threads(2);
  Samples b = mnist_samples(64, 28, 200);
  // A NaN in the second part is refused before any part runs.
  std::vector<float> bad = b.images;
  bad[static_cast<size_t>(50) * 784 + 3] = std::nanf("");
  const std::vector<uint8_t> before = net.save();
  CHECK_THROWS_WITH_AS(net.train_batch(bad.data(), b.labels.data(), b.n), "image 50, pixel 3 is NaN", Error);
  CHECK(net.save() == before);
  bool diverged = false;
  std::vector<uint8_t> last_good;
  for (int step = 0; step < 50 && !diverged; ++step) {
    last_good = net.save();
    try {
      net.train_batch(b.images.data(), b.labels.data(), b.n);
    } catch (const DivergenceError& e) {
      diverged = true;
      CHECK(std::string(e.what()).find("training diverged at step") == 0);
    }
  }
  CHECK(diverged);
  CHECK(net.save() == last_good);

  Network frozen(preset("modern"));
  frozen.set_threads(2);
  frozen.set_frozen(LayerId::C1, true);
  const Tensor c1 = frozen.weights(LayerId::C1), f6 = frozen.weights(LayerId::F6);
  frozen.train_batch(b.images.data(), b.labels.data(), b.n);
  CHECK(frozen.weights(LayerId::C1).data == c1.data);
  CHECK(frozen.weights(LayerId::F6).data != f6.data);
  // Back to one thread: still trains.
  frozen.set_threads(1);
  CHECK(frozen.threads() == 1);
  frozen.train_batch(b.images.data(), b.labels.data(), b.n);
}

TEST_CASE("threads: evaluation and prediction split over threads give the one-thread results"
          * doctest::skip(!kThreadsAvailable)) {
  for (const char* name : {"modern", "classic"}) {
    Network one(preset(name)), two(preset(name));
    two.set_threads(2);
    for (int n : {1000, 37, 5}) {
      const Samples s = mnist_samples(n, one.input_size(), 300);
      std::vector<float> p1(static_cast<size_t>(n) * 10), p2(p1.size(), -1.0f);
      const EvalStats e1 = one.evaluate(s.images.data(), s.labels.data(), n, p1.data());
      const EvalStats e2 = two.evaluate(s.images.data(), s.labels.data(), n, p2.data());
      CHECK(e2.correct == e1.correct);
      CHECK(e2.count == n);
      CHECK(e2.loss == doctest::Approx(e1.loss).epsilon(1e-5));
      double worst = 0;
      for (size_t i = 0; i < p1.size(); ++i) worst = std::max(worst, std::fabs(static_cast<double>(p1[i]) - p2[i]));
      CHECK(worst < 1e-6);
      std::fill(p2.begin(), p2.end(), -1.0f);
      two.predict(p2.data(), s.images.data(), n);
      worst = 0;
      for (size_t i = 0; i < p1.size(); ++i) worst = std::max(worst, std::fabs(static_cast<double>(p1[i]) - p2[i]));
      CHECK_MESSAGE(worst < 1e-6, std::string(name) << " n=" << n << ": probabilities differ by " << worst);
      // The feature maps are those of the first image, as with one thread.
      one.predict(p1.data(), s.images.data(), n);
      CHECK(two.feature_map(LayerId::C1).data == one.feature_map(LayerId::C1).data);
    }
  }
}
