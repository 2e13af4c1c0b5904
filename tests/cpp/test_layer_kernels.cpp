// The pooling and activation kernels below the Pool and Activate layers, and the vectorised optimizer
// loops: each SIMD twin against its scalar reference at sizes around the vector width, with outputs
// NaN-filled first (every element must be written, none past the end); the SIMD exp behind sigmoid and
// tanh against double precision; the max-pool tie rule on known values. The layers' backward passes are
// checked against central differences in test_layers.cpp.
#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "layers/optimizers.h"
#include "base/rng.h"

using namespace lenet;

namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();

std::vector<float> uniform_vec(size_t n, Rng& rng, float lo, float hi) {
  std::vector<float> v(n);
  for (float& e : v) e = rng.uniform(lo, hi);
  return v;
}

// Mismatches of got against want, where |got - want| <= abs_tol + rel_tol |want| passes; a NaN passes only
// where want is NaN too (so an output left at its NaN fill fails).
int mismatches(const std::string& what, const std::vector<float>& got, const std::vector<float>& want,
               double abs_tol, double rel_tol) {
  REQUIRE(got.size() == want.size());
  int bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const bool ok = std::isnan(want[i])
                        ? std::isnan(got[i])
                        : std::fabs(static_cast<double>(got[i]) - want[i]) <= abs_tol + rel_tol * std::fabs(want[i]);
    if (!ok) {
      if (bad < 3) MESSAGE(what << "[" << i << "]: got " << got[i] << ", want " << want[i]);
      ++bad;
    }
  }
  return bad;
}

std::string describe(const PoolShape& s) {
  return "N" + std::to_string(s.N) + " C" + std::to_string(s.C) + " " + std::to_string(s.H) + "x" +
         std::to_string(s.W);
}

#if LENET_HAVE_SIMD

