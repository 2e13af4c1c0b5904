#include "model/config.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <type_traits>

#include "base/common.h"

namespace lenet {

const char* const kPresetNames[kPresetCount] = {"modern", "classic", "lecun1998"};

namespace {

template <typename T>
double to_double(T v) {
  if constexpr (std::is_enum_v<T>) return static_cast<double>(static_cast<int>(v));
  else return static_cast<double>(v);
}
template <typename T>
T from_double(double v) {
  if constexpr (std::is_enum_v<T>) return static_cast<T>(static_cast<int>(v));
  else if constexpr (std::is_same_v<T, bool>) return v != 0;
  else return static_cast<T>(v);
}

// The getter and setter of a Config member, for the table (the one place that knows the member's C++ type).
#define LENET_MEMBER(m) \
  [](const Config& c) { return to_double(c.m); }, [](Config& c, double v) { c.m = from_double<decltype(c.m)>(v); }

template <size_t N>
std::vector<const char*> names(const char* const (&list)[N]) {
  return {list, list + N};
}

// Presets, column by column: modern | classic | lecun1998.
// - modern: the usual modern variant: ReLU, max pooling, softmax + cross-entropy, Adam lr 0.001,
//   Dropout(0.5), 28x28 input.
// - classic: the sigmoid LeNet-5 as usually written in PyTorch (tests/parity/torch_lenet.py): sigmoid, average pooling, full C3, Linear(84, 10),
//   cross-entropy, 32x32. Four stacked sigmoids barely pass a gradient: with Adam at 0.001, or with Glorot
//   initialisation, it stays near chance for a whole pass; the specified initial learning rate 0.01 with
//   Adam and He-uniform initialisation learns (docs/training.md has the measurements).
// - lecun1998: LeCun et al. 1998: scaled tanh (appendix A), trainable subsampling (II-B), the C3 table
//   (Table I), RBF output with its loss (eq. 9), inputs with background -0.1 and ink 1.175 (II-B), uniform
//   +-2.4/fan-in initialisation (appendix A). The paper trained with stochastic diagonal Levenberg-Marquardt;
//   Adam stands in for it, at 0.003, which learns about twice as far in a first pass as 0.001.
// file_offset: the version-1 configuration block (docs/model-format.md); bytes no field covers are reserved, zero.
const std::vector<ConfigField>& table() {
  using F = FieldType;
  static const std::vector<ConfigField> fields = {
      {"activation", "activation", F::choice, "sigmoid, tanh, scaled_tanh or relu", 0, 3, false, false, {},
       names(kActivationNames), {3, 0, 2}, 0, 1, true, "the squashing function after C1, C3, C5 and F6",
       LENET_MEMBER(activation)},
      {"pooling", "pooling", F::choice, "avg, max or subsample", 0, 2, false, false, {}, names(kPoolingNames),
       {1, 0, 2}, 1, 1, true, "S2 and S4: 2x2 mean, 2x2 max, or the paper's trainable subsampling",
       LENET_MEMBER(pooling)},
      {"output", "output", F::choice, "softmax, mse or rbf", 0, 2, false, false, {}, names(kOutputNames),
       {0, 0, 2}, 2, 1, true, "the output layer and loss: softmax cross-entropy, MSE on one-hot, the paper's RBF",
       LENET_MEMBER(output)},
      {"c3Table", "c3-table", F::flag, "true or false", 0, 1, false, false, {}, {}, {0, 0, 1}, 3, 1, true,
       "connect C3 to S2 by the paper's Table I instead of fully", LENET_MEMBER(c3_table)},
      {"optimizer", "optimizer", F::choice, "sgd, momentum or adam", 0, 2, false, false, {},
       names(kOptimizerNames), {2, 2, 2}, 4, 1, true, "the optimizer", LENET_MEMBER(optimizer)},
      {"init", "init", F::choice, "lecun, xavier or he", 0, 2, false, false, {}, names(kInitNames), {2, 2, 0}, 5, 1,
       true, "weight initialisation: uniform +-2.4/fan-in, Glorot uniform, He uniform", LENET_MEMBER(init)},
      {"learningRate", "lr", F::real, "a finite number > 0", 0, 1e6, true, false, {}, {}, {0.001, 0.01, 0.003}, 8, 1,
       false, "the learning rate", LENET_MEMBER(learning_rate)},
      {"batchSize", "batch", F::integer, "1..65536", 1, 65536, false, false, {}, {}, {128, 128, 128}, 12, 1, true,
       "images per optimizer step", LENET_MEMBER(batch_size)},
      {"dropout", "dropout", F::real, "in [0, 1)", 0, 1, false, true, {}, {}, {0.5, 0, 0}, 16, 1, true,
       "drop probability of F6's activations in training (0: off)", LENET_MEMBER(dropout)},
      {"inputSize", "input", F::integer, "28 or 32", 28, 32, false, false, {28, 32}, {}, {28, 32, 32}, 20, 1, true,
       "the side of the images the network is made for (28 is placed in 32x32 with a 2 px border)",
       LENET_MEMBER(input_size)},
      {"background", "background", F::real, "a finite number in [-100, 100]", -100, 100, false, false, {}, {},
       {0, 0, -0.1}, 24, 1, true, "the input level of a blank pixel", LENET_MEMBER(background)},
      {"ink", "ink", F::real, "a finite number in [-100, 100]", -100, 100, false, false, {}, {}, {1, 1, 1.175}, 28, 1,
       true, "the input level of a fully inked pixel", LENET_MEMBER(ink)},
      {"momentum", "momentum", F::real, "in [0, 1)", 0, 1, false, true, {}, {}, {0.9, 0.9, 0.9}, 32, 1, true,
       "momentum (optimizer momentum)", LENET_MEMBER(momentum)},
      {"beta1", "beta1", F::real, "in [0, 1)", 0, 1, false, true, {}, {}, {0.9, 0.9, 0.9}, 36, 1, true,
       "Adam's first-moment decay", LENET_MEMBER(beta1)},
      {"beta2", "beta2", F::real, "in [0, 1)", 0, 1, false, true, {}, {}, {0.999, 0.999, 0.999}, 40, 1, true,
       "Adam's second-moment decay", LENET_MEMBER(beta2)},
      {"epsilon", "epsilon", F::real, "in (0, 1]", 0, 1, true, false, {}, {}, {1e-8, 1e-8, 1e-8}, 44, 1, true,
       "Adam's epsilon", LENET_MEMBER(epsilon)},
      {"weightDecay", "weight-decay", F::real, "in [0, 1]", 0, 1, false, false, {}, {}, {0, 0, 0}, 48, 1, true,
       "L2 weight decay, added to the gradient", LENET_MEMBER(weight_decay)},
      {"seed", "seed", F::integer, "an integer 0..4294967295", 0, 4294967295.0, false, false, {}, {}, {1, 1, 1}, 52, 1,
       false, "the initial weights and the dropout stream (and, in training sessions, the order of the batches)",
       LENET_MEMBER(seed)},
      {"classes", "classes", F::integer, "2..64", 2, 64, false, false, {}, {}, {10, 10, 10}, 56, 2, true,
       "output classes (the RBF output keeps its ten digit codes)", LENET_MEMBER(classes)},
  };
  return fields;
}

#undef LENET_MEMBER

// The shortest decimal that reads back to the same float32 (0.001, not 0.0010000000474974513).
std::string short_float(double v) {
  const float f = static_cast<float>(v);
  char buf[32];
  for (int digits = 1; digits <= 9; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, static_cast<double>(f));
    if (std::strtof(buf, nullptr) == f) break;
  }
  return buf;
}

}  // namespace

