// The compute kernels: the scalar conv against the textbook formula, every scalar backward against central
// differences of L = sum(y * g), and every SIMD twin against its scalar reference at sizes around the
// vector width (outputs NaN-filled before a forward, backward outputs pre-filled to check "+=").
#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "base/rng.h"

using namespace lenet;

namespace {

std::vector<float> random_vec(size_t n, Rng& rng, float lo = -1.0f, float hi = 1.0f) {
  std::vector<float> v(n);
  for (float& e : v) e = rng.uniform(lo, hi);
  return v;
}

// |a - ref| <= 1e-5 s + 1e-4 |ref| everywhere, s = max(1, rms(ref)); a NaN anywhere fails. The absolute
// term scales with the array's magnitude because a float sum is only exact to eps times its partial sums:
// a weight gradient summing 2000 terms to about 5 can cancel to 0.01 in one entry, and there the scalar
// reference itself is off by 1e-5. A wrong or missing term is off by about 0.1 and still fails.
int count_mismatches(const std::string& what, const std::vector<float>& a, const std::vector<float>& ref,
                     double abs_tol = 1e-5, double rel_tol = 1e-4) {
  REQUIRE(a.size() == ref.size());
  double sum_sq = 0.0;
  for (float r : ref) sum_sq += static_cast<double>(r) * r;
  const double scale = std::fmax(1.0, std::sqrt(sum_sq / std::fmax(1.0, static_cast<double>(ref.size()))));
  int bad = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double diff = std::fabs(static_cast<double>(a[i]) - ref[i]);
    if (!(diff <= abs_tol * scale + rel_tol * std::fabs(static_cast<double>(ref[i])))) {
      if (bad < 3) MESSAGE(what << "[" << i << "]: got " << a[i] << ", want " << ref[i]);
      ++bad;
    }
  }
  return bad;
}

// Textbook definition, seven loops, any element type: y[n][oc][i][j] = b[oc] + sum_{c,ki,kj} w x.
template <typename T>
std::vector<T> conv_textbook(const std::vector<T>& x, const std::vector<T>& w, const std::vector<T>& b,
                             const ConvShape& s) {
  const int OH = s.OH(), OW = s.OW();
  std::vector<T> y(static_cast<size_t>(s.N) * s.OC * OH * OW);
  for (int n = 0; n < s.N; ++n)
    for (int oc = 0; oc < s.OC; ++oc)
      for (int i = 0; i < OH; ++i)
        for (int j = 0; j < OW; ++j) {
          T sum = b[oc];
          for (int c = 0; c < s.C; ++c)
            for (int ki = 0; ki < s.K; ++ki)
              for (int kj = 0; kj < s.K; ++kj)
                sum += w[((oc * s.C + c) * s.K + ki) * s.K + kj] * x[((n * s.C + c) * s.H + i + ki) * s.W + j + kj];
          y[((n * s.OC + oc) * OH + i) * OW + j] = sum;
        }
  return y;
}

template <typename T>
std::vector<T> dense_textbook(const std::vector<T>& x, const std::vector<T>& w, const std::vector<T>& b, int N,
                              int I, int O) {
  std::vector<T> y(static_cast<size_t>(N) * O);
  for (int n = 0; n < N; ++n)
    for (int o = 0; o < O; ++o) {
      T sum = b[o];
      for (int i = 0; i < I; ++i) sum += x[n * I + i] * w[o * I + i];
      y[n * O + o] = sum;
    }
  return y;
}

std::vector<double> to_double(const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); }

double dot(const std::vector<double>& a, const std::vector<float>& g) {
  double s = 0.0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * g[i];
  return s;
}

