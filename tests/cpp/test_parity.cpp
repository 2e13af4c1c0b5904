// Parity with the specified PyTorch model (tests/parity/torch_lenet.py, run with Debian's python3-torch):
// the same weights and inputs give the same raw logits for every image of the batch, the same loss and the
// same parameter gradients.
// Native only: WebAssembly has no processes to start; the WASM build is tied to native by the Node tests.
#include <doctest/doctest.h>

#ifndef __EMSCRIPTEN__
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "data/idx.h"
#include "model/network.h"

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
    const std::string src = std::string("/tmp/lenet_parity_in_") + name + ".bin";
    const std::string dst = std::string("/tmp/lenet_parity_out_") + name + ".bin";
    write_tensors(src, in);
    std::remove(dst.c_str());
    const std::string cmd = "/usr/bin/python3 tests/parity/torch_lenet.py " + std::string(name) + " " + src + " " + dst;
    REQUIRE_MESSAGE(std::system(cmd.c_str()) == 0, "the PyTorch reference failed: " << cmd);
    const Tensors ref = read_tensors(dst);

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
#endif
