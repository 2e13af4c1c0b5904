// The training session: the one training loop (the native tool, the page's worker and the lesson element
// all use it). Its order, batching, schedules, evaluations and divergence behaviour.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "model/session.h"

using namespace lenet;

namespace {

// MNIST's own images as a Dataset (bytes at 28x28), from the train or test file.
Dataset mnist_subset(const char* prefix, int count, int offset = 0) {
  static const Dataset train = load_dataset(default_mnist_dir(), "train");
  static const Dataset test = load_dataset(default_mnist_dir(), "t10k");
  const Dataset& all = std::string(prefix) == "train" ? train : test;
  Dataset d;
  d.count = count;
  d.side = 28;
  d.images.assign(all.images.begin() + static_cast<long>(offset) * 784,
                  all.images.begin() + static_cast<long>(offset + count) * 784);
  d.labels.assign(all.labels.begin() + offset, all.labels.begin() + offset + count);
  return d;
}

Config small_batches(const char* name, int batch = 32) {
  Config c = preset(name);
  c.batch_size = batch;
  return c;
}

}  // namespace

TEST_CASE("session: one epoch of modern learns, and the reports walk through the epoch to the end") {
  const Dataset train = mnist_subset("train", 2000), held_out = mnist_subset("t10k", 500);
  Network net(small_batches("modern"));
  SessionOptions o;
  o.seed = 3;
  o.evals_per_epoch = 3;
  o.eval_limit = 200;
  TrainingSession session(net, train, held_out, o);
  int quick = 0, full = 0, last_done = 0, calls = 0;
  double last_fraction = 0;
  SessionReport r;
  while (!session.finished()) {
    r = session.run(10);
    ++calls;
    CHECK(r.fraction >= last_fraction);
    last_fraction = r.fraction;
    if (!r.epoch_end) {
      CHECK(r.done > last_done);
      last_done = r.done;
    }
    if (r.evaluated && !r.full) {
      ++quick;
      CHECK(r.held_out.count == 200);
    }
    if (r.full) ++full;
    REQUIRE(calls < 1000);
  }
  CHECK(quick == 3);
  CHECK(full == 1);
  CHECK(r.finished);
  CHECK(r.epoch_end);
  CHECK(r.epoch == 1);
  CHECK(r.done == 2000);
  CHECK(r.per_epoch == 2000);
  CHECK(r.fraction == 1.0);
  CHECK(r.steps == (2000 + 31) / 32);  // the last partial batch trains too
  CHECK(net.steps() == r.steps);
  CHECK(r.held_out.count == 500);
  MESSAGE("modern, one epoch of 2,000: held-out accuracy " << r.held_out.accuracy);
  CHECK(r.held_out.accuracy > 0.6f);  // chance is 0.1
  CHECK_THROWS_AS(session.run(1), Error);
}

TEST_CASE("session: the same seed gives the same run; another seed another order") {
  const Dataset train = mnist_subset("train", 300), none;
  auto run = [&](uint32_t seed, bool augment) {
    Network net(small_batches("classic"));
    SessionOptions o;
    o.seed = seed;
    o.augment = augment;
    TrainingSession session(net, train, none, o);
    while (!session.finished()) session.run(7);
    return net.save();
  };
  CHECK(run(5, false) == run(5, false));
  CHECK(run(5, true) == run(5, true));
  CHECK(run(5, false) != run(6, false));
  CHECK(run(5, false) != run(5, true));
}

TEST_CASE("session: without shuffling, the samples go in the set's order, batch by batch") {
  const Dataset train = mnist_subset("train", 96), none;
  Config c = small_batches("modern");
  c.dropout = 0;
  Network by_session(c), by_hand(c);
  SessionOptions o;
  o.shuffle = false;
  TrainingSession session(by_session, train, none, o);
  session.run(100);
  std::vector<float> x(32 * 784);
  for (int b = 0; b < 3; ++b) {
    for (size_t i = 0; i < x.size(); ++i) x[i] = train.images[b * x.size() + i] / 255.0f;
    by_hand.train_batch(x.data(), train.labels.data() + b * 32, 32, 28);
  }
  CHECK(by_session.save() == by_hand.save());
}

TEST_CASE("session: limits train and evaluate on the sets' first samples, as copies of them would") {
  const Dataset train = mnist_subset("train", 200), held_out = mnist_subset("test", 100);
  const Dataset train_head = mnist_subset("train", 96), held_out_head = mnist_subset("test", 40);
  Network limited(small_batches("modern")), copied(small_batches("modern"));
  SessionOptions o;
  o.epochs = 2;
  SessionOptions limits = o;
  limits.train_limit = 96;
  limits.held_out_limit = 40;
  TrainingSession a(limited, train, held_out, limits), b(copied, train_head, held_out_head, o);
  while (!a.finished()) {
    const SessionReport ra = a.run(2), rb = b.run(2);
    CHECK(ra.per_epoch == 96);
    CHECK(ra.done == rb.done);
    CHECK(ra.loss == rb.loss);
    if (ra.epoch_end) {
      CHECK(ra.held_out.count == 40);
      CHECK(ra.held_out.loss == rb.held_out.loss);
      CHECK(ra.eval_seconds >= 0);
    }
  }
  CHECK(b.finished());
  CHECK(limited.save() == copied.save());
}

