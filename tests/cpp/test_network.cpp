#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "gradcheck.h"
#include "data/idx.h"
#include "layers/layers.h"
#include "model/model_file.h"
#include "model/network.h"
#include "base/rng.h"
#include "samples.h"

using namespace lenet;

namespace {

Config no_dropout(const char* name) {
  Config c = preset(name);
  c.dropout = 0.0f;
  return c;
}

}  // namespace

TEST_CASE("presets build the paper's shapes and parameter counts") {
  Network modern(preset("modern")), classic(preset("classic")), paper(preset("lecun1998"));
  // C1 156 + C3 2,416 + C5 48,120 + F6 10,164 + OUTPUT 850
  CHECK(modern.parameter_count() == 61706);
  CHECK(classic.parameter_count() == 61706);
  // C1 156 + S2 12 + C3 2,416 (900 of them held at zero by Table I) + S4 32 + C5 48,120 + F6 10,164; RBF fixed
  CHECK(paper.parameter_count() == 60900);
  CHECK(modern.input_size() == 28);
  CHECK(classic.input_size() == 32);
  CHECK(paper.config().background == -0.1f);
  CHECK(paper.config().ink == 1.175f);
  CHECK(preset_name(preset("lecun1998")) == "lecun1998");
  Config custom = preset("modern");
  custom.learning_rate = 0.002f;  // a decayed learning rate is still the preset
  CHECK(preset_name(custom) == "modern");
  custom.dropout = 0.25f;
  CHECK(preset_name(custom) == "custom");
  CHECK_THROWS_WITH_AS(preset("resnet"), "unknown preset 'resnet' (allowed: modern, classic, lecun1998)", Error);

  Samples s = mnist_samples(1, 28);
  std::vector<float> probs(10);
  modern.predict(probs.data(), s.images.data(), 1);
  CHECK(modern.feature_map(LayerId::C1).shape == std::vector<int>{6, 28, 28});
  CHECK(modern.feature_map(LayerId::S2).shape == std::vector<int>{6, 14, 14});
  CHECK(modern.feature_map(LayerId::C3).shape == std::vector<int>{16, 10, 10});
  CHECK(modern.feature_map(LayerId::S4).shape == std::vector<int>{16, 5, 5});
  CHECK(modern.feature_map(LayerId::C5).shape == std::vector<int>{120});
  CHECK(modern.feature_map(LayerId::F6).shape == std::vector<int>{84});
  CHECK(modern.feature_map(LayerId::OUTPUT).shape == std::vector<int>{10});
  CHECK(modern.weights(LayerId::C1).shape == std::vector<int>{6, 1, 5, 5});
  CHECK(modern.weights(LayerId::C3).shape == std::vector<int>{16, 6, 5, 5});
  CHECK(modern.weights(LayerId::S2).shape.empty());
  CHECK(paper.weights(LayerId::S2).shape == std::vector<int>{6});
  double sum = 0;
  for (float p : probs) sum += p;
  CHECK(sum == doctest::Approx(1.0).epsilon(1e-5));
}

TEST_CASE("whole-network gradient check for each preset") {
  for (const char* name : {"modern", "classic", "lecun1998"}) {
    Network net(no_dropout(name));
    Samples s = mnist_samples(2, net.input_size());
    // Biases start at zero and MNIST's background is zero, so at initialisation every background unit
    // sits exactly on ReLU's kink; a little noise on every parameter moves them off it.
    Rng noise(5);
    for (const ParamSpan& span : net.parameters())
      for (size_t i = 0; i < span.size; ++i)
        if (span.param[i] != 0.0f) span.param[i] += noise.uniform(-0.02f, 0.02f);
        else if (span.size <= 120) span.param[i] = noise.uniform(-0.05f, 0.05f);  // biases
    net.loss_and_gradients(s.images.data(), s.labels.data(), s.n);
    std::vector<ParamSpan> spans = net.parameters();
    std::vector<std::vector<float>> analytic;
    for (const ParamSpan& span : spans) analytic.emplace_back(span.grad, span.grad + span.size);
    auto f = [&] { return static_cast<double>(net.loss(s.images.data(), s.labels.data(), s.n)); };
    // A sample of entries of every tensor by central differences. The step suits each network: small
    // for ReLU's kinks, larger where a loss near 100 (lecun1998) would drown a small one in rounding.
    // With max pooling a step of any useful size flips the winner of some near-tied 2x2 block among the
    // thousands in a batch, so for `modern` a few entries (at most 15 %) may miss; the layer tests check
    // max pooling and ReLU strictly, and the PyTorch parity test checks this network exactly.
    const bool kinks = std::string(name) == "modern";
    const double h = kinks ? 1e-3 : 1e-2;
    const double abs_tol = std::string(name) == "lecun1998" ? 3e-3 : 1e-3;
    for (size_t k = 0; k < spans.size(); ++k)
      lenet_test::check_gradient(std::string(name) + " param tensor " + std::to_string(k), spans[k].param,
                                 analytic[k].data(), spans[k].size, f, h, abs_tol, 3e-2, 40, true,
                                 kinks ? 0.15 : 0.0);
  }
}

