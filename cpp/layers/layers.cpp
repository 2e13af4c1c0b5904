#include "layers/layers.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "kernels/kernels.h"

namespace lenet {

// ---------------------------------------------------------------------------------------------------------
// Data from the paper.

const std::vector<uint8_t>& c3_connection_table() {
  // LeCun et al. 1998, Table I: "Each column indicates which feature map in S2 are combined by the units
  // in a particular feature map of C3." Rows: S2 maps 0..5; columns: C3 maps 0..15.
  static const char* const kGrid[6] = {
      // C3: 0123456789012345
      "X...XXX..XXXX.XX",  // S2 map 0
      "XX...XXX..XXXX.X",  // S2 map 1
      "XXX...XXX..X.XXX",  // S2 map 2
      ".XXX..XXXX..X.XX",  // S2 map 3
      "..XXX..XXXX.XX.X",  // S2 map 4
      "...XXX..XXXX.XXX",  // S2 map 5
  };
  static const std::vector<uint8_t> table = [] {
    std::vector<uint8_t> t(16 * 6);  // [OC][C]
    for (int s2 = 0; s2 < 6; ++s2)
      for (int c3 = 0; c3 < 16; ++c3) t[c3 * 6 + s2] = kGrid[s2][c3] == 'X';
    return t;
  }();
  return table;
}

const std::vector<float>& rbf_prototypes() {
  // The RBF parameter vectors are "stylized images of the corresponding character class drawn on a 7x12
  // bitmap", +1 for ink and -1 for background (LeCun et al. 1998, section II-B, Fig. 3). Drawn here.
  static const char* const kDigits[10][12] = {
      {".......", "..###..", ".#...#.", "#.....#", "#.....#", "#.....#", "#.....#", "#.....#", "#.....#",
       ".#...#.", "..###..", "......."},
      {".......", "...#...", "..##...", ".#.#...", "...#...", "...#...", "...#...", "...#...", "...#...",
       "...#...", ".#####.", "......."},
      {".......", ".#####.", "#.....#", "......#", "......#", ".....#.", "...##..", "..#....", ".#.....",
       "#......", "#######", "......."},
      {".......", "#######", ".....#.", "....#..", "...#...", "..###..", "......#", "......#", "......#",
       "#.....#", ".#####.", "......."},
      {".......", ".....#.", "....##.", "...#.#.", "..#..#.", ".#...#.", "#....#.", "#######", ".....#.",
       ".....#.", ".....#.", "......."},
      {".......", "#######", "#......", "#......", "######.", "......#", "......#", "......#", "......#",
       "#.....#", ".#####.", "......."},
      {".......", "..####.", ".#.....", "#......", "#......", "######.", "#.....#", "#.....#", "#.....#",
       "#.....#", ".#####.", "......."},
      {".......", "#######", "......#", ".....#.", "....#..", "...#...", "..#....", "..#....", "..#....",
       "..#....", "..#....", "......."},
      {".......", ".#####.", "#.....#", "#.....#", "#.....#", ".#####.", "#.....#", "#.....#", "#.....#",
       "#.....#", ".#####.", "......."},
      {".......", ".#####.", "#.....#", "#.....#", "#.....#", "#.....#", ".######", "......#", "......#",
       ".....#.", ".####..", "......."},
  };
  static const std::vector<float> codes = [] {
    std::vector<float> c(10 * 84);
    for (int d = 0; d < 10; ++d)
      for (int r = 0; r < 12; ++r)
        for (int col = 0; col < 7; ++col) c[d * 84 + r * 7 + col] = kDigits[d][r][col] == '#' ? 1.0f : -1.0f;
    return c;
  }();
  return codes;
}

namespace {

// Uniform bound of each initialisation rule.
float init_bound(Init rule, int fan_in, int fan_out) {
  switch (rule) {
    case Init::lecun: return 2.4f / static_cast<float>(fan_in);  // the paper, appendix A
    case Init::xavier: return std::sqrt(6.0f / static_cast<float>(fan_in + fan_out));
    case Init::he: return std::sqrt(6.0f / static_cast<float>(fan_in));
  }
  return 0.0f;
}

// ---------------------------------------------------------------------------------------------------------
class Conv final : public Layer {
 public:
  Conv(Shape3 in_shape, int out_maps, int kernel, std::vector<uint8_t> table) : k_(kernel), table_(std::move(table)) {
    in = in_shape;
    out = {out_maps, in.h - kernel + 1, in.w - kernel + 1};
    if (!table_.empty() && table_.size() != static_cast<size_t>(out_maps * in.c))
      throw Error("connection table size does not match the layer");
  }
  size_t param_count() const override { return weight_count() + out.c; }
  void bind(float* p, float* g) override {
    w_ = p, dw_ = g;
    b_ = p + weight_count(), db_ = g + weight_count();
  }
  void init(Init rule, Rng& rng) override {
    const int kk = k_ * k_;
    for (int oc = 0; oc < out.c; ++oc) {
      int inputs = 0;
      for (int c = 0; c < in.c; ++c) inputs += connected(oc, c);
      // fan-in counts only the connections a unit really has (the table makes it differ per map)
      const float bound = init_bound(rule, inputs * kk, out.c * kk);
      for (int c = 0; c < in.c; ++c)
        for (int i = 0; i < kk; ++i)
          w_[(oc * in.c + c) * kk + i] = connected(oc, c) ? rng.uniform(-bound, bound) : 0.0f;
      b_[oc] = 0.0f;
    }
  }
  std::vector<ParamSpan> params() override {
    return {{w_, dw_, weight_count()}, {b_, db_, static_cast<size_t>(out.c)}};
  }
  void mask_gradients() override {
    if (table_.empty()) return;
    const int kk = k_ * k_;
    for (int oc = 0; oc < out.c; ++oc)
      for (int c = 0; c < in.c; ++c)
        if (!connected(oc, c)) std::memset(dw_ + (oc * in.c + c) * kk, 0, sizeof(float) * kk);
  }
  size_t scratch_floats(int N) const override { return conv2d_scratch_floats(shape(N)); }
  void forward(float* y, const float* x, int N, bool, float* scratch) override {
    kernels().conv2d_fwd(y, x, w_, b_, shape(N), scratch);
  }
  void backward(float* dx, const float* dy, const float*, const float* x, int N, float* scratch) override {
    const ConvShape s = shape(N);
    if (param_grads) kernels().conv2d_bwd_weight(dw_, db_, dy, x, s, scratch);
    if (dx) {
      std::memset(dx, 0, sizeof(float) * static_cast<size_t>(N) * in.size());
      kernels().conv2d_bwd_input(dx, dy, w_, s, scratch);
    }
  }

