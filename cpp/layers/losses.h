// Losses know nothing of layers: each takes the output layer's values for a batch and the labels, and
// returns the mean loss while writing d(mean loss)/d(outputs). shapes: y, dy [N][classes], labels [N].
#pragma once
#include <cstdint>

namespace lenet {

struct LossResult {
  float loss;   // mean over the batch
  int correct;  // predictions equal to the label
};

// Softmax cross-entropy on logits (PyTorch's CrossEntropyLoss, mean reduction). Prediction: argmax.
LossResult softmax_cross_entropy(float* dy, const float* y, const uint8_t* labels, int N, int classes);
// Mean squared error against one-hot targets, averaged over N*classes (PyTorch's MSELoss). Prediction: argmax.
LossResult mse_one_hot(float* dy, const float* y, const uint8_t* labels, int N, int classes);
// LeCun et al. 1998, eq. (9), on RBF distances y (smaller = closer): E = y_D + log(e^-j + sum_i e^-y_i);
// the second term pushes the wrong classes' distances up, the constant j keeps it from chasing
// distances that are already large. Prediction: argmin.
constexpr float kRbfLossJ = 1.0f;
LossResult rbf_map_loss(float* dy, const float* y, const uint8_t* labels, int N, int classes);

// Class probabilities for display: softmax of y (or of -y when `negate`, for RBF distances).
void softmax_rows(float* probs, const float* y, int N, int classes, bool negate);

}  // namespace lenet
