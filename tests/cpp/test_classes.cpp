// New classes (transfer learning): networks with 2..64 output classes, class names in the model file,
// with_classes() from a trained network, and float16 parameter storage (model file version 2).
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "model/model_file.h"
#include "model/network.h"
#include "model_bytes.h"
#include "samples.h"

using namespace lenet;

namespace {

using lenet_test::load_error;
using lenet_test::reseal;

// MNIST digits 0, 1, 2 as a three-class problem.
Samples three_classes(int n, int offset = 0) {
  const Samples all = mnist_samples(n * 4, 28, offset);
  Samples s;
  for (int k = 0; k < all.n && s.n < n; ++k) {
    if (all.labels[static_cast<size_t>(k)] > 2) continue;
    s.images.insert(s.images.end(), all.images.begin() + k * 784, all.images.begin() + (k + 1) * 784);
    s.labels.push_back(all.labels[static_cast<size_t>(k)]);
    ++s.n;
  }
  return s;
}

}  // namespace

TEST_CASE("classes: a network with three outputs learns three classes and refuses a fourth label") {
  Config c = preset("modern");
  c.classes = 3;
  c.batch_size = 32;
  Network net(c);
  net.set_class_names({"zero", "one", "two"});
  const Samples s = three_classes(96), held = three_classes(60, 2000);
  for (int i = 0; i < 40; ++i) net.train_batch(s.images.data(), s.labels.data(), s.n, 28);
  std::vector<float> p(3 * static_cast<size_t>(held.n));
  const EvalStats e = net.evaluate(held.images.data(), held.labels.data(), held.n, p.data(), 28);
  MESSAGE("three classes: held-out accuracy " << e.accuracy);
  CHECK(e.accuracy > 0.9f);
  CHECK(std::fabs(p[0] + p[1] + p[2] - 1.0f) < 1e-5f);
  std::vector<uint8_t> bad = s.labels;
  bad[4] = 3;
  CHECK_THROWS_WITH_AS(net.train_batch(s.images.data(), bad.data(), s.n, 28), "label 3 at index 4 is out of range 0..2",
                       Error);
  std::vector<float> g(784);
  CHECK_THROWS_WITH_AS(net.input_gradient(g.data(), s.images.data(), 3, 28), "class 3 is out of range 0..2", Error);
  CHECK(net.weights(LayerId::OUTPUT).shape == std::vector<int>{3, 84});
}

TEST_CASE("classes: the configuration's limits, and the RBF output keeps its ten digits") {
  Config c = preset("classic");
  c.classes = 1;
  CHECK_THROWS_WITH_AS(Network{c}, "invalid configuration: classes must be 2..64", Error);
  c.classes = 65;
  CHECK_THROWS_AS(Network{c}, Error);
  Config rbf = preset("lecun1998");
  rbf.classes = 5;
  CHECK_THROWS_WITH_AS(Network{rbf},
                       "invalid configuration: classes must be 10 with the rbf output (its fixed codes are the ten digits)",
                       Error);
}

TEST_CASE("class names: digits by default; refused when empty, repeated, too long, not printable or miscounted") {
  Network net(preset("modern"));
  const std::vector<std::string> digits = net.class_names();
  REQUIRE(digits.size() == 10);
  CHECK(digits[0] == "0");
  CHECK(digits[9] == "9");
  Config c = preset("modern");
  c.classes = 3;
  Network three(c);
  CHECK_THROWS_WITH_AS(three.set_class_names({"a", "b"}), "2 class names for 3 classes", Error);
  CHECK_THROWS_WITH_AS(three.set_class_names({"a", "", "c"}), "class 1 has an empty name", Error);
  CHECK_THROWS_WITH_AS(three.set_class_names({"a", "b", "a"}), "class name 'a' is used twice", Error);
  CHECK_THROWS_AS(three.set_class_names({"a", "b", std::string(33, 'x')}), Error);
  CHECK_THROWS_WITH_AS(three.set_class_names({"a", "b\n", "c"}), "class 1's name is not printable UTF-8", Error);
  CHECK_THROWS_WITH_AS(three.set_class_names({"a", "\xC3", "c"}), "class 1's name is not printable UTF-8", Error);
  three.set_class_names({"\xE2\x9C\x93", "\xE2\x9C\x97", "\xE2\x98\x85"});  // check mark, ballot x, star
  CHECK(three.class_names()[2] == "\xE2\x98\x85");
}

