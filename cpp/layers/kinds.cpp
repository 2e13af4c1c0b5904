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

const char* const kActivations[] = {"sigmoid", "tanh", "scaled_tanh", "relu"};
const char* const kPoolings[] = {"avg", "max", "subsample"};
const char* const kOutputs[] = {"softmax", "mse", "rbf"};
const char* const kOptimizers[] = {"sgd", "momentum", "adam"};
const char* const kInits[] = {"lecun", "xavier", "he"};

}  // namespace

const char* to_string(Activation v) { return kActivations[static_cast<int>(v)]; }
const char* to_string(Pooling v) { return kPoolings[static_cast<int>(v)]; }
const char* to_string(Output v) { return kOutputs[static_cast<int>(v)]; }
const char* to_string(Optimizer v) { return kOptimizers[static_cast<int>(v)]; }
const char* to_string(Init v) { return kInits[static_cast<int>(v)]; }
Activation parse_activation(const std::string& s) { return parse_name<Activation>(s, kActivations, "activation"); }
Pooling parse_pooling(const std::string& s) { return parse_name<Pooling>(s, kPoolings, "pooling"); }
Output parse_output(const std::string& s) { return parse_name<Output>(s, kOutputs, "output"); }
Optimizer parse_optimizer(const std::string& s) { return parse_name<Optimizer>(s, kOptimizers, "optimizer"); }
Init parse_init(const std::string& s) { return parse_name<Init>(s, kInits, "init"); }

}  // namespace lenet