// Both sets of pooling kernels on one shape; returns the number of mismatching outputs. `ties`: inputs
// from four values only, so blocks often hold their maximum twice and the first-max rule is exercised.
int pool_simd_vs_scalar(const PoolShape& s, uint64_t seed, bool ties) {
  Rng rng(seed);
  const size_t in = static_cast<size_t>(s.N) * s.C * s.H * s.W, out = static_cast<size_t>(s.N) * s.C * s.OH() * s.OW();
  std::vector<float> x = uniform_vec(in, rng, -2.0f, 2.0f);
  if (ties)
    for (float& v : x) v = std::floor(v * 2.0f) * 0.5f;
  const std::vector<float> dy = uniform_vec(out, rng, -1.0f, 1.0f);
  const std::vector<float> scale = uniform_vec(s.C, rng, -1.0f, 1.0f), bias = uniform_vec(s.C, rng, -1.0f, 1.0f);
  const std::string what = describe(s) + (ties ? " ties" : "");
  // Sums of four and per-map sums of up to a few hundred products, in different orders.
  const double abs_tol = 1e-5, rel_tol = 1e-5;
  int bad = 0;

  std::vector<float> y_ref(out + 1, kNaN), y_simd(out + 1, kNaN);  // one NaN canary past the end
  maxpool2x2_fwd__scalar(y_ref.data(), x.data(), s);
  maxpool2x2_fwd__wasmsimd(y_simd.data(), x.data(), s);
  bad += mismatches(what + " max y", y_simd, y_ref, 0.0, 0.0);

  std::vector<float> dx_ref(in + 1, kNaN), dx_simd(in + 1, kNaN);
  maxpool2x2_bwd__scalar(dx_ref.data(), dy.data(), y_ref.data(), x.data(), s);
  maxpool2x2_bwd__wasmsimd(dx_simd.data(), dy.data(), y_ref.data(), x.data(), s);
  bad += mismatches(what + " max dx", dx_simd, dx_ref, 0.0, 0.0);

  std::fill(y_ref.begin(), y_ref.end(), kNaN);
  std::fill(y_simd.begin(), y_simd.end(), kNaN);
  sumpool2x2_fwd__scalar(y_ref.data(), x.data(), scale.data(), bias.data(), s);
  sumpool2x2_fwd__wasmsimd(y_simd.data(), x.data(), scale.data(), bias.data(), s);
  bad += mismatches(what + " sum y", y_simd, y_ref, abs_tol, rel_tol);

  // dscale and dbias are added to: start them from random values.
  const std::vector<float> ds0 = uniform_vec(s.C, rng, -1.0f, 1.0f), db0 = uniform_vec(s.C, rng, -1.0f, 1.0f);
  std::vector<float> ds_ref = ds0, ds_simd = ds0, db_ref = db0, db_simd = db0;
  std::fill(dx_ref.begin(), dx_ref.end(), kNaN);
  std::fill(dx_simd.begin(), dx_simd.end(), kNaN);
  sumpool2x2_bwd__scalar(dx_ref.data(), ds_ref.data(), db_ref.data(), dy.data(), x.data(), scale.data(), s);
  sumpool2x2_bwd__wasmsimd(dx_simd.data(), ds_simd.data(), db_simd.data(), dy.data(), x.data(), scale.data(), s);
  bad += mismatches(what + " sum dx", dx_simd, dx_ref, abs_tol, rel_tol);
  bad += mismatches(what + " sum dscale", ds_simd, ds_ref, abs_tol, rel_tol);
  bad += mismatches(what + " sum dbias", db_simd, db_ref, abs_tol, rel_tol);

  // Average pooling's use: no parameter gradients; and trainable subsampling below a frozen layer: no dx.
  std::fill(dx_simd.begin(), dx_simd.end(), kNaN);
  sumpool2x2_bwd__wasmsimd(dx_simd.data(), nullptr, nullptr, dy.data(), x.data(), scale.data(), s);
  bad += mismatches(what + " sum dx only", dx_simd, dx_ref, abs_tol, rel_tol);
  ds_simd = ds0, db_simd = db0;
  sumpool2x2_bwd__wasmsimd(nullptr, ds_simd.data(), db_simd.data(), dy.data(), x.data(), scale.data(), s);
  bad += mismatches(what + " sum dscale only", ds_simd, ds_ref, abs_tol, rel_tol);
  bad += mismatches(what + " sum dbias only", db_simd, db_ref, abs_tol, rel_tol);
  return bad;
}

#endif  // LENET_HAVE_SIMD

}  // namespace

TEST_CASE("max pooling sends the gradient to the first maximum of each block, and zero to dropped inputs") {
  // 1@3x5: two blocks, then a dropped last column and a dropped last row.
  const std::vector<float> x = {3, 3, 1, 2, 9,  //
                                1, 3, 2, 2, 9,  //
                                9, 9, 9, 9, 9};
  const std::vector<float> dy = {10, 20};
  const PoolShape s{1, 1, 3, 5};
  for (const KernelSet* set : {&kernels_scalar(), &kernels_simd()}) {
    std::vector<float> y(2, kNaN), dx(x.size(), kNaN);
    set->maxpool2x2_fwd(y.data(), x.data(), s);
    CHECK(y == std::vector<float>{3, 2});
    set->maxpool2x2_bwd(dx.data(), dy.data(), y.data(), x.data(), s);
    CHECK_MESSAGE(dx == std::vector<float>({10, 0, 0, 20, 0,  //
                                            0, 0, 0, 0, 0,    //
                                            0, 0, 0, 0, 0}),
                  set->name);
  }
}

#if LENET_HAVE_SIMD

