#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "layers/optimizers.h"

using namespace lenet;

TEST_CASE("SGD, momentum and Adam take the textbook steps; inactive spans stay put") {
  std::vector<float> p = {1.0f, -2.0f}, g = {0.5f, -1.0f}, q = {3.0f}, gq = {1.0f};
  std::vector<ParamSpan> spans = {{p.data(), g.data(), 2}, {q.data(), gq.data(), 1}};
  const std::vector<bool> active = {true, false};

  OptimizerSettings s;
  s.kind = Optimizer::sgd;
  s.learning_rate = 0.1f;
  OptimizerState sgd(s, {2, 1});
  sgd.step(spans, active);
  CHECK(p[0] == doctest::Approx(0.95f));
  CHECK(p[1] == doctest::Approx(-1.9f));
  CHECK(q[0] == 3.0f);

  p = {1.0f, -2.0f};
  s.kind = Optimizer::momentum;
  s.momentum = 0.9f;
  OptimizerState mom(s, {2, 1});
  mom.step(spans, active);  // v = g
  mom.step(spans, active);  // v = 0.9 g + g = 1.9 g
  CHECK(p[0] == doctest::Approx(1.0f - 0.1f * 0.5f - 0.1f * 0.95f));

  p = {1.0f, -2.0f};
  s.kind = Optimizer::adam;
  s.learning_rate = 0.01f;
  OptimizerState adam(s, {2, 1});
  adam.step(spans, active);  // the first bias-corrected Adam step is lr * sign(g)
  CHECK(p[0] == doctest::Approx(1.0f - 0.01f).epsilon(1e-5));
  CHECK(p[1] == doctest::Approx(-2.0f + 0.01f).epsilon(1e-5));
  CHECK(adam.steps() == 1);

  // Snapshot and restore bring back the moments and the step count.
  std::vector<float> snap;
  adam.copy_to(snap);
  const std::vector<float> before = p;
  adam.step(spans, active);
  adam.copy_from(snap);
  CHECK(adam.steps() == 1);
  p = before;
  adam.step(spans, active);
  const std::vector<float> again = p;
  p = before;
  adam.copy_from(snap);
  adam.step(spans, active);
  CHECK(p == again);
}