// d/dv[i] of f by central differences, in double; f is linear in each v[i], so h = 0.5 loses nothing but
// rounding. Returned as floats, with the pre-filled `base` added (the kernels' "+=").
template <typename F>
std::vector<float> numeric_grad(std::vector<double>& v, const std::vector<float>& base, F f) {
  std::vector<float> grad(v.size());
  const double h = 0.5;
  for (size_t i = 0; i < v.size(); ++i) {
    const double saved = v[i];
    v[i] = saved + h;
    const double up = f();
    v[i] = saved - h;
    const double down = f();
    v[i] = saved;
    grad[i] = static_cast<float>(base[i] + (up - down) / (2 * h));
  }
  return grad;
}

struct ConvCase {
  ConvShape s;
  std::vector<float> x, w, b, dy;
  explicit ConvCase(const ConvShape& shape, uint64_t seed) : s(shape) {
    Rng rng(seed);
    const float bound = 1.0f / std::sqrt(static_cast<float>(s.C * s.K * s.K));  // a trained net's scale
    x = random_vec(static_cast<size_t>(s.N) * s.C * s.H * s.W, rng);
    w = random_vec(static_cast<size_t>(s.OC) * s.C * s.K * s.K, rng, -bound, bound);
    b = random_vec(static_cast<size_t>(s.OC), rng);
    dy = random_vec(static_cast<size_t>(s.N) * s.OC * s.OH() * s.OW(), rng);
  }
  size_t y_size() const { return dy.size(); }
};

std::string describe(const ConvShape& s) {
  return "N" + std::to_string(s.N) + " C" + std::to_string(s.C) + " " + std::to_string(s.H) + "x" +
         std::to_string(s.W) + " OC" + std::to_string(s.OC) + " K" + std::to_string(s.K);
}

}  // namespace

TEST_CASE("conv2d_fwd__scalar matches the textbook seven-loop formula") {
  const ConvShape shapes[] = {{1, 1, 5, 5, 1, 5}, {2, 3, 7, 6, 4, 3}, {3, 2, 9, 8, 5, 1}, {2, 6, 14, 14, 16, 5},
                              {1, 1, 32, 32, 6, 5}, {2, 4, 6, 11, 3, 2}};
  uint64_t seed = 100;
  for (const ConvShape& s : shapes) {
    ConvCase c(s, ++seed);
    std::vector<float> y(c.y_size(), std::numeric_limits<float>::quiet_NaN());
    std::vector<float> scratch(conv2d_scratch_floats(s));
    conv2d_fwd__scalar(y.data(), c.x.data(), c.w.data(), c.b.data(), s, scratch.data());
    const std::vector<double> ref = conv_textbook(to_double(c.x), to_double(c.w), to_double(c.b), s);
    CHECK_MESSAGE(count_mismatches(describe(s), y, std::vector<float>(ref.begin(), ref.end())) == 0, describe(s));
  }
}

TEST_CASE("conv2d backward (scalar) matches central differences of sum(y * g)") {
  const ConvShape shapes[] = {{2, 2, 6, 7, 3, 3}, {1, 1, 5, 5, 2, 5}, {3, 3, 5, 4, 2, 1}, {2, 6, 8, 8, 4, 5}};
  uint64_t seed = 200;
  for (const ConvShape& s : shapes) {
    ConvCase c(s, ++seed);
    Rng rng(seed * 7);
    std::vector<double> x = to_double(c.x), w = to_double(c.w), b = to_double(c.b);
    const auto objective = [&] { return dot(conv_textbook(x, w, b, s), c.dy); };
    // Pre-filled gradients: the kernels must add to them.
    std::vector<float> dx = random_vec(c.x.size(), rng), dw = random_vec(c.w.size(), rng),
                       db = random_vec(c.b.size(), rng);
    const std::vector<float> want_dx = numeric_grad(x, dx, objective);
    const std::vector<float> want_dw = numeric_grad(w, dw, objective);
    const std::vector<float> want_db = numeric_grad(b, db, objective);
    std::vector<float> scratch(conv2d_scratch_floats(s));
    conv2d_bwd_input__scalar(dx.data(), c.dy.data(), c.w.data(), s, scratch.data());
    conv2d_bwd_weight__scalar(dw.data(), db.data(), c.dy.data(), c.x.data(), s, scratch.data());
    CHECK_MESSAGE(count_mismatches("dx", dx, want_dx) == 0, describe(s));
    CHECK_MESSAGE(count_mismatches("dw", dw, want_dw) == 0, describe(s));
    CHECK_MESSAGE(count_mismatches("db", db, want_db) == 0, describe(s));
  }
}

