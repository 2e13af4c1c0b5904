// Parity with the specified PyTorch model (tests/parity/torch_lenet.py, run with Debian's python3-torch):
// the same weights and inputs give the same raw logits for every image of the batch, the same loss and the
// same parameter gradients; and for every preset, lecun1998 included, the same outputs and the same input
// gradient of log p(class) as autograd.
// Native only: WebAssembly has no processes to start; the WASM build is tied to native by the Node tests.
#include <doctest/doctest.h>

#ifndef __EMSCRIPTEN__
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "data/idx.h"
#include "model/network.h"
#include "samples.h"

using namespace lenet;

namespace {

using Tensors = std::vector<std::vector<float>>;

void write_tensors(const std::string& path, const Tensors& tensors) {
  std::ofstream f(path, std::ios::binary);
  auto u32 = [&](uint32_t v) { f.write(reinterpret_cast<const char*>(&v), 4); };
  u32(static_cast<uint32_t>(tensors.size()));
  for (const auto& t : tensors) {
    u32(static_cast<uint32_t>(t.size()));
    f.write(reinterpret_cast<const char*>(t.data()), static_cast<std::streamsize>(4 * t.size()));
  }
}

Tensors read_tensors(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  REQUIRE_MESSAGE(f.good(), "no output from the PyTorch reference at " << path);
  auto u32 = [&] {
    uint32_t v = 0;
    f.read(reinterpret_cast<char*>(&v), 4);
    return v;
  };
  Tensors out(u32());
  for (auto& t : out) {
    t.resize(u32());
    f.read(reinterpret_cast<char*>(t.data()), static_cast<std::streamsize>(4 * t.size()));
  }
  REQUIRE(f.good());
  return out;
}

// Each element within 1e-4 of the reference, relative to the element or, for entries near zero, to the
// tensor's largest magnitude (float32 against float64 sums differ by rounding only).
void check_close(const std::string& what, const std::vector<float>& got, const std::vector<float>& want) {
  REQUIRE(got.size() == want.size());
  float scale = 0;
  for (float v : want) scale = std::fmax(scale, std::fabs(v));
  int bad = 0;
  for (size_t i = 0; i < got.size(); ++i)
    if (!(std::fabs(got[i] - want[i]) <= 1e-4f * std::fabs(want[i]) + 1e-5f * scale)) {
      if (bad++ < 3) MESSAGE(what << "[" << i << "]: " << got[i] << " vs PyTorch " << want[i]);
    }
  CHECK_MESSAGE(bad == 0, what << ": " << bad << " of " << got.size() << " values differ from PyTorch");
}

std::string run_reference(const std::string& args, const std::string& tag, const Tensors& in) {
  const std::string src = "/tmp/lenet_parity_in_" + tag + ".bin";
  const std::string dst = "/tmp/lenet_parity_out_" + tag + ".bin";
  write_tensors(src, in);
  std::remove(dst.c_str());
  const std::string cmd = "/usr/bin/python3 tests/parity/torch_lenet.py " + args + " " + src + " " + dst;
  REQUIRE_MESSAGE(std::system(cmd.c_str()) == 0, "the PyTorch reference failed: " << cmd);
  return dst;
}

}  // namespace