TEST_CASE("each preset overfits a few dozen samples") {
  for (const char* name : {"modern", "classic", "lecun1998"}) {
    Config c = preset(name);
    c.seed = 7;
    Network net(c);
    Samples s = mnist_samples(32, net.input_size());
    const EvalStats before = net.evaluate(s.images.data(), s.labels.data(), s.n);
    for (int step = 0; step < 150; ++step) net.train_batch(s.images.data(), s.labels.data(), s.n);
    const EvalStats after = net.evaluate(s.images.data(), s.labels.data(), s.n);
    MESSAGE(std::string(name) << ": loss " << before.loss << " -> " << after.loss << ", accuracy " << before.accuracy << " -> "
                 << after.accuracy);
    CHECK(after.loss < before.loss * 0.5f);
    CHECK(after.accuracy >= 0.9f);
    CHECK(net.steps() == 150);
  }
}

TEST_CASE("the same seed and data give the same run") {
  Samples s = mnist_samples(16, 28);
  float losses[2];
  for (float& loss : losses) {
    Network net(preset("modern"));
    for (int step = 0; step < 5; ++step) loss = net.train_batch(s.images.data(), s.labels.data(), s.n).loss;
  }
  CHECK(losses[0] == losses[1]);
}

TEST_CASE("bad arguments get clear errors and change nothing") {
  Network net(preset("modern"));
  Samples s = mnist_samples(4, 28);
  const std::vector<uint8_t> before = net.save();
  std::vector<float> nan_images = s.images;
  nan_images[784 + 5] = std::nanf("");
  CHECK_THROWS_WITH_AS(net.train_batch(nan_images.data(), s.labels.data(), 4), "image 1, pixel 5 is NaN", Error);
  std::vector<uint8_t> bad_labels = s.labels;
  bad_labels[2] = 10;
  CHECK_THROWS_WITH_AS(net.train_batch(s.images.data(), bad_labels.data(), 4),
                       "label 10 at index 2 is out of range 0..9", Error);
  CHECK_THROWS_AS(net.train_batch(s.images.data(), s.labels.data(), 0), Error);
  std::vector<float> probs(10);
  CHECK_THROWS_AS(net.predict(probs.data(), nan_images.data(), 2), Error);
  CHECK(net.save() == before);
  CHECK_THROWS_WITH_AS(net.set_learning_rate(-1.0f), "invalid configuration: learningRate must be a finite number > 0",
                       Error);
  Config bad = preset("modern");
  bad.input_size = 30;
  CHECK_THROWS_WITH_AS(Network{bad}, "invalid configuration: inputSize must be 28 or 32", Error);
}

TEST_CASE("a diverging learning rate stops with an error and the last sane weights, and training goes on") {
  for (const char* name : {"modern", "classic", "lecun1998"}) {
    Config c = preset(name);
    c.learning_rate = 100.0f;
    Network net(c);
    Samples s = mnist_samples(32, net.input_size());
    bool diverged = false;
    std::vector<std::vector<uint8_t>> saved;  // saved[k]: the model after k steps
    for (int step = 0; step < 50 && !diverged; ++step) {
      saved.push_back(net.save());
      try {
        net.train_batch(s.images.data(), s.labels.data(), s.n);
      } catch (const DivergenceError& e) {
        diverged = true;
        MESSAGE(std::string(name) << ": " << std::string(e.what()));
        CHECK(std::string(e.what()).find("training diverged at step " + std::to_string(step + 1) + ": ") == 0);
        CHECK(std::string(e.what()).find("back to the last good step") != std::string::npos);
      }
    }
    CHECK_MESSAGE(diverged, std::string(name) << " did not report divergence at learning rate 100");
    // Back to one of the states training went through, step count and all, not merely the one before the
    // step that failed.
    REQUIRE(net.steps() < static_cast<int64_t>(saved.size()));
    CHECK(net.save() == saved[static_cast<size_t>(net.steps())]);
    std::vector<float> probs(10 * s.n);
    net.predict(probs.data(), s.images.data(), s.n);
    for (float p : probs) CHECK(std::isfinite(p));
    net.set_learning_rate(preset(name).learning_rate);
    const int64_t before = net.steps();
    for (int step = 0; step < 3; ++step) CHECK_NOTHROW(net.train_batch(s.images.data(), s.labels.data(), s.n));
    CHECK(net.steps() == before + 3);
  }
}