TEST_CASE("dense kernels (scalar) match the textbook formula and central differences") {
  const int sizes[][3] = {{1, 1, 1}, {2, 5, 3}, {3, 7, 4}, {4, 9, 10}, {2, 16, 8}};  // N, I, O
  uint64_t seed = 300;
  for (const auto& nio : sizes) {
    const int N = nio[0], I = nio[1], O = nio[2];
    const std::string what = "N" + std::to_string(N) + " I" + std::to_string(I) + " O" + std::to_string(O);
    Rng rng(++seed);
    const std::vector<float> xf = random_vec(static_cast<size_t>(N) * I, rng), wf = random_vec(static_cast<size_t>(O) * I, rng),
                             bf = random_vec(O, rng), g = random_vec(static_cast<size_t>(N) * O, rng);
    std::vector<double> x = to_double(xf), w = to_double(wf), b = to_double(bf);

    std::vector<float> y(g.size(), std::numeric_limits<float>::quiet_NaN());
    dense_fwd__scalar(y.data(), xf.data(), wf.data(), bf.data(), N, I, O);
    const std::vector<double> ref = dense_textbook(x, w, b, N, I, O);
    CHECK_MESSAGE(count_mismatches("y", y, std::vector<float>(ref.begin(), ref.end())) == 0, what);

    const auto objective = [&] { return dot(dense_textbook(x, w, b, N, I, O), g); };
    std::vector<float> dx = random_vec(xf.size(), rng), dw = random_vec(wf.size(), rng), db = random_vec(bf.size(), rng);
    const std::vector<float> want_dx = numeric_grad(x, dx, objective);
    const std::vector<float> want_dw = numeric_grad(w, dw, objective);
    const std::vector<float> want_db = numeric_grad(b, db, objective);
    dense_bwd_input__scalar(dx.data(), g.data(), wf.data(), N, I, O);
    dense_bwd_weight__scalar(dw.data(), db.data(), g.data(), xf.data(), N, I, O);
    CHECK_MESSAGE(count_mismatches("dx", dx, want_dx) == 0, what);
    CHECK_MESSAGE(count_mismatches("dw", dw, want_dw) == 0, what);
    CHECK_MESSAGE(count_mismatches("db", db, want_db) == 0, what);
  }
}

TEST_CASE("kernel sets: the scalar set is scalar, the SIMD set matches the build") {
  CHECK(std::string(kernels_scalar().name) == "scalar");
  const bool scalar_conv = kernels_scalar().conv2d_fwd == &conv2d_fwd__scalar;
  CHECK(scalar_conv);
  CHECK(std::string(kernels_simd().name) == (kernels_have_simd() ? "wasmsimd" : "scalar"));
}

#if LENET_HAVE_SIMD