TEST_CASE("PyTorch parity: the classic model and modern without dropout") {
  const Dataset test = load_dataset(default_mnist_dir(), "t10k");
  for (const char* name : {"classic", "modern"}) {
    Config c = preset(name);
    c.dropout = 0.0f;
    c.input_size = 32;  // PyTorch sees the 32x32 field; a 28x28 input is the same digit with a border
    c.seed = 3;
    Network net(c);
    const int N = 8;
    std::vector<float> images(N * 1024, 0.0f), labels_f(N);
    std::vector<uint8_t> labels(N);
    for (int k = 0; k < N; ++k) {
      labels[k] = test.labels[k];
      labels_f[k] = labels[k];
      for (int r = 0; r < 28; ++r)
        for (int col = 0; col < 28; ++col)
          images[k * 1024 + (r + 2) * 32 + col + 2] = test.images[k * 784 + r * 28 + col] / 255.0f;
    }
    // Biases start at zero; give them values so the check covers them.
    for (const ParamSpan& span : net.parameters())
      for (size_t i = 0; i < span.size; ++i)
        if (span.size <= 120) span.param[i] = 0.01f * static_cast<float>((i * 7) % 11) - 0.05f;
    Tensors in;
    for (const ParamSpan& span : net.parameters()) in.emplace_back(span.param, span.param + span.size);
    in.push_back(images);
    in.push_back(labels_f);
    const Tensors ref = read_tensors(run_reference(name, name, in));

    // The loss is one float32 number from float32 logits against PyTorch's float64 one rounded to float32:
    // they agree to a few units in the last place.
    const float loss = net.loss_and_gradients(images.data(), labels.data(), N);
    CHECK(loss == doctest::Approx(ref[1][0]).epsilon(1e-5));
    const std::vector<ParamSpan> spans = net.parameters();
    std::vector<std::vector<float>> grads;  // the passes below overwrite the gradients
    for (const ParamSpan& span : spans) grads.emplace_back(span.grad, span.grad + span.size);
    // Every image's raw logits from the same training-mode batch pass. feature_map shows the first image of
    // the last pass, so the batch is rotated to put each image first in turn (the loss, a mean, stays).
    std::vector<float> rotated(images.size());
    std::vector<uint8_t> rotated_labels(N);
    for (int k = 0; k < N; ++k) {
      for (int i = 0; i < N; ++i) {
        const int from = (k + i) % N;
        std::copy(images.begin() + from * 1024, images.begin() + (from + 1) * 1024, rotated.begin() + i * 1024);
        rotated_labels[i] = labels[from];
      }
      CHECK(net.loss_and_gradients(rotated.data(), rotated_labels.data(), N) == doctest::Approx(ref[1][0]).epsilon(1e-5));
      check_close(std::string(name) + " logits of image " + std::to_string(k), net.feature_map(LayerId::OUTPUT).data,
                  std::vector<float>(ref[0].begin() + k * 10, ref[0].begin() + (k + 1) * 10));
    }
    // And through the probabilities predict() gives (softmax of the logits, eval mode).
    std::vector<float> probs(N * 10), ref_probs(N * 10);
    for (int k = 0; k < N; ++k) {
      double z = 0;
      for (int i = 0; i < 10; ++i) z += std::exp(static_cast<double>(ref[0][k * 10 + i]));
      for (int i = 0; i < 10; ++i) ref_probs[k * 10 + i] = static_cast<float>(std::exp(ref[0][k * 10 + i]) / z);
    }
    net.predict(probs.data(), images.data(), N);
    check_close(std::string(name) + " probabilities", probs, ref_probs);
    REQUIRE(ref.size() == 2 + spans.size());
    const char* names[] = {"C1.w", "C1.b", "C3.w", "C3.b", "C5.w", "C5.b", "F6.w", "F6.b", "OUT.w", "OUT.b"};
    for (size_t k = 0; k < spans.size(); ++k)
      check_close(std::string(name) + " grad " + names[k], grads[k], ref[2 + k]);
  }
}