TEST_CASE("frozen layers keep their weights while the classifier trains") {
  Network net(preset("modern"));
  for (LayerId id : {LayerId::C1, LayerId::S2, LayerId::C3, LayerId::S4}) net.set_frozen(id, true);
  Samples s = mnist_samples(16, 28);
  const Tensor c1 = net.weights(LayerId::C1), c3 = net.weights(LayerId::C3), f6 = net.weights(LayerId::F6);
  for (int step = 0; step < 3; ++step) net.train_batch(s.images.data(), s.labels.data(), s.n);
  CHECK(net.weights(LayerId::C1).data == c1.data);
  CHECK(net.weights(LayerId::C3).data == c3.data);
  CHECK(net.weights(LayerId::F6).data != f6.data);
  net.set_frozen(LayerId::C1, false);
  net.train_batch(s.images.data(), s.labels.data(), s.n);
  CHECK(net.weights(LayerId::C1).data != c1.data);
  CHECK(parse_layer("c3") == LayerId::C3);
  CHECK_THROWS_AS(parse_layer("C7"), Error);
}

TEST_CASE("save and load round trip: same configuration, weights and predictions") {
  for (const char* name : {"modern", "classic", "lecun1998"}) {
    Network net(preset(name));
    Samples s = mnist_samples(8, net.input_size());
    net.train_batch(s.images.data(), s.labels.data(), s.n);
    net.set_frozen(LayerId::C1, true);
    const std::vector<uint8_t> bytes = net.save();
    Network copy = Network::load(bytes.data(), bytes.size());
    CHECK(copy.save() == bytes);
    CHECK(copy.frozen(LayerId::C1));
    CHECK(copy.steps() == 1);
    std::vector<float> a(80), b(80);
    net.predict(a.data(), s.images.data(), s.n);
    copy.predict(b.data(), s.images.data(), s.n);
    CHECK(a == b);
  }
}

namespace {
// Rewrites the trailing CRC so a deliberate change is tested past the checksum.
void reseal(std::vector<uint8_t>& bytes) {
  const uint32_t crc = crc32(bytes.data(), bytes.size() - 4);
  for (int i = 0; i < 4; ++i) bytes[bytes.size() - 4 + i] = static_cast<uint8_t>(crc >> (8 * i));
}
std::string load_error(const std::vector<uint8_t>& bytes) {
  try {
    Network::load(bytes.data(), bytes.size());
  } catch (const Error& e) {
    return e.what();
  }
  return "(loaded)";
}
bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("every kind of corrupt model file is refused with a message saying what is wrong") {
  Network net(preset("modern"));
  const std::vector<uint8_t> good = net.save();
  CHECK(crc32(reinterpret_cast<const uint8_t*>("123456789"), 9) == 0xCBF43926u);  // the standard check value

  CHECK(contains(load_error({}), "empty"));
  std::vector<uint8_t> b = good;
  b[0] = 'X';
  CHECK(contains(load_error(b), "not a LeNet-5 model file"));
  for (size_t cut : {size_t(8), size_t(40), size_t(100), good.size() / 2, good.size() - 1}) {
    b.assign(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut));
    CHECK_MESSAGE(contains(load_error(b), "truncated"), "cut at " << cut << ": " << load_error(b));
  }
  b = good;
  b.push_back(0);
  CHECK(contains(load_error(b), "unexpected bytes"));
  b = good;
  b[good.size() / 2] ^= 0x40;
  CHECK(contains(load_error(b), "checksum mismatch"));
  b = good;
  b[8] = 3;  // version
  CHECK(contains(load_error(b), "version 3 is not supported"));
  b = good;
  b[16] = 9;  // activation code
  reseal(b);
  CHECK(contains(load_error(b), "unknown activation code 9"));
  b = good;
  b[16 + 8 + 4] = 0;  // batch size 0 (little-endian u32 at config offset 12)
  reseal(b);
  CHECK(contains(load_error(b), "batchSize"));
  b = good;
  const float nan = std::nanf("");
  std::memcpy(&b[good.size() - 4 - 4 * 10], &nan, 4);
  reseal(b);
  CHECK(contains(load_error(b), "is NaN"));
  b = good;
  const float inf = INFINITY;
  std::memcpy(&b[good.size() - 4 - 4 * 10], &inf, 4);
  reseal(b);
  CHECK(contains(load_error(b), "infinite"));
  // A configuration that needs another parameter count than the file holds.
  b = good;
  b[16 + 2] = static_cast<uint8_t>(Output::rbf);
  reseal(b);
  CHECK(contains(load_error(b), "parameters, but its configuration needs"));
  // A header claiming billions of parameters is refused by length, without allocating.
  b = good;
  b[92] = 0xFF, b[93] = 0xFF, b[94] = 0xFF, b[95] = 0x7F;  // the parameter count
  CHECK(contains(load_error(b), "truncated"));
  // The network in hand is untouched by all of this.
  CHECK(net.save() == good);
}

