// Why the network says what it says: the gradient of log p(class) with respect to the input, from the
// backward pass, against central differences for every preset and output; adversarial images.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "base/rng.h"
#include "gradcheck.h"
#include "model/network.h"
#include "samples.h"

using namespace lenet;

namespace {

double log_probability(Network& net, const std::vector<float>& image, int target, int side) {
  std::vector<float> p(10);
  net.predict(p.data(), image.data(), 1, side);
  return std::log(static_cast<double>(p[static_cast<size_t>(target)]));
}

// A network a little way into training, so the probabilities are neither uniform nor saturated.
Network warmed(Config c, int steps = 15) {
  c.dropout = 0;
  c.batch_size = 16;
  Network net(c);
  const Samples s = mnist_samples(16, 28, 100);
  for (int i = 0; i < steps; ++i) net.train_batch(s.images.data(), s.labels.data(), s.n, 28);
  return net;
}

}  // namespace

TEST_CASE("input gradient: the backward pass agrees with central differences, for every preset and output") {
  struct Case {
    const char* name;
    Output output;
    Pooling pooling;
    Activation activation;
  };
  // modern's ReLU and max pooling also each alone (the pair together crosses many kinks, see below).
  for (const Case& k : {Case{"modern", Output::softmax, Pooling::max, Activation::relu},
                        Case{"modern", Output::softmax, Pooling::avg, Activation::relu},
                        Case{"modern", Output::softmax, Pooling::max, Activation::sigmoid},
                        Case{"classic", Output::softmax, Pooling::avg, Activation::sigmoid},
                        Case{"lecun1998", Output::rbf, Pooling::subsample, Activation::scaled_tanh},
                        Case{"classic", Output::mse, Pooling::avg, Activation::sigmoid}}) {
    Config c = preset(k.name);
    c.output = k.output;
    c.pooling = k.pooling;
    c.activation = k.activation;
    if (k.output == Output::mse) c.learning_rate = 0.003f;
    Network net = warmed(c);
    const Samples s = mnist_samples(3, 28);
    for (int n = 0; n < s.n; ++n) {
      std::vector<float> image(s.images.begin() + n * 784, s.images.begin() + (n + 1) * 784);
      // Off the kinks of ReLU and max pooling, and off the clamp of the MSE probabilities: mid-grey noise.
      Rng noise(static_cast<uint64_t>(n) + 3);
      for (float& v : image) v = std::clamp(v * 0.8f + 0.1f + noise.uniform(-0.02f, 0.02f), 0.0f, 1.0f);
      for (int target : {static_cast<int>(s.labels[static_cast<size_t>(n)]), (s.labels[static_cast<size_t>(n)] + 3) % 10}) {
        std::vector<float> g(784);
        net.input_gradient(g.data(), image.data(), target, 28);
        for (float v : g) REQUIRE(std::isfinite(v));
        auto f = [&] { return log_probability(net, image, target, 28); };
        const std::string what = std::string(k.name) + "/" + to_string(k.activation) + "/" + to_string(k.pooling) +
                                 "/" + to_string(k.output) + " image " + std::to_string(n) +
                                 " class " + std::to_string(target);
        // The forward pass is float32: logits and RBF distances (about 80 for lecun1998) carry rounding
        // of 1e-6 to 1e-5, which a tiny step would turn into the difference itself, so smooth networks take
        // a step of 0.01. ReLU feeding max pooling is full of kinks (a block of units at exactly zero, one of
        // them a hair from turning on): any useful step crosses some for about one pixel in six, so there a
        // step of 0.001 and a fifth of the entries may miss; ReLU and max pooling each alone are held to 2 %,
        // and the PyTorch parity test compares this gradient with autograd's for every pixel.
        const bool relu_max = c.activation == Activation::relu && c.pooling == Pooling::max;
        const bool kinks = c.activation == Activation::relu || c.pooling == Pooling::max;
        lenet_test::check_gradient(what, image.data(), g.data(), image.size(), f, kinks ? 1e-3 : 1e-2, 2e-3, 5e-2,
                                   120, false, relu_max ? 0.2 : 0.02);
      }
    }
  }
}