 private:
  size_t weight_count() const { return static_cast<size_t>(out.c) * in.c * k_ * k_; }
  bool connected(int oc, int c) const { return table_.empty() || table_[oc * in.c + c]; }
  ConvShape shape(int N) const { return {N, in.c, in.h, in.w, out.c, k_}; }
  int k_;
  std::vector<uint8_t> table_;
  float *w_ = nullptr, *dw_ = nullptr, *b_ = nullptr, *db_ = nullptr;
};

// ---------------------------------------------------------------------------------------------------------
// 2x2 pooling with stride 2 (odd trailing rows/columns are dropped, as PyTorch does).
class Pool final : public Layer {
 public:
  Pool(Shape3 in_shape, Pooling kind) : kind_(kind) {
    in = in_shape;
    out = {in.c, in.h / 2, in.w / 2};
    // Average pooling is the sum kernel with fixed coefficients 1/4 and no bias.
    if (kind_ == Pooling::avg) avg_scale_.assign(in.c, 0.25f), avg_bias_.assign(in.c, 0.0f);
  }
  // Trainable subsampling has a coefficient and a bias per map (LeCun et al. 1998, section II-B).
  size_t param_count() const override { return kind_ == Pooling::subsample ? 2 * out.c : 0; }
  void bind(float* p, float* g) override {
    if (kind_ != Pooling::subsample) return;  // no parameters (and p may be null)
    beta_ = p, dbeta_ = g;
    bias_ = p + out.c, dbias_ = g + out.c;
  }
  void init(Init, Rng&) override {
    if (kind_ != Pooling::subsample) return;
    // Start as an average of the four inputs; the activation that follows then sees the same range.
    for (int c = 0; c < out.c; ++c) beta_[c] = 0.25f, bias_[c] = 0.0f;
  }
  std::vector<ParamSpan> params() override {
    if (kind_ != Pooling::subsample) return {};
    const size_t n = static_cast<size_t>(out.c);
    return {{beta_, dbeta_, n}, {bias_, dbias_, n}};
  }
  // shapes: y [N][C][H/2][W/2], x [N][C][H][W]
  void forward(float* y, const float* x, int N, bool, float*) override {
    if (kind_ == Pooling::max) kernels().maxpool2x2_fwd(y, x, shape(N));
    else kernels().sumpool2x2_fwd(y, x, scale(), bias(), shape(N));
  }
  void backward(float* dx, const float* dy, const float* y, const float* x, int N, float*) override {
    if (kind_ == Pooling::max) {
      // The gradient goes to the (first) input that was the maximum.
      if (dx) kernels().maxpool2x2_bwd(dx, dy, y, x, shape(N));
    } else if (kind_ == Pooling::subsample) {
      if (param_grads) kernels().sumpool2x2_bwd(dx, dbeta_, dbias_, dy, x, beta_, shape(N));
      else if (dx) kernels().sumpool2x2_bwd(dx, nullptr, nullptr, dy, x, beta_, shape(N));
    } else if (dx) {
      kernels().sumpool2x2_bwd(dx, nullptr, nullptr, dy, x, scale(), shape(N));
    }
  }