TEST_CASE("model file version 2: class names and float16 parameters round-trip; version 1 when neither") {
  Network plain(preset("modern"));
  const std::vector<uint8_t> v1 = plain.save();
  CHECK(v1[8] == 1);
  Config c = preset("classic");
  c.classes = 4;
  Network net(c);
  const std::vector<std::string> names = {"\xE2\x9C\x93", "x", "star", "heart"};
  net.set_class_names(names);
  const std::vector<uint8_t> v2 = net.save();
  CHECK(v2[8] == 2);
  Network back = Network::load(v2.data(), v2.size());
  CHECK(back.class_names() == names);
  CHECK(back.classes() == 4);
  CHECK(back.save() == v2);

  // float16: about half the bytes; every parameter is its nearest half; predictions stay close.
  const std::vector<uint8_t> half = net.save(true);
  CHECK(half.size() < v2.size() / 2 + 200);
  Network h = Network::load(half.data(), half.size());
  CHECK(h.class_names() == names);
  const std::vector<ParamSpan> a = net.parameters(), b = h.parameters();
  for (size_t k = 0; k < a.size(); ++k)
    for (size_t i = 0; i < a[k].size; ++i) REQUIRE(b[k].param[i] == half_to_float(float_to_half(a[k].param[i])));
  CHECK(h.save(true) == half);

  // A version-2 file's damage is named.
  std::vector<uint8_t> bad = v2;
  bad[16 + 64 + 4 + 8] = 2;  // flags: an unknown bit
  reseal(bad);
  CHECK(load_error(bad).find("unknown flags 2") != std::string::npos);
  bad = v2;
  bad[16 + 64 + 4 + 8 + 8] = 200;  // the first name's length runs past the names
  reseal(bad);
  CHECK(load_error(bad).find("runs past the names") != std::string::npos);
  bad = v2;
  bad[16 + 64 + 4 + 8 + 8 + 1] = 0x01;  // a control character in the first name
  reseal(bad);
  CHECK(load_error(bad).find("not printable UTF-8") != std::string::npos);
  bad = v2;
  bad[16 + 64 + 4 + 8 + 8 + 5] = 0xE2;  // "x" becomes the first byte of a three-byte sequence cut short
  reseal(bad);
  CHECK(load_error(bad).find("not printable UTF-8") != std::string::npos);
}

TEST_CASE("float16 conversion: every half survives the round trip, and floats round to the nearest half") {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = half_to_float(static_cast<uint16_t>(h));
    if (std::isnan(f)) {
      CHECK(std::isnan(half_to_float(float_to_half(f))));
      continue;
    }
    REQUIRE(float_to_half(f) == h);
  }
  CHECK(half_to_float(float_to_half(1.0f + 1.0f / 2048)) == 1.0f);            // a tie rounds to even
  CHECK(half_to_float(float_to_half(1.0f + 3.0f / 2048)) == 1.0f + 2.0f / 1024);  // the other tie, up
  CHECK(std::isinf(half_to_float(float_to_half(70000.0f))));
  CHECK(half_to_float(float_to_half(1e-8f)) == 0.0f);
  CHECK(half_to_float(float_to_half(6e-8f)) == std::ldexp(1.0f, -24));  // the smallest subnormal
}

TEST_CASE("with_classes: C1 to F6 carried over bit for bit, a fresh output layer, features frozen or not") {
  Config c = preset("modern");
  c.batch_size = 16;
  Network trained(c);
  const Samples s = mnist_samples(16, 28);
  for (int i = 0; i < 5; ++i) trained.train_batch(s.images.data(), s.labels.data(), s.n, 28);
  Network derived = trained.with_classes({"zero", "one", "two"}, true, 9);
  CHECK(derived.classes() == 3);
  CHECK(derived.class_names() == std::vector<std::string>{"zero", "one", "two"});
  CHECK(derived.steps() == 0);
  for (LayerId id : {LayerId::C1, LayerId::C3, LayerId::C5, LayerId::F6}) {
    CHECK(derived.weights(id).data == trained.weights(id).data);
    CHECK(derived.biases(id).data == trained.biases(id).data);
    CHECK(derived.frozen(id));
  }
  CHECK_FALSE(derived.frozen(LayerId::OUTPUT));
  CHECK(derived.weights(LayerId::OUTPUT).shape == std::vector<int>{3, 84});
  const Samples t = three_classes(32);
  const Tensor c1 = derived.weights(LayerId::C1), f6 = derived.weights(LayerId::F6), out = derived.weights(LayerId::OUTPUT);
  for (int i = 0; i < 5; ++i) derived.train_batch(t.images.data(), t.labels.data(), t.n, 28);
  CHECK(derived.weights(LayerId::C1).data == c1.data);
  CHECK(derived.weights(LayerId::F6).data == f6.data);
  CHECK(derived.weights(LayerId::OUTPUT).data != out.data);

  Network tuned = trained.with_classes({"a", "b"}, false, 9);
  CHECK_FALSE(tuned.frozen(LayerId::C1));
  CHECK_THROWS_WITH_AS(trained.with_classes({"only"}, true, 1), "new classes: 1 names given, 2..64 needed", Error);
  CHECK_THROWS_AS(trained.with_classes({"a", "a"}, true, 1), Error);
  Network paper(preset("lecun1998"));
  CHECK_THROWS_AS(paper.with_classes({"a", "b"}, true, 1), Error);
}
