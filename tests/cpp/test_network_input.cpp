// Input placement has one owner, the network: every network takes 28x28 and 32x32 images, whatever its
// input size, and a 28x28 image gives exactly what the same image padded by hand to 32x32 gives.
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "model/network.h"
#include "samples.h"

using namespace lenet;

namespace {
// 28x28 images centred in 32x32 with a 2 px border of background (0).
std::vector<float> pad_by_hand(const std::vector<float>& images28, int n) {
  std::vector<float> out(static_cast<size_t>(n) * 1024, 0.0f);
  for (int k = 0; k < n; ++k)
    for (int r = 0; r < 28; ++r)
      std::memcpy(&out[static_cast<size_t>(k) * 1024 + (r + 2) * 32 + 2], &images28[static_cast<size_t>(k) * 784 + r * 28],
                  28 * sizeof(float));
  return out;
}
}  // namespace

TEST_CASE("a network places 28x28 images itself: the same as padding them by hand, for every preset") {
  const Samples s = mnist_samples(24, 28);
  const std::vector<float> padded = pad_by_hand(s.images, s.n);
  for (const char* name : {"modern", "classic", "lecun1998"}) {
    CAPTURE(name);
    Config c = preset(name);
    c.dropout = 0;  // training steps compared bit for bit
    Network a(c), b(c);
    std::vector<float> pa(10 * s.n), pb(10 * s.n);
    a.predict(pa.data(), s.images.data(), s.n, 28);
    b.predict(pb.data(), padded.data(), s.n, 32);
    CHECK(pa == pb);
    const EvalStats ea = a.evaluate(s.images.data(), s.labels.data(), s.n, nullptr, 28);
    const EvalStats eb = b.evaluate(padded.data(), s.labels.data(), s.n, nullptr, 32);
    CHECK(ea.loss == eb.loss);
    const TrainStats ta = a.train_batch(s.images.data(), s.labels.data(), s.n, 28);
    const TrainStats tb = b.train_batch(padded.data(), s.labels.data(), s.n, 32);
    CHECK(ta.loss == tb.loss);
    CHECK(a.save() == b.save());
  }
}

TEST_CASE("images of another side are refused, naming the sizes that fit") {
  Network net(preset("modern"));
  std::vector<float> image(30 * 30, 0.5f);
  std::vector<float> probs(10);
  CHECK_THROWS_WITH_AS(net.predict(probs.data(), image.data(), 1, 30), "images must be 28x28 or 32x32, not 30x30", Error);
}
