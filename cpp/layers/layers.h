// The layers of LeNet-5. Every layer has the same small protocol, so the network treats them alike: forward and
// backward over a batch, and its parameters as spans carved out of the network's one flat allocation.
// Backward ADDS into parameter gradients (zeroing is the network's explicit step) and OVERWRITES dx.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "base/common.h"
#include "layers/kinds.h"
#include "base/rng.h"

namespace lenet {

struct Shape3 {
  int c = 1, h = 1, w = 1;
  int size() const { return c * h * w; }
};

class Layer {
 public:
  virtual ~Layer() = default;
  Shape3 in, out;  // per sample
  // False while the network takes the gradient with respect to its input (saliency, adversarial
  // images): backward then computes dx only, which is about half the work of a full backward pass.
  bool param_grads = true;

  virtual size_t param_count() const { return 0; }
  // Carve this layer's parameters and gradients out of the flat arrays (each param_count() floats).
  virtual void bind(float* /*params*/, float* /*grads*/) {}
  virtual void init(Init /*rule*/, Rng& /*rng*/) {}
  // Weight and bias spans (empty for parameter-free layers); weights first.
  virtual std::vector<ParamSpan> params() { return {}; }
  // Called after every backward, before the optimizer: keeps structural zeros (the C3 table) at zero.
  virtual void mask_gradients() {}
  // Per-batch state (dropout masks) and scratch, sized for up to N samples.
  virtual void set_capacity(int /*N*/) {}
  virtual size_t scratch_floats(int /*N*/) const { return 0; }

  // shapes: y [N][out], x [N][in]
  virtual void forward(float* y, const float* x, int N, bool training, float* scratch) = 0;
  // shapes: dx [N][in] (nullptr: not needed), dy [N][out], y [N][out] (forward's output), x [N][in]
  virtual void backward(float* dx, const float* dy, const float* y, const float* x, int N, float* scratch) = 0;
};

// C1, C3: valid 5x5 convolution. `table` (optional) is the input-to-output connection table [OC][C]
// (1 = connected); absent connections have their weights held at zero.
std::unique_ptr<Layer> make_conv(Shape3 in, int out_maps, int kernel, const std::vector<uint8_t>& table = {});
// S2, S4: 2x2, stride 2.
std::unique_ptr<Layer> make_pool(Shape3 in, Pooling kind);
// C5 (on 16x5x5 it is a full convolution, i.e. a dense layer), F6, and the Linear(84, 10) output.
std::unique_ptr<Layer> make_dense(Shape3 in, int outputs);
std::unique_ptr<Layer> make_activation(Shape3 in, Activation kind);
// Inverted dropout: in training, zero with probability p and scale the rest by 1/(1-p); identity in eval.
std::unique_ptr<Layer> make_dropout(Shape3 in, float p, Rng* rng);
// The paper's output: y_i = sum_j (x_j - w_ij)^2 with fixed +1/-1 codes w_i from 7x12 digit bitmaps.
std::unique_ptr<Layer> make_rbf(Shape3 in);

// The paper's Table I: which S2 maps (columns 0..5) feed each C3 map (rows 0..15).
const std::vector<uint8_t>& c3_connection_table();
// The RBF prototypes, [10][84] of +1/-1.
const std::vector<float>& rbf_prototypes();

}  // namespace lenet
