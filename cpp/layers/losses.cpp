#include "layers/losses.h"

#include <cmath>

namespace lenet {

namespace {
int argmax(const float* v, int n) {
  int best = 0;
  for (int i = 1; i < n; ++i)
    if (v[i] > v[best]) best = i;
  return best;
}
int argmin(const float* v, int n) {
  int best = 0;
  for (int i = 1; i < n; ++i)
    if (v[i] < v[best]) best = i;
  return best;
}
}  // namespace

void softmax_rows(float* probs, const float* y, int N, int classes, bool negate) {
  const float sign = negate ? -1.0f : 1.0f;
  for (int n = 0; n < N; ++n) {
    const float* row = y + n * classes;
    float* p = probs + n * classes;
    float mx = sign * row[0];
    for (int i = 1; i < classes; ++i) mx = std::fmax(mx, sign * row[i]);
    double sum = 0;
    for (int i = 0; i < classes; ++i) sum += (p[i] = std::exp(sign * row[i] - mx));
    for (int i = 0; i < classes; ++i) p[i] = static_cast<float>(p[i] / sum);
  }
}

namespace {
// The frame the three losses share: row_loss(row, d, label) returns one sample's loss and writes its
// gradient row (with the batch mean's 1/N already in it); the result is the mean over the batch and how many
// rows pick their label (the largest output, or the smallest distance for the RBF).
template <typename RowLoss>
LossResult mean_over_rows(float* dy, const float* y, const uint8_t* labels, int N, int classes, bool smallest_wins,
                          RowLoss row_loss) {
  double total = 0;
  int correct = 0;
  for (int n = 0; n < N; ++n) {
    const float* row = y + n * classes;
    total += row_loss(row, dy + n * classes, labels[n]);
    correct += (smallest_wins ? argmin(row, classes) : argmax(row, classes)) == labels[n];
  }
  return {static_cast<float>(total / N), correct};
}
}  // namespace

LossResult softmax_cross_entropy(float* dy, const float* y, const uint8_t* labels, int N, int classes) {
  const float inv_n = 1.0f / static_cast<float>(N);
  return mean_over_rows(dy, y, labels, N, classes, false, [&](const float* row, float* d, int label) {
    float mx = row[0];
    for (int i = 1; i < classes; ++i) mx = std::fmax(mx, row[i]);
    double sum = 0;
    for (int i = 0; i < classes; ++i) sum += std::exp(static_cast<double>(row[i] - mx));
    const double log_z = mx + std::log(sum);
    // d/dy_i of (log Z - y_label) = softmax_i - [i == label], then the 1/N of the mean.
    for (int i = 0; i < classes; ++i)
      d[i] = (static_cast<float>(std::exp(row[i] - log_z)) - (i == label ? 1.0f : 0.0f)) * inv_n;
    return log_z - row[label];
  });
}

LossResult mse_one_hot(float* dy, const float* y, const uint8_t* labels, int N, int classes) {
  // The mean runs over every output of every sample: 1/(N * classes).
  const float scale = 2.0f / static_cast<float>(N * classes);
  return mean_over_rows(dy, y, labels, N, classes, false, [&](const float* row, float* d, int label) {
    double squares = 0;
    for (int i = 0; i < classes; ++i) {
      const float diff = row[i] - (i == label ? 1.0f : 0.0f);
      squares += static_cast<double>(diff) * diff;
      d[i] = scale * diff;
    }
    return squares / classes;
  });
}

LossResult rbf_map_loss(float* dy, const float* y, const uint8_t* labels, int N, int classes) {
  const float inv_n = 1.0f / static_cast<float>(N);
  return mean_over_rows(dy, y, labels, N, classes, true, [&](const float* row, float* d, int label) {
    // log(e^-j + sum_i e^-y_i), stabilised by the largest exponent m.
    double m = -kRbfLossJ;
    for (int i = 0; i < classes; ++i) m = std::fmax(m, -row[i]);
    double sum = std::exp(-kRbfLossJ - m);
    for (int i = 0; i < classes; ++i) sum += std::exp(-row[i] - m);
    const double log_z = m + std::log(sum);
    // dE/dy_i = [i == D] (the y_D term) - e^-y_i / (e^-j + sum_k e^-y_k) (the log term).
    for (int i = 0; i < classes; ++i)
      d[i] = ((i == label ? 1.0f : 0.0f) - static_cast<float>(std::exp(-row[i] - log_z))) * inv_n;
    return row[label] + log_z;
  });
}

}  // namespace lenet