 private:
  PoolShape shape(int N) const { return {N, in.c, in.h, in.w}; }
  const float* scale() const { return kind_ == Pooling::subsample ? beta_ : avg_scale_.data(); }
  const float* bias() const { return kind_ == Pooling::subsample ? bias_ : avg_bias_.data(); }
  Pooling kind_;
  float *beta_ = nullptr, *dbeta_ = nullptr, *bias_ = nullptr, *dbias_ = nullptr;
  std::vector<float> avg_scale_, avg_bias_;
};

// ---------------------------------------------------------------------------------------------------------
class Dense final : public Layer {
 public:
  Dense(Shape3 in_shape, int outputs) {
    in = in_shape;
    out = {outputs, 1, 1};
  }
  size_t param_count() const override { return weight_count() + out.c; }
  void bind(float* p, float* g) override {
    w_ = p, dw_ = g;
    b_ = p + weight_count(), db_ = g + weight_count();
  }
  void init(Init rule, Rng& rng) override {
    const float bound = init_bound(rule, in.size(), out.c);
    for (size_t i = 0; i < weight_count(); ++i) w_[i] = rng.uniform(-bound, bound);
    for (int o = 0; o < out.c; ++o) b_[o] = 0.0f;
  }
  std::vector<ParamSpan> params() override {
    return {{w_, dw_, weight_count()}, {b_, db_, static_cast<size_t>(out.c)}};
  }
  void forward(float* y, const float* x, int N, bool, float*) override {
    kernels().dense_fwd(y, x, w_, b_, N, in.size(), out.c);
  }
  void backward(float* dx, const float* dy, const float*, const float* x, int N, float*) override {
    if (param_grads) kernels().dense_bwd_weight(dw_, db_, dy, x, N, in.size(), out.c);
    if (dx) {
      std::memset(dx, 0, sizeof(float) * static_cast<size_t>(N) * in.size());
      kernels().dense_bwd_input(dx, dy, w_, N, in.size(), out.c);
    }
  }

 private:
  size_t weight_count() const { return static_cast<size_t>(out.c) * in.size(); }
  float *w_ = nullptr, *dw_ = nullptr, *b_ = nullptr, *db_ = nullptr;
};

// ---------------------------------------------------------------------------------------------------------
// The paper's squashing function f(a) = A tanh(S a) with A = 1.7159, S = 2/3 (appendix A): f(1) = 1,
// f(-1) = -1, and the second derivative is largest at a = 1.
constexpr float kTanhA = 1.7159f;
constexpr float kTanhS = 2.0f / 3.0f;

class Activate final : public Layer {
 public:
  Activate(Shape3 shape, Activation kind) : kind_(kind) { in = out = shape; }
  void forward(float* y, const float* x, int N, bool, float*) override {
    const size_t n = static_cast<size_t>(N) * in.size();
    switch (kind_) {
      case Activation::sigmoid: kernels().sigmoid_fwd(y, x, n); break;
      case Activation::tanh: kernels().tanh_fwd(y, x, n, 1.0f, 1.0f); break;
      case Activation::scaled_tanh: kernels().tanh_fwd(y, x, n, kTanhA, kTanhS); break;
      case Activation::relu: kernels().relu_fwd(y, x, n); break;
    }
  }
  // Each derivative is written in terms of the output y, which forward already computed.
  void backward(float* dx, const float* dy, const float* y, const float*, int N, float*) override {
    if (!dx) return;
    const size_t n = static_cast<size_t>(N) * in.size();
    switch (kind_) {
      case Activation::sigmoid: kernels().sigmoid_bwd(dx, dy, y, n); break;
      case Activation::tanh: kernels().tanh_bwd(dx, dy, y, n, 1.0f, 1.0f); break;
      case Activation::scaled_tanh: kernels().tanh_bwd(dx, dy, y, n, kTanhA, kTanhS); break;
      case Activation::relu: kernels().relu_bwd(dx, dy, y, n); break;
    }
  }