// Runs all three conv kernels of both sets on one case; returns the number of mismatching outputs.
static int conv_simd_vs_scalar(const ConvShape& s, uint64_t seed) {
  ConvCase c(s, seed);
  Rng rng(seed + 1);
  const std::string what = describe(s);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // One float more than asked for, holding a NaN canary: the kernels must stay inside their scratch.
  const size_t scratch_floats = conv2d_scratch_floats(s);
  std::vector<float> scratch(scratch_floats + 1, nan);
  int bad = 0;

  std::vector<float> y_ref(c.y_size(), nan), y_simd(c.y_size(), nan);
  conv2d_fwd__scalar(y_ref.data(), c.x.data(), c.w.data(), c.b.data(), s, scratch.data());
  conv2d_fwd__wasmsimd(y_simd.data(), c.x.data(), c.w.data(), c.b.data(), s, scratch.data());
  bad += count_mismatches(what + " y", y_simd, y_ref);

  const std::vector<float> dx0 = random_vec(c.x.size(), rng);
  std::vector<float> dx_ref = dx0, dx_simd = dx0;
  conv2d_bwd_input__scalar(dx_ref.data(), c.dy.data(), c.w.data(), s, scratch.data());
  conv2d_bwd_input__wasmsimd(dx_simd.data(), c.dy.data(), c.w.data(), s, scratch.data());
  bad += count_mismatches(what + " dx", dx_simd, dx_ref);

  const std::vector<float> dw0 = random_vec(c.w.size(), rng), db0 = random_vec(c.b.size(), rng);
  std::vector<float> dw_ref = dw0, dw_simd = dw0, db_ref = db0, db_simd = db0;
  conv2d_bwd_weight__scalar(dw_ref.data(), db_ref.data(), c.dy.data(), c.x.data(), s, scratch.data());
  conv2d_bwd_weight__wasmsimd(dw_simd.data(), db_simd.data(), c.dy.data(), c.x.data(), s, scratch.data());
  bad += count_mismatches(what + " dw", dw_simd, dw_ref);
  bad += count_mismatches(what + " db", db_simd, db_ref);

  if (!std::isnan(scratch[scratch_floats])) {
    MESSAGE(what << ": scratch overrun");
    ++bad;
  }
  return bad;
}

TEST_CASE("conv2d SIMD kernels match the scalar reference around the vector width") {
  const int sides[] = {5, 6, 7, 8, 9, 13, 14, 17, 32};
  const int ks[] = {1, 3, 5};
  const int cs[] = {1, 3, 6, 16};
  const int ocs[] = {1, 4, 6, 16};
  int cases = 0, failed = 0;
  // Every width with every K, C and OC; the height and batch rotate through their lists so each value
  // meets many others without the full product's cost.
  for (int wi = 0; wi < 9; ++wi)
    for (int K : ks)
      for (int C : cs)
        for (int OC : ocs) {
          const int H = sides[(wi + cases) % 9], N = 1 + cases % 3;
          const ConvShape s{N, C, H, sides[wi], OC, K};
          if (conv_simd_vs_scalar(s, 1000 + cases) != 0) ++failed;
          ++cases;
        }
  // The two LeNet-5 layers, at a batch that is not a multiple of anything.
  for (const ConvShape& s : {ConvShape{5, 1, 32, 32, 6, 5}, ConvShape{5, 6, 14, 14, 16, 5}}) {
    if (conv_simd_vs_scalar(s, 1000 + cases) != 0) ++failed;
    ++cases;
  }
  CHECK_MESSAGE(failed == 0, failed << " of " << cases << " conv shapes disagree");
}

