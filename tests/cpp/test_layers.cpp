// Every layer's backward against central differences, for its input and its parameters, with an upstream
// gradient g: the checked function is L = sum(y * g).
#include <doctest/doctest.h>

#include <vector>

#include "gradcheck.h"
#include "kernels/kernels.h"
#include "layers/layers.h"
#include "base/rng.h"

using namespace lenet;

namespace {

struct Harness {
  std::unique_ptr<Layer> layer;
  int N;
  std::vector<float> x, y, g, dx, params, grads, scratch;

  Harness(std::unique_ptr<Layer> l, int n, uint64_t seed, float lo = -1.0f, float hi = 1.0f, bool jitter = true)
      : layer(std::move(l)), N(n) {
    Rng rng(seed);
    x.resize(static_cast<size_t>(N) * layer->in.size());
    for (float& v : x) v = rng.uniform(lo, hi);
    y.assign(static_cast<size_t>(N) * layer->out.size(), 0.0f);
    g.resize(y.size());
    for (float& v : g) v = rng.uniform(-1.0f, 1.0f);
    dx.assign(x.size(), 0.0f);
    params.assign(layer->param_count(), 0.0f);
    grads.assign(layer->param_count(), 0.0f);
    layer->bind(params.data(), grads.data());
    layer->init(Init::xavier, rng);
    if (jitter)  // no parameter exactly zero (but a connection table's zeros must stay)
      for (float& p : params) p += rng.uniform(-0.1f, 0.1f);
    layer->set_capacity(N);
    scratch.assign(layer->scratch_floats(N) + 1, 0.0f);
  }
  double objective() {
    layer->forward(y.data(), x.data(), N, false, scratch.data());
    double s = 0;
    for (size_t i = 0; i < y.size(); ++i) s += static_cast<double>(y[i]) * g[i];
    return s;
  }
  void check(const std::string& name) {
    objective();
    std::fill(grads.begin(), grads.end(), 0.0f);
    layer->backward(dx.data(), g.data(), y.data(), x.data(), N, scratch.data());
    layer->mask_gradients();
    auto f = [this] { return objective(); };
    lenet_test::check_gradient(name + " dx", x.data(), dx.data(), x.size(), f);
    if (!params.empty()) {
      // Parameters held at zero by a connection table have no gradient by design: check the others.
      std::vector<size_t> live;
      for (size_t i = 0; i < params.size(); ++i)
        if (params[i] != 0.0f) live.push_back(i);
      std::vector<float> live_params(live.size()), analytic(live.size());
      for (size_t k = 0; k < live.size(); ++k) analytic[k] = grads[live[k]];
      auto f_live = [&] {
        for (size_t k = 0; k < live.size(); ++k) params[live[k]] = live_params[k];
        return objective();
      };
      for (size_t k = 0; k < live.size(); ++k) live_params[k] = params[live[k]];
      lenet_test::check_gradient(name + " dparams", live_params.data(), analytic.data(), live.size(), f_live);
      for (size_t k = 0; k < live.size(); ++k) params[live[k]] = live_params[k];
    }
  }
};

}  // namespace

TEST_CASE("convolution backward matches central differences (C1 and C3 shapes, full and table)") {
  for (const KernelSet* set : {&kernels_scalar(), &kernels_simd()}) {
    use_kernels(*set);
    Harness c1(make_conv({1, 12, 12}, 6, 5), 2, 1);
    c1.check(std::string("C1 ") + set->name);
    Harness c3(make_conv({6, 14, 14}, 16, 5), 1, 2);
    c3.check(std::string("C3 ") + set->name);
    Harness table(make_conv({6, 9, 9}, 16, 5, c3_connection_table()), 2, 3, -1.0f, 1.0f, false);
    table.check(std::string("C3 table ") + set->name);
  }
  use_kernels(kernels_simd());
}

TEST_CASE("the C3 table keeps absent connections at zero and matches the paper's 1,516 parameters") {
  const auto& t = c3_connection_table();
  int connections = 0;
  for (uint8_t v : t) connections += v;
  CHECK(connections == 60);  // 6 maps x 3 + 9 maps x 4 + 1 map x 6
  CHECK(connections * 25 + 16 == 1516);
  // Map 15 takes every S2 map; maps 0..5 take three neighbours.
  for (int c = 0; c < 6; ++c) CHECK(t[15 * 6 + c] == 1);
  CHECK((t[0] && t[1] && t[2] && !t[3] && !t[4] && !t[5]));
  Harness h(make_conv({6, 8, 8}, 16, 5, t), 1, 4);
  h.objective();
  h.layer->backward(h.dx.data(), h.g.data(), h.y.data(), h.x.data(), 1, h.scratch.data());
  h.layer->mask_gradients();
  Rng rng(9);
  h.layer->init(Init::lecun, rng);
  for (int oc = 0; oc < 16; ++oc)
    for (int c = 0; c < 6; ++c)
      if (!t[oc * 6 + c])
        for (int k = 0; k < 25; ++k) {
          CHECK(h.params[(oc * 6 + c) * 25 + k] == 0.0f);
          CHECK(h.grads[(oc * 6 + c) * 25 + k] == 0.0f);
        }
}

