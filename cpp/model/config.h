// The network's configuration: a named struct (never rows of positional numbers), the three presets,
// and one table that says, for every field, its names (C++, JavaScript and JSON, command line), its type,
// its allowed values, its default in each preset and its place in the model file. Validation, presets,
// the model file's configuration block, JSON, the command-line flags and the JavaScript options are all
// read off that table (config_fields()), so a new field is one row, not a dozen edits.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "layers/kinds.h"

namespace lenet {

constexpr int kMaxClasses = 64;  // the most output classes a network has

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
  int input_size = 28;      // the side of the images the network is made for: 28 (placed in the 32x32
                            // field with a 2 px border, as LeCun et al. padded MNIST) or 32
  float background = 0.0f;  // input level of a blank pixel
  float ink = 1.0f;         // input level of a fully inked pixel
  float momentum = 0.9f;    // for Optimizer::momentum
  float beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f;  // for Optimizer::adam
  float weight_decay = 0.0f;
  uint32_t seed = 1;
  int classes = 10;  // output classes; the RBF output keeps its ten digit codes (classes 10)
};

// The presets, in the order of ConfigField::defaults.
constexpr int kPresetCount = 3;
extern const char* const kPresetNames[kPresetCount];  // "modern", "classic", "lecun1998"

enum class FieldType : uint8_t {
  choice,   // one of `choices` (an enum); JSON/JS: its name; file: one byte, the code
  flag,     // true or false; JSON/JS: a boolean; file: one byte, 0 or 1
  integer,  // a whole number in [lo, hi] (or one of `values`); file: uint32
  real,     // a finite number in the range; file: float32
};

struct ConfigField {
  const char* key;   // JavaScript, JSON and error messages: "learningRate"
  const char* flag;  // the command line: "lr" for --lr
  FieldType type;
  const char* rule;  // what the allowed values are, as messages and help say them: "a finite number > 0"
  double lo, hi;     // the range (choice: codes 0..count-1; flag: 0..1)
  bool lo_open, hi_open;
  std::vector<int> values;               // integer: if not empty, the only allowed values
  std::vector<const char*> choices;      // choice: the names, by code
  double defaults[kPresetCount];         // the value in each preset
  uint8_t file_offset;                   // byte offset in the model file's configuration block
  uint8_t since_version;                 // the model-file version that first stores it (before: the default)
  bool in_recipe;                        // whether it is part of what makes a preset (seed, rate: no)
  const char* help;                      // one line for --help and the API reference
  double (*get)(const Config&);
  void (*set)(Config&, double);
};

// Every field, in the order JSON and the API show them.
const std::vector<ConfigField>& config_fields();
// The field of a JavaScript/JSON key or a command-line flag, or nullptr.
const ConfigField* field_by_key(const std::string& key);
const ConfigField* field_by_flag(const std::string& flag);

// Checks one value against its field (type, range, allowed values); throws Error "<key> must be <rule>".
void check_field(const ConfigField& f, double value);
// The value of a field as text: a choice's name, "true"/"false", or the number (floats as the shortest
// decimal that reads back to the same float32).
std::string field_text(const ConfigField& f, const Config& c);
// Sets a field from text as the command line and JSON give it: a choice's name, true/false/1/0, a number.
// Throws Error naming the key and the rule.
void set_field_text(const ConfigField& f, Config& c, const std::string& text);

// Names: "modern", "classic", "lecun1998". Throws lenet::Error on an unknown name.
Config preset(const std::string& name);
// The preset a configuration matches (ignoring the seed and the learning rate, which schedules change),
// or "custom".
std::string preset_name(const Config& c);

// Checks every field against the table, then the rules between fields; throws lenet::Error
// "invalid configuration: <key> must be <rule>" for the first bad one.
void validate(const Config& c);

}  // namespace lenet