TEST_CASE("pooling SIMD kernels match the scalar reference around the vector width") {
  // Output widths 1..9 and S2's 14 (the SIMD kernels take rows of four blocks and fall back to the
  // scalar reference below four), odd and even sides, one to three samples, per-map parameters.
  const int widths[] = {2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 18, 28, 29};
  const int heights[] = {2, 3, 5, 8, 10, 28};
  const int maps[] = {1, 3, 6};
  int cases = 0, failed = 0;
  for (int W : widths)
    for (int H : heights) {
      const PoolShape s{1 + cases % 3, maps[cases % 3], H, W};
      if (pool_simd_vs_scalar(s, 500 + cases, cases % 2 == 1) != 0) ++failed;
      ++cases;
    }
  // LeNet-5's S2 and S4, at a batch that is not a multiple of anything.
  for (const PoolShape& s : {PoolShape{5, 6, 28, 28}, PoolShape{5, 16, 10, 10}})
    for (bool ties : {false, true}) {
      if (pool_simd_vs_scalar(s, 500 + cases, ties) != 0) ++failed;
      ++cases;
    }
  CHECK_MESSAGE(failed == 0, failed << " of " << cases << " pooling shapes disagree");
}

TEST_CASE("activation SIMD kernels match the scalar reference around the vector width") {
  Rng rng(77);
  const size_t sizes[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 15, 16, 17, 31, 33, 100, 4704};
  // Values where the approximations change regime or saturate, then random ones.
  const std::vector<float> special = {0.0f,   -0.0f, 1e-6f, -1e-6f, 0.1f,  -0.1f, 0.2499f, 0.25f, 0.2501f, -0.25f,
                                      0.375f, 1.0f,  -1.0f, 5.0f,   -5.0f, 17.0f, -17.0f,  44.0f, -44.0f,  87.5f,
                                      -87.5f, 89.0f, -89.0f, 200.0f, -200.0f, kNaN};
  const float kA = 1.7159f, kS = 2.0f / 3.0f;
  int failed = 0;
  for (size_t n : sizes) {
    std::vector<float> x = uniform_vec(n, rng, -12.0f, 12.0f);
    for (size_t i = 0; i < n && i < special.size(); ++i) x[(i * 7) % n] = special[i];
    const std::vector<float> dy = uniform_vec(n, rng, -1.0f, 1.0f);
    const std::string what = "n=" + std::to_string(n);
    std::vector<float> ref(n + 1, kNaN), got(n + 1, kNaN);  // one NaN canary past the end
    auto reset = [&] {
      std::fill(ref.begin(), ref.end(), kNaN);
      std::fill(got.begin(), got.end(), kNaN);
    };
    // e^x to about 1e-7 relative, one division: a few float roundings off the C library.
    const double abs_tol = 1e-7, rel_tol = 2e-6;

    relu_fwd__scalar(ref.data(), x.data(), n);
    relu_fwd__wasmsimd(got.data(), x.data(), n);
    failed += mismatches(what + " relu y", got, ref, 0.0, 0.0);
    const std::vector<float> y_relu(ref.begin(), ref.end() - 1);
    reset();
    relu_bwd__scalar(ref.data(), dy.data(), y_relu.data(), n);
    relu_bwd__wasmsimd(got.data(), dy.data(), y_relu.data(), n);
    failed += mismatches(what + " relu dx", got, ref, 0.0, 0.0);

    reset();
    sigmoid_fwd__scalar(ref.data(), x.data(), n);
    sigmoid_fwd__wasmsimd(got.data(), x.data(), n);
    failed += mismatches(what + " sigmoid y", got, ref, abs_tol, rel_tol);
    const std::vector<float> y_sig(ref.begin(), ref.end() - 1);
    reset();
    sigmoid_bwd__scalar(ref.data(), dy.data(), y_sig.data(), n);
    sigmoid_bwd__wasmsimd(got.data(), dy.data(), y_sig.data(), n);
    failed += mismatches(what + " sigmoid dx", got, ref, 0.0, 0.0);

    for (const float a : {1.0f, kA}) {
      const float s = a == 1.0f ? 1.0f : kS;
      const std::string t = what + (a == 1.0f ? " tanh" : " scaled tanh");
      reset();
      tanh_fwd__scalar(ref.data(), x.data(), n, a, s);
      tanh_fwd__wasmsimd(got.data(), x.data(), n, a, s);
      failed += mismatches(t + " y", got, ref, abs_tol, rel_tol);
      const std::vector<float> y_tanh(ref.begin(), ref.end() - 1);
      reset();
      tanh_bwd__scalar(ref.data(), dy.data(), y_tanh.data(), n, a, s);
      tanh_bwd__wasmsimd(got.data(), dy.data(), y_tanh.data(), n, a, s);
      failed += mismatches(t + " dx", got, ref, 0.0, 0.0);
    }
  }
  CHECK(failed == 0);
}