// The SIMD forward sums each output's taps in the scalar reference's order, so it equals the reference to
// the bit (conv2d_wasmsimd.cpp): on mostly blank inputs (a digit on paper, a single pixel anywhere, zeros of
// either sign), on the rows-straight-from-the-input path (widths a whole number of vectors) and the other.
TEST_CASE("conv2d SIMD forward equals the scalar reference to the bit on sparse inputs") {
  int cases = 0, failed = 0;
  auto compare = [&](const ConvShape& s, const std::vector<float>& x, const std::string& what) {
    ConvCase c(s, 77 + cases);
    std::vector<float> scratch(conv2d_scratch_floats(s));
    std::vector<float> ref(c.y_size()), got(c.y_size());
    conv2d_fwd__scalar(ref.data(), x.data(), c.w.data(), c.b.data(), s, scratch.data());
    conv2d_fwd__wasmsimd(got.data(), x.data(), c.w.data(), c.b.data(), s, scratch.data());
    int bad = 0;
    for (size_t i = 0; i < ref.size(); ++i) bad += got[i] != ref[i];
    if (bad) MESSAGE(what << " " << describe(s) << ": " << bad << " outputs differ");
    failed += bad != 0;
    ++cases;
  };
  for (const ConvShape& s : {ConvShape{1, 1, 12, 12, 2, 5}, ConvShape{1, 2, 9, 12, 3, 5}, ConvShape{1, 1, 10, 11, 4, 3},
                             ConvShape{1, 2, 7, 10, 2, 3}}) {  // the last: rows of 10 = two vectors and a tail
    const size_t n = static_cast<size_t>(s.C) * s.H * s.W;
    for (size_t i = 0; i < n; ++i) {
      std::vector<float> x(n, 0.0f);
      x[i] = i % 3 ? 0.75f : -1.5f;
      compare(s, x, "pixel " + std::to_string(i));
    }
  }
  Rng rng(31);
  // (rows wider than 64 floats and inputs taller than 128 rows take the blank-window skip's other paths)
  for (const ConvShape& s : {ConvShape{4, 1, 32, 32, 6, 5}, ConvShape{3, 6, 14, 16, 16, 5}, ConvShape{3, 3, 11, 11, 5, 3},
                             ConvShape{2, 2, 10, 72, 3, 5}, ConvShape{2, 1, 130, 12, 2, 5}}) {
    std::vector<float> x(static_cast<size_t>(s.N) * s.C * s.H * s.W, 0.0f);
    for (int blob = 0; blob < 6 * s.N; ++blob) {
      const int n = static_cast<int>(rng.uniform() * s.N) % s.N, c = static_cast<int>(rng.uniform() * s.C) % s.C;
      const int y0 = static_cast<int>(rng.uniform() * s.H) % s.H, x0 = static_cast<int>(rng.uniform() * s.W) % s.W;
      for (int yy = y0; yy < std::min(s.H, y0 + 3); ++yy)
        for (int xx = x0; xx < std::min(s.W, x0 + 4); ++xx)
          x[((static_cast<size_t>(n) * s.C + c) * s.H + yy) * s.W + xx] = rng.uniform(-1.0f, 1.0f);
    }
    x[static_cast<size_t>(s.C) * s.H * s.W] = 0.5f;  // ink in the second sample's first pixel
    x[7] = -0.0f;
    compare(s, x, "blobs");
  }
  CHECK_MESSAGE(failed == 0, failed << " of " << cases << " sparse-input cases differ from the scalar reference");
}

