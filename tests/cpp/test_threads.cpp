// Data-parallel training (Network::set_threads): the step equals the one-thread step up to rounding, runs
// are reproducible, and errors, divergence and frozen layers behave as with one thread.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "model/network.h"
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
  CHECK(Network::max_threads() >= 1);
  CHECK_THROWS_AS(net.set_threads(0), Error);
  CHECK_THROWS_AS(net.set_threads(Network::max_threads() + 1), Error);
  CHECK(net.threads() == 1);
}

TEST_CASE("threads: a split batch takes the one-thread step (no dropout), for every preset and odd sizes") {
  if (Network::max_threads() < 2) return;  // one core: nothing to compare (the build still has threads)
  for (const char* name : {"modern", "classic", "lecun1998"}) {
    for (int n : {128, 37, 16}) {
      Config c = preset(name);
      c.dropout = 0.0f;
      Network one(c), two(c);
      two.set_threads(2);
      CHECK(two.threads() == 2);
      const Samples b = mnist_samples(n, one.input_size(), 100);
      for (int step = 0; step < 3; ++step) {
        const TrainStats a = one.train_batch(b.images.data(), b.labels.data(), b.n);
        const TrainStats t = two.train_batch(b.images.data(), b.labels.data(), b.n);
        CHECK(t.correct == a.correct);
        CHECK(t.loss == doctest::Approx(a.loss).epsilon(1e-4));
      }
      const std::vector<float> p1 = all_params(one), p2 = all_params(two);
      REQUIRE(p1.size() == p2.size());
      double worst = 0;
      for (size_t i = 0; i < p1.size(); ++i) worst = std::max(worst, std::fabs(static_cast<double>(p1[i]) - p2[i]));
      MESSAGE(std::string(name) << " n=" << n << ": largest weight difference after 3 steps " << worst);
      // Adam moves each weight by up to the learning rate per step: rounding-level differences stay far below.
      CHECK(worst < 1e-4);
    }
  }
}

TEST_CASE("threads: runs repeat exactly with the same seed, dropout included") {
  if (Network::max_threads() < 2) return;
  const Samples b = mnist_samples(64, 28, 0);
  std::vector<float> runs[2];
  for (auto& params : runs) {
    Network net(preset("modern"));
    net.set_threads(2);
    for (int step = 0; step < 4; ++step) net.train_batch(b.images.data(), b.labels.data(), b.n);
    params = all_params(net);
  }
  CHECK(runs[0] == runs[1]);
}

TEST_CASE("threads: bad input, divergence and frozen layers behave as with one thread") {
  if (Network::max_threads() < 2) return;
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

TEST_CASE("threads: evaluation and prediction split over threads give the one-thread results") {
  if (Network::max_threads() < 2) return;
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