TEST_CASE("SIMD sigmoid and tanh are accurate to about 1e-6 relative against double precision") {
  // A dense sweep, densest near zero where tanh's two formulas meet (|x| = 1/4).
  std::vector<float> x;
  for (int i = -40000; i <= 40000; ++i) x.push_back(static_cast<float>(i) * 5e-4f);  // [-20, 20]
  for (int i = 1; i <= 2000; ++i) {
    x.push_back(static_cast<float>(i) * 2.5e-4f);  // (0, 0.5]
    x.push_back(-static_cast<float>(i) * 2.5e-4f);
  }
  std::vector<float> y(x.size());
  double worst_sigmoid = 0, worst_tanh = 0;
  sigmoid_fwd__wasmsimd(y.data(), x.data(), x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const double want = 1.0 / (1.0 + std::exp(-static_cast<double>(x[i])));
    worst_sigmoid = std::fmax(worst_sigmoid, std::fabs(y[i] - want) / want);
  }
  tanh_fwd__wasmsimd(y.data(), x.data(), x.size(), 1.0f, 1.0f);
  for (size_t i = 0; i < x.size(); ++i) {
    const double want = std::tanh(static_cast<double>(x[i]));
    if (want != 0.0) worst_tanh = std::fmax(worst_tanh, std::fabs(y[i] - want) / std::fabs(want));
    else CHECK(y[i] == 0.0f);
  }
  MESSAGE("worst relative error: sigmoid " << worst_sigmoid << ", tanh " << worst_tanh);
  CHECK(worst_sigmoid < 1e-6);
  CHECK(worst_tanh < 1e-6);
}

#endif  // LENET_HAVE_SIMD

TEST_CASE("optimizers: the vector loops take the same step as the scalar tail, to the bit") {
  // A span of 1 goes through the scalar loop alone; a span of 13 through the vector loop and a tail of 1.
  // Every element of the long span must equal the same element updated alone.
  Rng rng(31);
  const size_t n = 13;
  const std::vector<float> p0 = uniform_vec(n, rng, -2.0f, 2.0f), g = uniform_vec(n, rng, -1.0f, 1.0f);
  for (Optimizer kind : {Optimizer::sgd, Optimizer::momentum, Optimizer::adam}) {
    OptimizerSettings s;
    s.kind = kind;
    s.learning_rate = 0.01f;
    s.weight_decay = 0.001f;
    std::vector<float> long_p = p0, long_g = g;
    OptimizerState long_opt(s, {n});
    std::vector<float> one_p = p0, one_g = g;
    std::vector<ParamSpan> singles;
    for (size_t i = 0; i < n; ++i) singles.push_back({&one_p[i], &one_g[i], 1});
    OptimizerState single_opt(s, std::vector<size_t>(n, 1));
    for (int step = 0; step < 3; ++step) {  // moments carry over between steps
      long_opt.step({{long_p.data(), long_g.data(), n}}, {true});
      single_opt.step(singles, std::vector<bool>(n, true));
    }
    CHECK_MESSAGE(long_p == one_p, to_string(kind));
    CHECK_MESSAGE(long_p != p0, to_string(kind));
  }
}
