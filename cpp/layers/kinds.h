// The kinds of layer, output, optimizer and initialisation a network can be built from, with the names
// they have in files, on the command line and in JavaScript. They belong to the layers (each layer is
// built for one kind); the network's configuration chooses among them.
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

// The names, by code (the order of each enum above).
extern const char* const kActivationNames[4];
extern const char* const kPoolingNames[3];
extern const char* const kOutputNames[3];
extern const char* const kOptimizerNames[3];
extern const char* const kInitNames[3];

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

}  // namespace lenet
