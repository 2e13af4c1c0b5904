#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "gradcheck.h"
#include "layers/losses.h"
#include "base/rng.h"

using namespace lenet;

namespace {
using LossFn = LossResult (*)(float*, const float*, const uint8_t*, int, int);

void check_loss_gradient(const char* name, LossFn fn, float lo, float hi) {
  Rng rng(3);
  const int N = 4, C = 10;
  std::vector<float> y(N * C), dy(N * C), scratch(N * C);
  for (float& v : y) v = rng.uniform(lo, hi);
  const uint8_t labels[N] = {0, 3, 9, 3};
  fn(dy.data(), y.data(), labels, N, C);
  lenet_test::check_gradient(name, y.data(), dy.data(), y.size(),
                             [&] { return static_cast<double>(fn(scratch.data(), y.data(), labels, N, C).loss); },
                             1e-2, 1e-4, 1e-2);
}
}  // namespace

TEST_CASE("each loss's gradient matches central differences") {
  check_loss_gradient("softmax cross-entropy", softmax_cross_entropy, -3.0f, 3.0f);
  check_loss_gradient("mse", mse_one_hot, -1.0f, 2.0f);
  check_loss_gradient("rbf (eq. 9)", rbf_map_loss, 0.0f, 6.0f);
}

TEST_CASE("loss values") {
  std::vector<float> y(10, 0.0f), dy(10);
  const uint8_t label = 4;
  // Equal logits: cross-entropy log(10), prediction the first class.
  LossResult r = softmax_cross_entropy(dy.data(), y.data(), &label, 1, 10);
  CHECK(r.loss == doctest::Approx(std::log(10.0)).epsilon(1e-6));
  CHECK(r.correct == 0);
  y[4] = 5.0f;
  CHECK(softmax_cross_entropy(dy.data(), y.data(), &label, 1, 10).correct == 1);
  // MSE: exact one-hot output gives zero.
  std::fill(y.begin(), y.end(), 0.0f);
  y[4] = 1.0f;
  r = mse_one_hot(dy.data(), y.data(), &label, 1, 10);
  CHECK(r.loss == 0.0f);
  CHECK(r.correct == 1);
  // RBF: the smallest distance wins; E = y_D + log(e^-j + sum e^-y_i).
  for (int i = 0; i < 10; ++i) y[i] = 10.0f + i;
  y[4] = 0.5f;
  r = rbf_map_loss(dy.data(), y.data(), &label, 1, 10);
  double z = std::exp(-kRbfLossJ);
  for (float v : y) z += std::exp(-static_cast<double>(v));
  CHECK(r.loss == doctest::Approx(0.5 + std::log(z)).epsilon(1e-5));
  CHECK(r.correct == 1);
}

TEST_CASE("softmax_rows gives probabilities, and of minus the input for distances") {
  std::vector<float> y = {1, 2, 3}, p(3);
  softmax_rows(p.data(), y.data(), 1, 3, false);
  CHECK(p[0] + p[1] + p[2] == doctest::Approx(1.0));
  CHECK(p[2] > p[1]);
  softmax_rows(p.data(), y.data(), 1, 3, true);
  CHECK(p[0] > p[1]);
}