TEST_CASE("pooling backward: average, max and trainable subsampling") {
  for (Pooling kind : {Pooling::avg, Pooling::max, Pooling::subsample}) {
    Harness h(make_pool({3, 6, 6}, kind), 2, 5);
    h.check(std::string("pool ") + to_string(kind));
  }
  // Odd sizes drop the last row/column, as PyTorch does.
  Harness odd(make_pool({2, 7, 5}, Pooling::avg), 1, 6);
  CHECK(odd.layer->out.h == 3);
  CHECK(odd.layer->out.w == 2);
  odd.check("pool odd");
}

TEST_CASE("pooling forward values") {
  std::vector<float> x = {1, 2, 5, 6, 3, 4, 7, 8, 9, 10, 13, 14, 11, 12, 15, 16};  // 1@4x4
  std::vector<float> y(4), params(2), grads(2);
  auto avg = make_pool({1, 4, 4}, Pooling::avg);
  avg->forward(y.data(), x.data(), 1, false, nullptr);
  CHECK(y == std::vector<float>{2.5f, 6.5f, 10.5f, 14.5f});
  auto mx = make_pool({1, 4, 4}, Pooling::max);
  mx->forward(y.data(), x.data(), 1, false, nullptr);
  CHECK(y == std::vector<float>{4, 8, 12, 16});
  auto sub = make_pool({1, 4, 4}, Pooling::subsample);
  sub->bind(params.data(), grads.data());
  params = {2.0f, -1.0f};  // beta, bias
  sub->forward(y.data(), x.data(), 1, false, nullptr);
  CHECK(y == std::vector<float>{19, 51, 83, 115});  // 2 * sum - 1
}

TEST_CASE("dense backward matches central differences") {
  for (const KernelSet* set : {&kernels_scalar(), &kernels_simd()}) {
    use_kernels(*set);
    Harness h(make_dense({4, 3, 3}, 7), 3, 7);
    h.check(std::string("dense ") + set->name);
  }
  use_kernels(kernels_simd());
}

TEST_CASE("activations: values and backward") {
  for (Activation kind : {Activation::sigmoid, Activation::tanh, Activation::scaled_tanh, Activation::relu}) {
    Harness h(make_activation({2, 3, 5}, kind), 2, 8, -2.0f, 2.0f);
    if (kind == Activation::relu)
      for (float& v : h.x)
        if (std::fabs(v) < 0.05f) v = 0.5f;  // keep clear of the kink
    h.check(std::string("activation ") + to_string(kind));
  }
  // The paper's squashing function passes through (+-1, +-1) (appendix A).
  std::vector<float> x = {1.0f, -1.0f, 0.0f}, y(3);
  make_activation({3, 1, 1}, Activation::scaled_tanh)->forward(y.data(), x.data(), 1, false, nullptr);
  CHECK(y[0] == doctest::Approx(1.0f).epsilon(1e-3));
  CHECK(y[1] == doctest::Approx(-1.0f).epsilon(1e-3));
  CHECK(y[2] == 0.0f);
}

TEST_CASE("dropout: eval is identity, training drops about p and scales by 1/(1-p), backward uses the mask") {
  Rng rng(11);
  auto d = make_dropout({1000, 1, 1}, 0.5f, &rng);
  d->set_capacity(1);
  std::vector<float> x(1000, 1.0f), y(1000), dy(1000, 1.0f), dx(1000);
  d->forward(y.data(), x.data(), 1, false, nullptr);
  CHECK(y == x);
  d->forward(y.data(), x.data(), 1, true, nullptr);
  int kept = 0;
  for (float v : y) {
    CHECK((v == 0.0f || v == 2.0f));
    kept += v != 0.0f;
  }
  CHECK(kept > 430);
  CHECK(kept < 570);
  d->backward(dx.data(), dy.data(), y.data(), x.data(), 1, nullptr);
  CHECK(dx == y);
  // The same seed gives the same mask.
  Rng rng2(11);
  auto d2 = make_dropout({1000, 1, 1}, 0.5f, &rng2);
  d2->set_capacity(1);
  std::vector<float> y2(1000);
  d2->forward(y2.data(), x.data(), 1, true, nullptr);
  CHECK(y2 == y);
}

TEST_CASE("RBF output: distances to the fixed codes, and its backward") {
  const auto& codes = rbf_prototypes();
  REQUIRE(codes.size() == 840);
  for (float v : codes) CHECK((v == 1.0f || v == -1.0f));
  // Each code is distinct from the others by many bits.
  for (int a = 0; a < 10; ++a)
    for (int b = a + 1; b < 10; ++b) {
      int differ = 0;
      for (int j = 0; j < 84; ++j) differ += codes[a * 84 + j] != codes[b * 84 + j];
      CHECK_MESSAGE(differ >= 6, "codes " << a << " and " << b << " differ in " << differ << " bits");
    }
  auto rbf = make_rbf({84, 1, 1});
  std::vector<float> y(10);
  rbf->forward(y.data(), codes.data() + 3 * 84, 1, false, nullptr);  // F6 equal to the code of 3
  CHECK(y[3] == 0.0f);
  for (int i = 0; i < 10; ++i)
    if (i != 3) CHECK(y[i] > 0.0f);
  Harness h(make_rbf({84, 1, 1}), 2, 12);
  h.check("rbf");
}