// Network::input_gradient (d log p(target) / d image, p as predict() gives it) against autograd on the same
// weights, for every preset as shipped: modern keeps its dropout, which input_gradient must not apply (eval
// mode), and lecun1998 is the paper's network in PyTorch (LeCun1998 in torch_lenet.py: scaled tanh,
// trainable subsampling, Table I, RBF codes), with its input levels -0.1 and 1.175 written there from the
// paper, not taken from the engine. Its outputs are compared first, so the model is shown equal before the
// gradient is. float32 against float64 through every layer, as for the parameter gradients above, so the
// same check_close.
TEST_CASE("PyTorch parity: the input gradient of log p(class), every preset") {
  const int N = 8;
  const Samples s = mnist_samples(N, 28);
  const Samples warm = mnist_samples(16, 28, 100);
  // Each preset twice: after a few steps of training (the probabilities not uniform, the biases and
  // lecun1998's subsampling coefficients off their initial values), and as shipped in models/, where the
  // network is sure of most digits: p(label) within a few float32 steps of 1, where 1 - p must not be
  // taken from a rounded p.
  for (const char* preset_name : {"modern", "classic", "lecun1998"})
  for (const bool shipped : {false, true}) {
    const std::string name = std::string(preset_name) + (shipped ? " (shipped)" : "");
    Config c = preset(preset_name);
    c.seed = 3;
    c.batch_size = 16;
    Network net(c);
    if (shipped) {
      std::ifstream f(std::string("models/") + preset_name + ".bin", std::ios::binary);
      const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      REQUIRE_MESSAGE(!bytes.empty(), "models/" << preset_name << ".bin is missing");
      net = Network::load(bytes.data(), bytes.size());
      c = net.config();
    } else {
      for (int i = 0; i < 15; ++i) net.train_batch(warm.images.data(), warm.labels.data(), warm.n, 28);
    }
    int sure = 0;         // queries whose p(class) is within 1e-4 of 1
    int underflowed = 0;  // queries whose gradient is below float32's precision (see below)

    // Two classes per image: its label and another.
    std::vector<float> queries;
    for (int k = 0; k < N; ++k)
      for (int target : {static_cast<int>(s.labels[k]), (s.labels[k] + 5) % 10}) {
        queries.push_back(static_cast<float>(k));
        queries.push_back(static_cast<float>(target));
      }
    Tensors in;
    for (const ParamSpan& span : net.parameters()) in.emplace_back(span.param, span.param + span.size);
    if (c.output == Output::rbf) in.push_back(net.weights(LayerId::OUTPUT).data);  // the fixed codes
    in.push_back(s.images);
    in.push_back(queries);
    const Tensors ref = read_tensors(
        run_reference(std::string("input-gradient ") + preset_name, std::string("grad_") + preset_name, in));
    const size_t Q = queries.size() / 2;
    REQUIRE(ref.size() == 3);
    REQUIRE(ref[0].size() == static_cast<size_t>(N) * 10);
    REQUIRE(ref[1].size() == Q);
    REQUIRE(ref[2].size() == Q * 1024);

    std::vector<float> p_target(Q), ref_p_target(Q);
    for (size_t q = 0; q < Q; ++q) {
      const int k = static_cast<int>(queries[2 * q]), target = static_cast<int>(queries[2 * q + 1]);
      const float* image = s.images.data() + k * 784;
      const std::string what = name + " image " + std::to_string(k) + " class " + std::to_string(target);
      // The gradient over the whole 32x32 field (the border too), then the 28x28 image's own part.
      std::vector<float> g32(1024), g28(784);
      net.input_gradient(g32.data(), image, target, 28, 32);
      if (q % 2 == 0)  // input_gradient's forward pass is this image's, in eval mode
        check_close(what + " outputs", net.feature_map(LayerId::OUTPUT).data,
                    std::vector<float>(ref[0].begin() + k * 10, ref[0].begin() + (k + 1) * 10));
      const std::vector<float> want(ref[2].begin() + q * 1024, ref[2].begin() + (q + 1) * 1024);
      float want_max = 0, got_max = 0;
      for (size_t i = 0; i < want.size(); ++i) {
        want_max = std::fmax(want_max, std::fabs(want[i]));
        got_max = std::fmax(got_max, std::fabs(g32[i]));
      }
      // A gradient below about 1e-30 (p within e^-70 of 1) leaves float32's normal range on its way back
      // through the layers (FLT_MIN is 1.2e-38) and keeps no relative precision: it is compared as "zero
      // to float32" (the page then shows the runner-up's difference instead). Above, value by value.
      if (want_max < 1e-30f) {
        ++underflowed;
        CHECK_MESSAGE(got_max < 1e-30f, what << ": the gradient is " << got_max << ", PyTorch's " << want_max);
      } else {
        check_close(what + " input gradient", g32, want);
      }
      net.input_gradient(g28.data(), image, target, 28, 28);
      int moved = 0;
      for (int r = 0; r < 28; ++r)
        for (int col = 0; col < 28; ++col) moved += g28[r * 28 + col] != g32[(r + 2) * 32 + col + 2];
      CHECK_MESSAGE(moved == 0, what << ": the 28x28 gradient is not the inside of the 32x32 one");
      std::vector<float> probs(10);
      net.predict(probs.data(), image, 1, 28);
      p_target[q] = probs[target];
      ref_p_target[q] = static_cast<float>(std::exp(static_cast<double>(ref[1][q])));
      sure += ref[1][q] > std::log1p(-1e-4);
    }
    // p itself, the probability whose log the gradient is of.
    check_close(name + " p(class)", p_target, ref_p_target);
    // The shipped models put the check where rounding bites: labels nearly certain.
    if (shipped) MESSAGE(name << ": " << sure << " of " << Q << " queries have p > 1 - 1e-4, " << underflowed << " a gradient below 1e-30");
    // At least half the queries compared value by value (lecun1998 as shipped is so sure of its labels
    // that 6 of its 16 gradients are below 1e-30; the queries for another class never are).
    CHECK_MESSAGE(Q - underflowed >= Q / 2, name << ": only " << Q - underflowed << " of " << Q << " compared value by value");
    if (shipped && c.activation != Activation::sigmoid)
      CHECK_MESSAGE(sure >= N / 2, name << ": only " << sure << " queries have p > 1 - 1e-4");
  }
}
#endif