TEST_CASE("input gradient: 28x28 and 32x32 images, the same network; the network's training state is untouched") {
  Network net = warmed(preset("classic"));
  const Samples s28 = mnist_samples(1, 28), s32 = mnist_samples(1, 32);
  std::vector<float> g28(784), g32(1024);
  const std::vector<uint8_t> before = net.save();
  net.input_gradient(g28.data(), s28.images.data(), 4, 28);
  net.input_gradient(g32.data(), s32.images.data(), 4, 32);
  for (int r = 0; r < 28; ++r)
    for (int c = 0; c < 28; ++c) CHECK(g28[r * 28 + c] == doctest::Approx(g32[(r + 2) * 32 + c + 2]).epsilon(1e-5));
  CHECK(net.save() == before);
  // The next training step is the one it would have been without the gradient in between.
  Network twin = warmed(preset("classic"));
  const Samples batch = mnist_samples(16, 28, 200);
  net.train_batch(batch.images.data(), batch.labels.data(), batch.n, 28);
  twin.train_batch(batch.images.data(), batch.labels.data(), batch.n, 28);
  CHECK(net.save() == twin.save());
}

TEST_CASE("input gradient and adversarial: bad arguments are refused with a message") {
  Network net(preset("modern"));
  std::vector<float> image(784, 0.0f), g(784);
  CHECK_THROWS_WITH_AS(net.input_gradient(g.data(), image.data(), 10, 28), "class 10 is out of range 0..9", Error);
  CHECK_THROWS_WITH_AS(net.input_gradient(g.data(), image.data(), -1, 28), "class -1 is out of range 0..9", Error);
  image[7] = NAN;
  CHECK_THROWS_WITH_AS(net.input_gradient(g.data(), image.data(), 3, 28), "image 0, pixel 7 is NaN", Error);
  image[7] = 0;
  CHECK_THROWS_WITH_AS(net.adversarial(image.data(), 3, 0, 0.1f, 28), "maxSteps must be 1..10000", Error);
  CHECK_THROWS_WITH_AS(net.adversarial(image.data(), 3, 10, 0.0f, 28), "stepSize must be in (0, 1]", Error);
  CHECK_THROWS_WITH_AS(net.adversarial(image.data(), 3, 10, NAN, 28), "stepSize must be in (0, 1]", Error);
}

TEST_CASE("adversarial: a close image the network classifies as the target, for the shipped-style presets") {
  for (const char* name : {"modern", "classic", "lecun1998"}) {
    Network net = warmed(preset(name), 60);
    const Samples s = mnist_samples(4, 28);
    for (int n = 0; n < s.n; ++n) {
      const std::vector<float> image(s.images.begin() + n * 784, s.images.begin() + (n + 1) * 784);
      std::vector<float> p(10);
      net.predict(p.data(), image.data(), 1, 28);
      const int was = static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin());
      const int target = (was + 1 + n) % 10;
      const AdversarialResult r = net.adversarial(image.data(), target, 200, 0.02f, 28);
      CAPTURE(name);
      CAPTURE(n);
      REQUIRE(r.success);
      CHECK(r.steps >= 1);
      std::vector<float> q(10);
      net.predict(q.data(), r.image.data(), 1, 28);  // classified as the target by predict itself
      CHECK(std::max_element(q.begin(), q.end()) - q.begin() == target);
      CHECK(q == r.probabilities);
      double largest = 0;
      for (size_t i = 0; i < image.size(); ++i) {
        CHECK(r.image[i] >= 0.0f);
        CHECK(r.image[i] <= 1.0f);
        largest = std::max(largest, std::fabs(static_cast<double>(r.image[i]) - image[i]));
      }
      CHECK(largest <= 0.02 * r.steps + 1e-6);
      MESSAGE(name << " image " << n << ": " << was << " -> " << target << " in " << r.steps
                   << " steps, largest pixel change " << largest);
    }
    // Success is not promised: one step cannot always get there, and the result says so.
    const std::vector<float> image(s.images.begin(), s.images.begin() + 784);
    const AdversarialResult once = net.adversarial(image.data(), (s.labels[0] + 5) % 10, 1, 0.001f, 28);
    CHECK_FALSE(once.success);
    CHECK(once.steps == 1);
  }
}