// Outputs whose whole window is blank are filled, not computed (conv2d_wasmsimd.cpp); the fill must be what
// the sums give there: the bias, except that a -0 bias stays -0 only when every product is -0 (all weights
// negative), and a non-finite weight makes the row NaN. A -0 input is not blank (w * -0 flips signs).
TEST_CASE("conv2d SIMD forward fills blank windows exactly as the sums would come out") {
  const ConvShape s{2, 2, 16, 12, 6, 5};  // OW 8: rows straight from the input
  ConvCase c(s, 4242);
  const size_t CKK = static_cast<size_t>(s.C) * s.K * s.K;
  c.b[0] = -0.0f;                                                          // -0 bias, mixed weights: +0
  c.b[1] = -0.0f;                                                          // -0 bias, all weights < 0: -0
  for (size_t k = 0; k < CKK; ++k) c.w[CKK + k] = -std::fabs(c.w[CKK + k]) - 0.01f;
  c.b[2] = 0.0f;                                                           // +0 bias
  c.w[3 * CKK + 7] = std::numeric_limits<float>::infinity();               // inf * 0 = NaN
  c.w[4 * CKK + 3] = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> x(static_cast<size_t>(s.N) * s.C * s.H * s.W, 0.0f);
  // sample 0: ink in rows 6-7 of channel 1 only; sample 1: a -0 in row 3 and ink in row 12
  for (int col = 0; col < s.W; ++col) x[(static_cast<size_t>(1) * s.H + 6) * s.W + col] = 0.5f + col * 0.01f;
  x[(static_cast<size_t>(1) * s.H + 7) * s.W + 3] = -0.25f;
  const size_t second = static_cast<size_t>(s.C) * s.H * s.W;
  x[second + 3 * s.W + 5] = -0.0f;
  x[second + (static_cast<size_t>(1) * s.H + 12) * s.W + 2] = 1.0f;
  std::vector<float> scratch(conv2d_scratch_floats(s)), ref(c.y_size()), got(c.y_size());
  conv2d_fwd__scalar(ref.data(), x.data(), c.w.data(), c.b.data(), s, scratch.data());
  conv2d_fwd__wasmsimd(got.data(), x.data(), c.w.data(), c.b.data(), s, scratch.data());
  int bad = 0, negative_zeros = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    const bool same = std::isnan(ref[i]) ? std::isnan(got[i]) : std::memcmp(&ref[i], &got[i], sizeof(float)) == 0;
    bad += !same;
    negative_zeros += ref[i] == 0.0f && std::signbit(ref[i]);
  }
  CHECK(bad == 0);
  CHECK(negative_zeros > 0);  // the all-negative map's blank rows really are -0
}

TEST_CASE("dense SIMD kernels match the scalar reference around the vector width") {
  const int dims[] = {1, 3, 4, 5, 7, 8, 84, 120, 400};
  const int batches[] = {1, 2, 3, 5, 8};
  const float nan = std::numeric_limits<float>::quiet_NaN();
  int cases = 0, failed = 0;
  for (int I : dims)
    for (int O : dims)
      for (int N : batches) {
        Rng rng(5000 + cases);
        const std::string what = "N" + std::to_string(N) + " I" + std::to_string(I) + " O" + std::to_string(O);
        const float bound = 1.0f / std::sqrt(static_cast<float>(I));
        const std::vector<float> x = random_vec(static_cast<size_t>(N) * I, rng),
                                 w = random_vec(static_cast<size_t>(O) * I, rng, -bound, bound),
                                 b = random_vec(O, rng), dy = random_vec(static_cast<size_t>(N) * O, rng);
        int bad = 0;
        std::vector<float> y_ref(dy.size(), nan), y_simd(dy.size(), nan);
        dense_fwd__scalar(y_ref.data(), x.data(), w.data(), b.data(), N, I, O);
        dense_fwd__wasmsimd(y_simd.data(), x.data(), w.data(), b.data(), N, I, O);
        bad += count_mismatches(what + " y", y_simd, y_ref);

        std::vector<float> dx_ref = random_vec(x.size(), rng), dx_simd = dx_ref;
        dense_bwd_input__scalar(dx_ref.data(), dy.data(), w.data(), N, I, O);
        dense_bwd_input__wasmsimd(dx_simd.data(), dy.data(), w.data(), N, I, O);
        bad += count_mismatches(what + " dx", dx_simd, dx_ref);

        std::vector<float> dw_ref = random_vec(w.size(), rng), dw_simd = dw_ref;
        std::vector<float> db_ref = random_vec(b.size(), rng), db_simd = db_ref;
        dense_bwd_weight__scalar(dw_ref.data(), db_ref.data(), dy.data(), x.data(), N, I, O);
        dense_bwd_weight__wasmsimd(dw_simd.data(), db_simd.data(), dy.data(), x.data(), N, I, O);
        bad += count_mismatches(what + " dw", dw_simd, dw_ref);
        bad += count_mismatches(what + " db", db_simd, db_ref);
        if (bad != 0) ++failed;
        ++cases;
      }
  CHECK_MESSAGE(failed == 0, failed << " of " << cases << " dense shapes disagree");
}

#endif  // LENET_HAVE_SIMD