TEST_CASE("session: schedules and drop_last") {
  const Dataset train = mnist_subset("train", 100), none;
  // Every report of a modern session on the 100 samples, run to its end `steps` steps per call.
  auto reports = [&](int batch, const SessionOptions& o, int steps) {
    Network net(small_batches("modern", batch));
    TrainingSession session(net, train, none, o);
    std::vector<SessionReport> out;
    while (!session.finished()) out.push_back(session.run(steps));
    return out;
  };
  SUBCASE("linear: down to 10 % of the base rate by the end") {
    SessionOptions o;
    o.schedule = ScheduleKind::linear;
    const std::vector<SessionReport> r = reports(10, o, 1);
    REQUIRE(r.size() == 10);
    CHECK(r.front().learning_rate == doctest::Approx(0.001));
    CHECK(r.back().learning_rate == doctest::Approx(0.001 * (1 - 0.9 * 0.9)));
  }
  SUBCASE("epoch: times decay each epoch") {
    SessionOptions o;
    o.epochs = 3;
    o.schedule = ScheduleKind::epoch;
    o.decay = 0.5f;
    const std::vector<SessionReport> r = reports(50, o, 100);
    REQUIRE(r.size() == 3);
    for (const SessionReport& each : r) CHECK(each.epoch_end);
    CHECK(r[0].learning_rate == doctest::Approx(0.001));
    CHECK(r[1].learning_rate == doctest::Approx(0.0005));
    CHECK(r[2].learning_rate == doctest::Approx(0.00025));
  }
  SUBCASE("warmup: the rate ramps up over the first steps, then follows the schedule") {
    SessionOptions o;
    o.warmup = 4;
    const std::vector<SessionReport> r = reports(10, o, 1);
    REQUIRE(r.size() >= 6);
    CHECK(r[0].learning_rate == doctest::Approx(0.00025));
    CHECK(r[1].learning_rate == doctest::Approx(0.0005));
    CHECK(r[3].learning_rate == doctest::Approx(0.001));
    CHECK(r[5].learning_rate == doctest::Approx(0.001));
  }
  SUBCASE("drop_last: an epoch is the whole batches only") {
    SessionOptions o;
    o.drop_last = true;
    const std::vector<SessionReport> r = reports(32, o, 100);
    REQUIRE(r.size() == 1);
    CHECK(r[0].epoch_end);
    CHECK(r[0].steps == 3);
    CHECK(r[0].samples == 96);
  }
}

TEST_CASE("session: bad options and sets are refused") {
  const Dataset train = mnist_subset("train", 10), none;
  Network net(small_batches("modern"));
  SessionOptions o;
  o.epochs = 0;
  CHECK_THROWS_AS(TrainingSession(net, train, none, o), Error);
  o.epochs = 1;
  o.decay = 1.5f;
  CHECK_THROWS_AS(TrainingSession(net, train, none, o), Error);
  o.decay = 1;
  o.drop_last = true;
  CHECK_THROWS_WITH_AS(TrainingSession(net, train, none, o),
                       "the training set has 10 samples, less than one batch (32)", Error);
  Dataset empty;
  CHECK_THROWS_WITH_AS(TrainingSession(net, empty, none, SessionOptions{}), "the training set is empty", Error);
  Dataset odd = train;
  odd.side = 30;
  CHECK_THROWS_AS(TrainingSession(net, odd, none, SessionOptions{}), Error);
  Dataset bad_label = train;
  bad_label.labels[4] = 12;
  CHECK_THROWS_WITH_AS(TrainingSession(net, bad_label, none, SessionOptions{}),
                       "training set: label 12 of sample 4 is out of range 0..9", Error);
}

TEST_CASE("session: after a divergence the session stays at the batch, and carries on at a smaller rate") {
  const Dataset train = mnist_subset("train", 640), held_out = mnist_subset("t10k", 200);
  Config c = small_batches("modern");
  c.learning_rate = 50.0f;
  Network net(c);
  SessionOptions o;
  TrainingSession session(net, train, held_out, o);
  bool diverged = false;
  int done_before = 0;
  for (int i = 0; i < 20 && !diverged; ++i) {
    try {
      done_before = session.run(1).done;
    } catch (const DivergenceError&) {
      diverged = true;
    }
  }
  REQUIRE(diverged);
  session.set_base_rate(0.001f);
  const SessionReport r = session.run(1);
  CHECK(r.done == done_before + 32);
  SessionReport last = r;
  while (!session.finished()) last = session.run(100);
  CHECK(std::isfinite(last.held_out.loss));
  CHECK_THROWS_AS(session.set_base_rate(0.0f), Error);
}
