// The network's configuration: a named struct (never rows of positional numbers), the three presets,
// and the names each option has in files, on the command line and in JavaScript.
#pragma once
#include <cstdint>
#include <string>

#include "layers/kinds.h"

namespace lenet {

struct Config {
  Activation activation = Activation::relu;
  Pooling pooling = Pooling::max;
  Output output = Output::softmax;
  bool c3_table = false;  // the paper's partial C3 connection table (Table I) instead of full connection
  Optimizer optimizer = Optimizer::adam;
  Init init = Init::he;
  float learning_rate = 0.001f;
  int batch_size = 128;
  float dropout = 0.5f;     // drop probability before the output layer (F6's activations); 0 = off
  int input_size = 28;      // 28: the image is padded by 2 on each side to 32x32; 32: used as is
  float background = 0.0f;  // input level of a blank pixel
  float ink = 1.0f;         // input level of a fully inked pixel
  float momentum = 0.9f;    // for Optimizer::momentum
  float beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f;  // for Optimizer::adam
  float weight_decay = 0.0f;
  uint32_t seed = 1;
};

// Names: "modern", "classic", "lecun1998". Throws lenet::Error on an unknown name.
Config preset(const std::string& name);
// The preset a configuration matches (ignoring the seed and the learning rate, which schedules change),
// or "custom".
std::string preset_name(const Config& c);

// Checks ranges (learning rate finite and > 0, batch size 1..65536, dropout in [0, 1), input 28 or 32,
// levels finite); throws lenet::Error naming the first bad field.
void validate(const Config& c);

}  // namespace lenet
