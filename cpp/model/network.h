// LeNet-5 (LeCun, Bottou, Bengio, Haffner 1998, "Gradient-Based Learning Applied to Document Recognition"):
//   INPUT 1@32x32 -> C1 6@28x28 -> S2 6@14x14 -> C3 16@10x10 -> S4 16@5x5 -> C5 120 -> F6 84 -> OUTPUT 10
// The public face of the engine: build from a Config, train on batches, predict, look inside, save and load.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/common.h"
#include "model/config.h"

namespace lenet {

// The paper's layer names. Activations and dropout belong to the layer before them.
enum class LayerId : uint8_t { C1 = 0, S2 = 1, C3 = 2, S4 = 3, C5 = 4, F6 = 5, OUTPUT = 6 };
constexpr int kLayerCount = 7;
const char* to_string(LayerId id);
LayerId parse_layer(const std::string& name);  // "C1".."OUTPUT" (case-insensitive); throws Error

struct TrainStats {
  float loss = 0;   // mean loss over the batch
  int correct = 0;  // argmax hits in the batch (training mode)
  int count = 0;    // batch size
};

struct EvalStats {
  float loss = 0;      // mean loss
  float accuracy = 0;  // correct / count, in [0, 1]
  int correct = 0;
  int count = 0;
};

struct AdversarialResult {
  std::vector<float> image;          // side x side, in [0, 1]
  std::vector<float> probabilities;  // predict()'s probabilities for it
  int steps = 0;                     // gradient steps taken
  bool success = false;              // classified as the target
};

// A copied tensor (shape outermost first), for feature maps and weights.
struct Tensor {
  std::vector<int> shape;
  std::vector<float> data;
};

// Thrown by train_batch when training diverges (NaN or infinity in the loss, gradient or weights, an
// exploding loss, or weights running away; model/divergence_guard.cpp has the rules). The weights and the
// optimizer state are already back to the last state whose loss was sane, which may be several steps back.
struct DivergenceError : Error {
  using Error::Error;
};

class Network {
 public:
  explicit Network(const Config& config);  // validates, then initialises weights from config.seed
  ~Network();
  Network(Network&&) noexcept;
  Network& operator=(Network&&) noexcept;
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  const Config& config() const;
  int classes() const { return config().classes; }
  // What each class is called: set_class_names(), or a model file's names; else "0", "1", ... (the digits).
  std::vector<std::string> class_names() const;
  // As many names as classes, each 1..32 bytes of printable UTF-8, all different; throws Error otherwise.
  void set_class_names(const std::vector<std::string>& names);
  // Transfer learning to new classes: a network for `names` (2..64 of them) with this network's C1 to F6
  // and a fresh output layer (initialised from `seed`), no optimizer history, C1 to F6 frozen when
  // freeze_features (else everything trains). The RBF output's fixed codes are the ten digits, so an RBF
  // network (lecun1998) cannot take new classes: Error.
  Network with_classes(const std::vector<std::string>& names, bool freeze_features, uint32_t seed) const;
  int input_size() const { return config().input_size; }
  int input_pixels() const { return input_size() * input_size(); }

  // Images: n square images of side x side floats in [0, 1] (0 = background, 1 = ink; mapped to the
  // configured background/ink levels inside), row-major. Every network takes side 28 (placed centred in
  // its 32x32 field with a 2 px border) and side 32, whatever its input size; side 0 means input_size().
  //
  // labels: n values in 0..9. Runs forward, loss, backward and one optimizer step on the trainable
  // (unfrozen) layers. Throws Error on bad arguments (nothing changes) and DivergenceError (the last sane state restored: lower the learning rate and train on).
  TrainStats train_batch(const float* images, const uint8_t* labels, int n, int side = 0);
  // Eval mode (no dropout). probs, if given, receives [n][10] class probabilities.
  EvalStats evaluate(const float* images, const uint8_t* labels, int n, float* probs = nullptr, int side = 0);
  // probs: [n][10] class probabilities (softmax of the logits; for RBF, softmax of minus the distances).
  void predict(float* probs, const float* images, int n, int side = 0);

  // Explaining a decision: d log p(target) / d image for one image (values in [0, 1], side 28 or 32 as
  // above; p is predict()'s probability), by the backward pass in eval mode (no dropout) down to the
  // input, with no parameter gradients. out: out_side x out_side floats (0: the image's side; a 32x32
  // gradient of a 28x28 image covers the border too). Throws Error on a bad image or class.
  void input_gradient(float* out, const float* image, int target, int side = 0, int out_side = 0);
  // An image close to `image` that the network classifies as `target`: steps up the gradient of
  // log p(target) (no pixel moves by more than step_size per step, values stay in [0, 1]), stopping at the
  // first success or after max_steps (1..10000).
  AdversarialResult adversarial(const float* image, int target, int max_steps, float step_size, int side = 0);

  // The activations of the first image of the last forward pass, after the layer's activation:
  // C1 [6][28][28], S2 [6][14][14], C3 [16][10][10], S4 [16][5][5], C5 [120], F6 [84], OUTPUT [10]
  // (OUTPUT: logits, or RBF distances). Empty shape before any forward pass.
  Tensor feature_map(LayerId id) const;
  // Trainable weights: C1 [6][1][5][5], C3 [16][6][5][5], C5 [120][400], F6 [84][120], OUTPUT [10][84]
  // (RBF: the fixed prototypes), S2/S4 [maps][2] (beta, bias) for trainable subsampling, else empty.
  Tensor weights(LayerId id) const;
  Tensor biases(LayerId id) const;

  // Frozen layers keep their parameters (transfer learning: train the classifier on fixed features).
  void set_frozen(LayerId id, bool frozen);
  bool frozen(LayerId id) const;
  void set_learning_rate(float lr);  // throws Error unless finite and > 0
  // Data-parallel training on `threads` threads (1 = the calling thread only, the default): each takes a
  // contiguous part of the batch on its own replica of the network, and the gradients are averaged by
  // part size before the one optimizer step, so the step is the same one up to float rounding (dropout
  // draws from one random stream per part). Evaluation and prediction of many images split the same way
  // (same results). Throws Error when threads < 1, above max_threads(), or >1 in a build without threads,
  // or when the threads cannot start (the network is then back on one thread).
  void set_threads(int threads);
  int threads() const;
  // The most threads set_threads accepts here: 1 in the default WebAssembly build, the cores (<= its pool
  // plus one) in the threaded one, 8 natively whatever the cores (threads beyond them take turns).
  static int max_threads();
  int64_t steps() const;             // optimizer steps taken

  // The versioned model file (see models/README.md): configuration, weights, checksum. Optimizer state
  // is not saved.
  // float16: the parameters stored as IEEE half precision (a file half the size; version 2).
  std::vector<uint8_t> save(bool float16 = false) const;
  // Validates everything (magic, version, sizes, configuration and its reserved bytes, checksum, finite
  // weights, zeros where the C3 table leaves a connection out) before building;
  // throws Error saying what is wrong.
  static Network load(const uint8_t* data, size_t size);

  // For tests and tools: every parameter tensor with its gradient, in a fixed order, frozen or not.
  std::vector<ParamSpan> parameters();
  size_t parameter_count() const;
  // Forward (training mode: dropout active), loss, and backward into zeroed gradients; no optimizer step.
  float loss_and_gradients(const float* images, const uint8_t* labels, int n, int side = 0);
  // Forward in eval mode and the mean loss, no gradients.
  float loss(const float* images, const uint8_t* labels, int n, int side = 0);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lenet