TEST_CASE("the loader refuses what the format forbids: reserved bytes, weights the C3 table leaves out") {
  Network net(preset("lecun1998"));
  const std::vector<uint8_t> good = net.save();
  // Every reserved byte of the configuration block (16 bytes into the file): 6-7 and 56-63.
  for (int at : {6, 7, 56, 59, 63}) {
    std::vector<uint8_t> b = good;
    b[static_cast<size_t>(16 + at)] = 1;
    CHECK(contains(load_error(b), "checksum mismatch"));  // the checksum still comes first
    reseal(b);
    const std::string message = load_error(b);
    CHECK_MESSAGE(contains(message, ("reserved byte " + std::to_string(at) + " of the configuration block").c_str()),
                  message);
    CHECK(contains(message, "is 1, not 0"));
  }

  // C3's weights follow C1's and S2's parameters: [16 maps][6 inputs][5][5].
  const size_t c3 = net.weights(LayerId::C1).data.size() + net.biases(LayerId::C1).data.size() +
                    net.weights(LayerId::S2).data.size() + net.biases(LayerId::S2).data.size();
  const std::vector<uint8_t>& table = c3_connection_table();
  auto with_weight = [&](const std::vector<uint8_t>& bytes, int map, int input, int tap, float v) {
    std::vector<uint8_t> b = bytes;
    const size_t i = c3 + static_cast<size_t>((map * 6 + input) * 25 + tap);
    std::memcpy(&b[96 + 4 * i], &v, 4);
    reseal(b);
    return b;
  };
  REQUIRE(table[0 * 6 + 3] == 0);  // Table I: C3 map 0 does not see S2 map 3
  REQUIRE(table[0 * 6 + 0] == 1);
  const std::string message = load_error(with_weight(good, 0, 3, 7, 0.25f));
  CHECK_MESSAGE(contains(message, ("parameter " + std::to_string(c3 + 3 * 25 + 7) + " (C3 map 0, from S2 map 3) is 0.25").c_str()),
                message);
  CHECK(contains(message, "connection table leaves that connection out"));
  // Every excluded connection is checked, up to the last one (map 15 sees every S2 map), and any value.
  REQUIRE(table[14 * 6 + 4] == 0);
  REQUIRE(table[14 * 6 + 5] == 1);
  const std::string last = load_error(with_weight(good, 14, 4, 24, -1e-9f));
  CHECK_MESSAGE(contains(last, "(C3 map 14, from S2 map 4) is -1e-09"), last);
  // A connected weight may be anything, and minus zero is zero.
  CHECK(load_error(with_weight(good, 0, 0, 7, 0.25f)) == "(loaded)");
  CHECK(load_error(with_weight(good, 0, 3, 7, -0.0f)) == "(loaded)");
  // Without the table every C3 weight is a real connection.
  Network full(preset("modern"));
  CHECK(!full.config().c3_table);
  std::vector<uint8_t> b = full.save();
  const float v = 0.25f;
  std::memcpy(&b[96 + 4 * (156 + 3 * 25 + 7)], &v, 4);
  reseal(b);
  CHECK(load_error(b) == "(loaded)");
  CHECK(net.save() == good);
}
