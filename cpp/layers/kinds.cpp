#include "layers/kinds.h"

#include "base/common.h"

namespace lenet {

namespace {

template <typename E, size_t Count>
E parse_name(const std::string& s, const char* const (&names)[Count], const char* option) {
  for (size_t i = 0; i < Count; ++i)
    if (s == names[i]) return static_cast<E>(i);
  std::string allowed;
  for (size_t i = 0; i < Count; ++i) allowed += (i ? ", " : "") + std::string(names[i]);
  throw Error(std::string("unknown ") + option + " '" + s + "' (allowed: " + allowed + ")");
}

}  // namespace

const char* const kActivationNames[4] = {"sigmoid", "tanh", "scaled_tanh", "relu"};
const char* const kPoolingNames[3] = {"avg", "max", "subsample"};
const char* const kOutputNames[3] = {"softmax", "mse", "rbf"};
const char* const kOptimizerNames[3] = {"sgd", "momentum", "adam"};
const char* const kInitNames[3] = {"lecun", "xavier", "he"};

const char* to_string(Activation v) { return kActivationNames[static_cast<int>(v)]; }
const char* to_string(Pooling v) { return kPoolingNames[static_cast<int>(v)]; }
const char* to_string(Output v) { return kOutputNames[static_cast<int>(v)]; }
const char* to_string(Optimizer v) { return kOptimizerNames[static_cast<int>(v)]; }
const char* to_string(Init v) { return kInitNames[static_cast<int>(v)]; }
Activation parse_activation(const std::string& s) { return parse_name<Activation>(s, kActivationNames, "activation"); }
Pooling parse_pooling(const std::string& s) { return parse_name<Pooling>(s, kPoolingNames, "pooling"); }
Output parse_output(const std::string& s) { return parse_name<Output>(s, kOutputNames, "output"); }
Optimizer parse_optimizer(const std::string& s) { return parse_name<Optimizer>(s, kOptimizerNames, "optimizer"); }
Init parse_init(const std::string& s) { return parse_name<Init>(s, kInitNames, "init"); }

}  // namespace lenet
