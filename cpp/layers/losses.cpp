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

LossResult softmax_cross_entropy(float* dy, const float* y, const uint8_t* labels, int N, int classes) {
  double total = 0;
  int correct = 0;
  const float inv_n = 1.0f / static_cast<float>(N);
  for (int n = 0; n < N; ++n) {
    const float* row = y + n * classes;
    float* d = dy + n * classes;
    float mx = row[0];
    for (int i = 1; i < classes; ++i) mx = std::fmax(mx, row[i]);
    double sum = 0;
    for (int i = 0; i < classes; ++i) sum += std::exp(static_cast<double>(row[i] - mx));
    const double log_z = mx + std::log(sum);
    total += log_z - row[labels[n]];
    // d/dy_i of (log Z - y_label) = softmax_i - [i == label], then the 1/N of the mean.
    for (int i = 0; i < classes; ++i)
      d[i] = (static_cast<float>(std::exp(row[i] - log_z)) - (i == labels[n] ? 1.0f : 0.0f)) * inv_n;
    correct += argmax(row, classes) == labels[n];
  }
  return {static_cast<float>(total / N), correct};
}

LossResult mse_one_hot(float* dy, const float* y, const uint8_t* labels, int N, int classes) {
  double total = 0;
  int correct = 0;
  const float scale = 2.0f / static_cast<float>(N * classes);
  for (int n = 0; n < N; ++n) {
    const float* row = y + n * classes;
    float* d = dy + n * classes;
    for (int i = 0; i < classes; ++i) {
      const float diff = row[i] - (i == labels[n] ? 1.0f : 0.0f);
      total += static_cast<double>(diff) * diff;
      d[i] = scale * diff;
    }
    correct += argmax(row, classes) == labels[n];
  }
  return {static_cast<float>(total / (static_cast<double>(N) * classes)), correct};
}

LossResult rbf_map_loss(float* dy, const float* y, const uint8_t* labels, int N, int classes) {
  double total = 0;
  int correct = 0;
  const float inv_n = 1.0f / static_cast<float>(N);
  for (int n = 0; n < N; ++n) {
    const float* row = y + n * classes;
    float* d = dy + n * classes;
    // log(e^-j + sum_i e^-y_i), stabilised by the largest exponent m.
    double m = -kRbfLossJ;
    for (int i = 0; i < classes; ++i) m = std::fmax(m, -row[i]);
    double sum = std::exp(-kRbfLossJ - m);
    for (int i = 0; i < classes; ++i) sum += std::exp(-row[i] - m);
    const double log_z = m + std::log(sum);
    total += row[labels[n]] + log_z;
    // dE/dy_i = [i == D] (the y_D term) - e^-y_i / (e^-j + sum_k e^-y_k) (the log term).
    for (int i = 0; i < classes; ++i)
      d[i] = ((i == labels[n] ? 1.0f : 0.0f) - static_cast<float>(std::exp(-row[i] - log_z))) * inv_n;
    correct += argmin(row, classes) == labels[n];
  }
  return {static_cast<float>(total / N), correct};
}

}  // namespace lenet