const std::vector<ConfigField>& config_fields() { return table(); }

const ConfigField* field_by_key(const std::string& key) {
  for (const ConfigField& f : table())
    if (key == f.key) return &f;
  return nullptr;
}

const ConfigField* field_by_flag(const std::string& flag) {
  for (const ConfigField& f : table())
    if (flag == f.flag) return &f;
  return nullptr;
}

void check_field(const ConfigField& f, double v) {
  bool ok = std::isfinite(v);
  if (ok && f.type != FieldType::real) ok = v == std::floor(v);
  if (ok) ok = (f.lo_open ? v > f.lo : v >= f.lo) && (f.hi_open ? v < f.hi : v <= f.hi);
  if (ok && !f.values.empty()) {
    ok = false;
    for (int allowed : f.values) ok = ok || v == allowed;
  }
  if (!ok) throw Error(std::string(f.key) + " must be " + f.rule);
}

std::string field_text(const ConfigField& f, const Config& c) {
  const double v = f.get(c);
  switch (f.type) {
    case FieldType::choice: return f.choices[static_cast<size_t>(v)];
    case FieldType::flag: return v != 0 ? "true" : "false";
    case FieldType::integer: {
      char buf[24];
      std::snprintf(buf, sizeof buf, "%.0f", v);
      return buf;
    }
    case FieldType::real: return short_float(v);
  }
  return "";
}

void set_field_text(const ConfigField& f, Config& c, const std::string& text) {
  double v = 0;
  if (f.type == FieldType::choice) {
    size_t i = 0;
    while (i < f.choices.size() && text != f.choices[i]) ++i;
    if (i == f.choices.size()) {
      std::string allowed;
      for (const char* name : f.choices) allowed += (allowed.empty() ? "" : ", ") + std::string(name);
      throw Error("unknown " + std::string(f.key) + " '" + text + "' (allowed: " + allowed + ")");
    }
    v = static_cast<double>(i);
  } else if (f.type == FieldType::flag) {
    if (text == "true" || text == "1") v = 1;
    else if (text == "false" || text == "0") v = 0;
    else throw Error(std::string(f.key) + " must be " + f.rule + ", not '" + text + "'");
  } else {
    char* end = nullptr;
    v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0') throw Error(std::string(f.key) + " must be " + f.rule + ", not '" + text + "'");
  }
  check_field(f, v);
  f.set(c, v);
}

Config preset(const std::string& name) {
  for (int p = 0; p < kPresetCount; ++p) {
    if (name != kPresetNames[p]) continue;
    Config c;
    for (const ConfigField& f : table()) f.set(c, f.defaults[p]);
    return c;
  }
  throw Error("unknown preset '" + name + "' (allowed: modern, classic, lecun1998)");
}

// A preset names an architecture and its training recipe; the seed and the current learning rate (which
// schedules and set_learning_rate change) do not make a network "custom".
std::string preset_name(const Config& c) {
  for (const char* name : kPresetNames) {
    const Config p = preset(name);
    bool same = true;
    for (const ConfigField& f : table())
      if (f.in_recipe && f.get(p) != f.get(c)) same = false;
    if (same) return name;
  }
  return "custom";
}

void validate(const Config& c) {
  try {
    for (const ConfigField& f : table()) check_field(f, f.get(c));
    if (c.background == c.ink) throw Error("background and ink must be distinct levels");
    if (c.output == Output::rbf && c.classes != 10)
      throw Error("classes must be 10 with the rbf output (its fixed codes are the ten digits)");
  } catch (const Error& e) {
    throw Error(std::string("invalid configuration: ") + e.what());
  }
}

}  // namespace lenet
