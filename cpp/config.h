// The network's configuration: a named struct (never rows of positional numbers), the three presets,
// and the names each option has in files, on the command line and in JavaScript.
#pragma once
#include <cstdint>
#include <string>

namespace lenet {

enum class Activation : uint8_t { sigmoid = 0, tanh = 1, scaled_tanh = 2, relu = 3 };
// avg: 2x2 mean; max: 2x2 max; subsample: the paper's trainable subsampling, per map
// a = beta * (sum of the 2x2 block) + b, followed by the activation (LeCun et al. 1998, section II-B).
enum class Pooling : uint8_t { avg = 0, max = 1, subsample = 2 };
// softmax: Linear(84,10) + softmax cross-entropy; mse: Linear(84,10) + mean squared error against one-hot
// targets; rbf: the paper's Euclidean RBF units with fixed +1/-1 codes and its loss, eq. (9).
enum class Output : uint8_t { softmax = 0, mse = 1, rbf = 2 };
enum class Optimizer : uint8_t { sgd = 0, momentum = 1, adam = 2 };
// lecun: uniform +-2.4/fan_in (the paper, appendix A); xavier: Glorot uniform; he: He uniform (ReLU).
enum class Init : uint8_t { lecun = 0, xavier = 1, he = 2 };

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

const char* to_string(Activation v);
const char* to_string(Pooling v);
const char* to_string(Output v);
const char* to_string(Optimizer v);
const char* to_string(Init v);
// Parse a name; throws lenet::Error naming the option and the allowed values.
Activation parse_activation(const std::string& s);
Pooling parse_pooling(const std::string& s);
Output parse_output(const std::string& s);
Optimizer parse_optimizer(const std::string& s);
Init parse_init(const std::string& s);

// Checks ranges (learning rate finite and > 0, batch size 1..65536, dropout in [0, 1), input 28 or 32,
// levels finite); throws lenet::Error naming the first bad field.
void validate(const Config& c);

}  // namespace lenet