 private:
  Activation kind_;
};

// ---------------------------------------------------------------------------------------------------------
class Dropout final : public Layer {
 public:
  Dropout(Shape3 shape, float p, Rng* rng) : p_(p), rng_(rng) { in = out = shape; }
  void set_capacity(int N) override { mask_.assign(static_cast<size_t>(N) * in.size(), 1.0f); }
  void forward(float* y, const float* x, int N, bool training, float*) override {
    const size_t n = static_cast<size_t>(N) * in.size();
    if (!training || p_ <= 0.0f) {
      std::fill(mask_.begin(), mask_.begin() + static_cast<std::ptrdiff_t>(n), 1.0f);
      std::memcpy(y, x, sizeof(float) * n);
      return;
    }
    const float keep_scale = 1.0f / (1.0f - p_);
    // A local copy of the generator keeps its state in registers (stores to the mask cannot alias it);
    // the sequence of draws is the same.
    Rng rng = *rng_;
    float* mask = mask_.data();
    for (size_t i = 0; i < n; ++i) mask[i] = rng.uniform() < p_ ? 0.0f : keep_scale;
    *rng_ = rng;
    for (size_t i = 0; i < n; ++i) y[i] = x[i] * mask[i];
  }
  void backward(float* dx, const float* dy, const float*, const float*, int N, float*) override {
    if (!dx) return;
    const size_t n = static_cast<size_t>(N) * in.size();
    const float* mask = mask_.data();
    for (size_t i = 0; i < n; ++i) dx[i] = dy[i] * mask[i];
  }

 private:
  float p_;
  Rng* rng_;
  std::vector<float> mask_;
};

// ---------------------------------------------------------------------------------------------------------
class Rbf final : public Layer {
 public:
  explicit Rbf(Shape3 shape) {
    in = shape;
    out = {10, 1, 1};
    if (in.size() != 84) throw Error("the RBF output needs 84 inputs (F6)");
  }
  // shapes: y [N][10], x [N][84];  y_i = sum_j (x_j - w_ij)^2
  void forward(float* y, const float* x, int N, bool, float*) override {
    const float* w = rbf_prototypes().data();
    for (int n = 0; n < N; ++n)
      for (int i = 0; i < 10; ++i) {
        float s = 0;
        for (int j = 0; j < 84; ++j) {
          const float d = x[n * 84 + j] - w[i * 84 + j];
          s += d * d;
        }
        y[n * 10 + i] = s;
      }
  }
  // dy_i/dx_j = 2 (x_j - w_ij); the prototypes are fixed, so there is no parameter gradient.
  // dx_j = sum_i dy_i 2 (x_j - w_ij) = 2 x_j sum_i dy_i - sum_i 2 dy_i w_ij: loops along contiguous j.
  void backward(float* dx, const float* dy, const float*, const float* x, int N, float*) override {
    if (!dx) return;
    const float* w = rbf_prototypes().data();
    for (int n = 0; n < N; ++n) {
      const float* dyn = dy + n * 10;
      const float* xn = x + n * 84;
      float* dxn = dx + n * 84;
      float dy_sum = 0;
      for (int i = 0; i < 10; ++i) dy_sum += dyn[i];
      for (int j = 0; j < 84; ++j) dxn[j] = 2.0f * dy_sum * xn[j];
      for (int i = 0; i < 10; ++i) {
        const float g = 2.0f * dyn[i];
        for (int j = 0; j < 84; ++j) dxn[j] -= g * w[i * 84 + j];
      }
    }
  }
};

}  // namespace

std::unique_ptr<Layer> make_conv(Shape3 in, int out_maps, int kernel, const std::vector<uint8_t>& table) {
  return std::make_unique<Conv>(in, out_maps, kernel, table);
}
std::unique_ptr<Layer> make_pool(Shape3 in, Pooling kind) { return std::make_unique<Pool>(in, kind); }
std::unique_ptr<Layer> make_dense(Shape3 in, int outputs) { return std::make_unique<Dense>(in, outputs); }
std::unique_ptr<Layer> make_activation(Shape3 in, Activation kind) { return std::make_unique<Activate>(in, kind); }
std::unique_ptr<Layer> make_dropout(Shape3 in, float p, Rng* rng) { return std::make_unique<Dropout>(in, p, rng); }
std::unique_ptr<Layer> make_rbf(Shape3 in) { return std::make_unique<Rbf>(in); }

}  // namespace lenet
