// The Embind glue: the only file that knows about JavaScript. Coarse calls only: whole batches and whole
// images cross the boundary, through one staging buffer that web/lenet.js fills with a single
// TypedArray.set() and copies out of at once (heap views detach when memory grows). Errors never cross as
// C++ exceptions: every call returns either its result or { error, name }, and lenet.js throws the Error.
#include <emscripten/bind.h>
#include <emscripten/emscripten.h>
#include <emscripten/heap.h>
#include <emscripten/val.h>
#include <malloc.h>

#include <memory>
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "model/network.h"
#include "layers/layers.h"
#include "model/session.h"
#include "data/preprocess.h"

using emscripten::val;

namespace lenet {
namespace {

// The configuration as JavaScript sees it: a plain object whose keys, types and values come from the
// configuration table (model/config.h), plus `preset`, the preset it matches.
val config_to_js(const Config& c) {
  val out = val::object();
  out.set("preset", preset_name(c));
  for (const ConfigField& f : config_fields()) {
    if (f.type == FieldType::choice) out.set(f.key, field_text(f, c));
    else if (f.type == FieldType::flag) out.set(f.key, f.get(c) != 0);
    else out.set(f.key, std::stod(field_text(f, c)));  // float32 fields as the decimal they were set from
  }
  return out;
}

const char* js_type(FieldType t) {
  return t == FieldType::choice ? "string" : t == FieldType::flag ? "boolean" : "number";
}

// lenet.create()'s options: a preset, then any field by its key. Unknown keys, wrong types and values out
// of range are refused with the key's name.
Config config_from_js(const val& options) {
  if (!options.isUndefined() && !options.isNull() && options.typeOf().as<std::string>() != "object")
    throw Error("create() takes an options object");
  const bool none = options.isUndefined() || options.isNull();
  const val preset_value = none ? val::undefined() : options["preset"];
  std::string preset_key = "modern";
  if (!preset_value.isUndefined()) {
    if (preset_value.typeOf().as<std::string>() != "string") throw Error("option preset must be a string");
    preset_key = preset_value.as<std::string>();
  }
  Config c = preset(preset_key);
  if (none) return c;
  const val keys = val::global("Object").call<val>("keys", options);
  const int count = keys["length"].as<int>();
  for (int i = 0; i < count; ++i) {
    const std::string key = keys[i].as<std::string>();
    if (key == "preset") continue;
    const ConfigField* f = field_by_key(key);
    if (!f) {
      std::string allowed = "preset";
      for (const ConfigField& g : config_fields()) allowed += std::string(", ") + g.key;
      throw Error("unknown option '" + key + "' (allowed: " + allowed + ")");
    }
    const val v = options[key];
    if (v.isUndefined()) continue;
    const std::string type = v.typeOf().as<std::string>();
    if (type != js_type(f->type))
      throw Error("option " + key + " must be a " + js_type(f->type) + ", not " + type);
    if (f->type == FieldType::choice) set_field_text(*f, c, v.as<std::string>());
    else if (f->type == FieldType::flag) f->set(c, v.as<bool>() ? 1 : 0);
    else {
      const double number = v.as<double>();
      check_field(*f, number);
      f->set(c, number);
    }
  }
  validate(c);
  return c;
}

// The table itself, for lenet.js (option checks, documentation) and the tests that hold lenet.d.ts to it.
val config_fields_js() {
  val out = val::array();
  for (const ConfigField& f : config_fields()) {
    val d = val::object();
    d.set("key", std::string(f.key));
    d.set("flag", std::string(f.flag));
    d.set("type", std::string(f.type == FieldType::choice    ? "choice"
                               : f.type == FieldType::flag   ? "flag"
                               : f.type == FieldType::integer ? "integer"
                                                             : "real"));
    d.set("rule", std::string(f.rule));
    d.set("help", std::string(f.help));
    val choices = val::array();
    for (const char* name : f.choices) choices.call<void>("push", std::string(name));
    d.set("choices", choices);
    val values = val::array();
    for (int v : f.values) values.call<void>("push", v);
    d.set("values", values);
    d.set("inRecipe", f.in_recipe);
    val defaults = val::object();
    for (int p = 0; p < kPresetCount; ++p) defaults.set(kPresetNames[p], config_to_js(preset(kPresetNames[p]))[f.key]);
    d.set("defaults", defaults);
    out.call<void>("push", d);
  }
  return out;
}

val error_result(const std::exception& e) {
  val r = val::object();
  r.set("error", std::string(e.what()));
  r.set("name", std::string(dynamic_cast<const DivergenceError*>(&e) ? "DivergenceError" : "Error"));
  return r;
}

template <typename F>
val guarded(F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    return error_result(e);
  }
}

// The drawing calls' form of guarded(): plain numbers across the boundary, no JS object per call (each
// Embind view or object costs microseconds, a visible share of a drawing's classification). f returns its status (>= 0); an exception
// becomes -1 with its error_result kept in `error` for lastError().
template <typename F>
int guarded_status(val& error, F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    error = error_result(e);
    return -1;
  }
}

val tensor_to_js(const Tensor& t, std::vector<float>& out_buffer) {
  out_buffer = t.data;
  val shape = val::array();
  for (int d : t.shape) shape.call<void>("push", d);
  val r = val::object();
  r.set("shape", shape);
  r.set("data", val(emscripten::typed_memory_view(out_buffer.size(), out_buffer.data())));
  return r;
}

// A JavaScript array of strings (lenet.js has checked the types).
std::vector<std::string> strings_from_js(const val& list) {
  std::vector<std::string> out;
  const int n = list["length"].as<int>();
  for (int i = 0; i < n; ++i) out.push_back(list[i].as<std::string>());
  return out;
}

// A training session's options from JavaScript (lenet.js has checked the types).
SessionOptions session_options_from_js(const val& o) {
  SessionOptions s;
  auto number = [&](const char* key, double fallback) {
    const val v = o[key];
    return v.isUndefined() ? fallback : v.as<double>();
  };
  auto flag = [&](const char* key, bool fallback) {
    const val v = o[key];
    return v.isUndefined() ? fallback : v.as<bool>();
  };
  s.epochs = static_cast<int>(number("epochs", s.epochs));
  s.seed = static_cast<uint32_t>(number("seed", s.seed));
  s.shuffle = flag("shuffle", s.shuffle);
  s.drop_last = flag("dropLast", s.drop_last);
  // augment: true (the default ranges) or { shift, degrees, scale, stroke }
  const val augment = o["augment"];
  if (!augment.isUndefined()) {
    if (augment.typeOf().as<std::string>() == "boolean") {
      s.augment = augment.as<bool>();
    } else {
      s.augment = true;
      auto range = [&](const char* key, float fallback) {
        const val v = augment[key];
        return v.isUndefined() ? fallback : v.as<float>();
      };
      s.augmentation.shift = range("shift", s.augmentation.shift);
      s.augmentation.degrees = range("degrees", s.augmentation.degrees);
      s.augmentation.scale = range("scale", s.augmentation.scale);
      s.augmentation.stroke = range("stroke", s.augmentation.stroke);
    }
  }
  const std::string schedule = o["schedule"].isUndefined() ? "constant" : o["schedule"].as<std::string>();
  if (schedule == "constant") s.schedule = ScheduleKind::constant;
  else if (schedule == "linear") s.schedule = ScheduleKind::linear;
  else if (schedule == "epoch") s.schedule = ScheduleKind::epoch;
  else throw Error("unknown schedule '" + schedule + "' (allowed: constant, linear, epoch)");
  s.decay = static_cast<float>(number("decay", s.decay));
  s.warmup = static_cast<int>(number("warmup", s.warmup));
  s.evals_per_epoch = static_cast<int>(number("evalsPerEpoch", s.evals_per_epoch));
  s.eval_limit = static_cast<int>(number("evalLimit", s.eval_limit));
  return s;
}

val eval_to_js(const EvalStats& e) {
  val r = val::object();
  r.set("accuracy", e.accuracy);
  r.set("loss", e.loss);
  r.set("correct", e.correct);
  r.set("count", e.count);
  return r;
}

val report_to_js(const SessionReport& s) {
  val r = val::object();
  r.set("steps", static_cast<double>(s.steps));
  r.set("epoch", s.epoch);
  r.set("done", s.done);
  r.set("perEpoch", s.per_epoch);
  r.set("fraction", s.fraction);
  r.set("loss", s.loss);
  r.set("correct", s.correct);
  r.set("samples", s.samples);
  r.set("learningRate", s.learning_rate);
  r.set("epochEnd", s.epoch_end);
  r.set("finished", s.finished);
  if (s.evaluated) {
    val h = eval_to_js(s.held_out);
    h.set("full", s.full);
    if (s.predicted) h.set("predicted", val(emscripten::typed_memory_view(s.predicted->size(), s.predicted->data())));
    r.set("heldOut", h);
  }
  return r;
}

// Staging memory shared by a handle and lenet.js: input views are filled at once, output views copied at
// once, and no C++ call runs between handing out a view and using it.
struct Staging {
  std::vector<float, CacheAligned<float>> f32;
  std::vector<uint8_t, CacheAligned<uint8_t>> u8;  // a drawing's rows are read 64 bytes at a time
  std::vector<uint8_t> labels;
  std::vector<float> out;
  std::vector<uint8_t> bytes_out;

  val f32_input(int count) {
    f32.resize(static_cast<size_t>(std::max(count, 0)));
    return val(emscripten::typed_memory_view(f32.size(), f32.data()));
  }
  val u8_input(int count) {
    u8.resize(static_cast<size_t>(std::max(count, 0)));
    return val(emscripten::typed_memory_view(u8.size(), u8.data()));
  }
  val label_input(int count) {
    labels.resize(static_cast<size_t>(std::max(count, 0)));
    return val(emscripten::typed_memory_view(labels.size(), labels.data()));
  }
  // The staged images as [0, 1] floats: bytes are scaled by 1/255 (255 = ink).
  const float* images(int n, int pixels, bool bytes) {
    const size_t want = static_cast<size_t>(n) * pixels;
    if (bytes) {
      if (u8.size() != want) throw Error("images: " + std::to_string(u8.size()) + " values for " + std::to_string(n) +
                                         " image(s) of " + std::to_string(pixels) + " pixels (expected " +
                                         std::to_string(want) + ")");
      f32.resize(want);
      for (size_t i = 0; i < want; ++i) f32[i] = u8[i] / 255.0f;  // as the native tool does
    } else if (f32.size() != want) {
      throw Error("images: " + std::to_string(f32.size()) + " values for " + std::to_string(n) + " image(s) of " +
                  std::to_string(pixels) + " pixels (expected " + std::to_string(want) + ")");
    }
    return f32.data();
  }
  // The staged RGBA or gray drawing (u8) preprocessed into f32 (side x side); false for an empty drawing.
  bool drawing_to_f32(int width, int height, int channels, int side) {
    if (width < 1 || height < 1 || static_cast<size_t>(width) * height * channels != u8.size())
      throw Error("drawing: " + std::to_string(u8.size()) + " bytes do not make a " + std::to_string(width) + "x" +
                  std::to_string(height) + " image with " + std::to_string(channels) + " channel(s)");
    Bitmap bm;
    bm.pixels = u8.data();
    bm.width = width;
    bm.height = height;
    bm.channels = channels;
    f32.resize(static_cast<size_t>(side) * side);  // preprocess_drawing writes all of it (or reports empty)
    return preprocess_drawing(f32.data(), bm, side);
  }
  // Sizes the byte staging for a drawing and returns its address (JS copies the drawing in through HEAPU8).
  uintptr_t stage_u8(int count) {
    u8.resize(static_cast<size_t>(std::max(count, 0)));
    return reinterpret_cast<uintptr_t>(u8.data());
  }
  // A big drawing's staging bytes go back to malloc once used (wasm memory itself never shrinks).
  void release_big_u8() {
    if (u8.capacity() > (1u << 20)) decltype(u8)().swap(u8);
  }
  const uint8_t* label_data(int n) {
    if (labels.size() != static_cast<size_t>(n))
      throw Error("labels: " + std::to_string(labels.size()) + " labels for " + std::to_string(n) + " image(s)");
    return labels.data();
  }
};

class NetworkHandle {
 public:
  val init(const val& options) {
    return guarded([&] {
      auto built = std::make_unique<Network>(config_from_js(options));
      session_.reset();
      net_ = std::move(built);
      return val::object();
    });
  }
  // Builds from the staged model bytes; the previous network (if any) is replaced only on success.
  val load() {
    return guarded([&] {
      Network loaded = Network::load(io_.u8.data(), io_.u8.size());
      session_.reset();
      net_ = std::make_unique<Network>(std::move(loaded));
      return val::object();
    });
  }
  val f32Input(int count) { return io_.f32_input(count); }
  val u8Input(int count) { return io_.u8_input(count); }
  val labelInput(int count) { return io_.label_input(count); }

  // side: the staged images' side, 28 or 32 (the network places them).
  val train(int n, int side, bool bytes) {
    return guarded([&] {
      const TrainStats s = net().train_batch(io_.images(n, side * side, bytes), io_.label_data(n), n, side);
      val r = val::object();
      r.set("loss", s.loss);
      r.set("correct", s.correct);
      r.set("count", s.count);
      return r;
    });
  }
  val evaluate(int n, int side, bool bytes) {
    return guarded([&] {
      return eval_to_js(net().evaluate(io_.images(n, side * side, bytes), io_.label_data(n), n, nullptr, side));
    });
  }
  val predict(int n, int side, bool bytes) {
    return guarded([&] {
      io_.out.resize(static_cast<size_t>(std::max(n, 0)) * net().classes());
      net().predict(io_.out.data(), io_.images(n, side * side, bytes), n, side);
      val r = val::object();
      r.set("data", val(emscripten::typed_memory_view(io_.out.size(), io_.out.data())));
      return r;
    });
  }
  // lenet.js's predictDrawing: stageDrawing(n) sizes the byte staging and returns its address;
  // predictStaged(width, height, channels) preprocesses it to this network's input size and predicts:
  // 1 with the probabilities and the image the network saw at the two addresses stored at resultAddress(),
  // 0 when nothing is drawn, -1 after an error (lastError() says what).
  uintptr_t stageDrawing(int count) { return io_.stage_u8(count); }
  int predictStaged(int width, int height, int channels) {
    return guarded_status(last_error_, [&] {
      const bool drawn = io_.drawing_to_f32(width, height, channels, net().input_size());
      io_.release_big_u8();
      if (!drawn) return 0;
      io_.out.resize(static_cast<size_t>(net().classes()));
      net().predict(io_.out.data(), io_.f32.data(), 1);
      result_[0] = reinterpret_cast<uintptr_t>(io_.out.data());
      result_[1] = reinterpret_cast<uintptr_t>(io_.f32.data());
      return 1;
    });
  }
  uintptr_t resultAddress() const { return reinterpret_cast<uintptr_t>(result_); }
  val lastError() const { return last_error_; }
  // Explaining a decision (model/network.h): the staged image (n = 1) of `side`; the gradient comes back
  // at the network's input size.
  val inputGradient(int side, bool bytes, int target) {
    return guarded([&] {
      io_.out.resize(static_cast<size_t>(net().input_size()) * net().input_size());
      net().input_gradient(io_.out.data(), io_.images(1, side * side, bytes), target, side, net().input_size());
      val r = val::object();
      r.set("data", val(emscripten::typed_memory_view(io_.out.size(), io_.out.data())));
      return r;
    });
  }
  val adversarial(int side, bool bytes, int target, int max_steps, float step_size) {
    return guarded([&] {
      AdversarialResult a = net().adversarial(io_.images(1, side * side, bytes), target, max_steps, step_size, side);
      io_.out = std::move(a.image);
      io_.out.insert(io_.out.end(), a.probabilities.begin(), a.probabilities.end());
      val r = val::object();
      r.set("data", val(emscripten::typed_memory_view(io_.out.size(), io_.out.data())));
      r.set("steps", a.steps);
      r.set("success", a.success);
      return r;
    });
  }
  val featureMap(const std::string& layer) {
    return guarded([&] { return tensor_to_js(net().feature_map(parse_layer(layer)), io_.out); });
  }
  val weights(const std::string& layer) {
    return guarded([&] { return tensor_to_js(net().weights(parse_layer(layer)), io_.out); });
  }
  val biases(const std::string& layer) {
    return guarded([&] { return tensor_to_js(net().biases(parse_layer(layer)), io_.out); });
  }
  val setFrozen(const std::string& layer, bool frozen) {
    return guarded([&] {
      net().set_frozen(parse_layer(layer), frozen);
      return val::object();
    });
  }
  bool frozen(const std::string& layer) { return net_ && net_->frozen(parse_layer(layer)); }
  val setLearningRate(float lr) {
    return guarded([&] {
      net().set_learning_rate(lr);
      return val::object();
    });
  }
  val save(bool float16) {
    return guarded([&] {
      io_.bytes_out = net().save(float16);
      val r = val::object();
      r.set("data", val(emscripten::typed_memory_view(io_.bytes_out.size(), io_.bytes_out.data())));
      return r;
    });
  }
  val setThreads(int threads) {
    return guarded([&] {
      net().set_threads(threads);
      return val::object();
    });
  }
  int threads() const { return net_ ? net_->threads() : 1; }

  // Class names (model/network.h): K strings.
  val classNames() const {
    val out = val::array();
    if (net_)
      for (const std::string& name : net_->class_names()) out.call<void>("push", name);
    return out;
  }
  val setClassNames(const val& names) {
    return guarded([&] {
      net().set_class_names(strings_from_js(names));
      return val::object();
    });
  }
  // This (new) handle becomes `source`'s network moved to new classes (Network::with_classes).
  val deriveFrom(NetworkHandle& source, const val& names, bool freeze, uint32_t seed) {
    return guarded([&] {
      Network derived = source.net().with_classes(strings_from_js(names), freeze, seed);
      session_.reset();
      net_ = std::make_unique<Network>(std::move(derived));
      return val::object();
    });
  }

  // A training session (model/session.h) over sets staged by stageSet(): one per network at a time.
  // stageSet(which, count, side) sizes the training (0) or held-out (1) set and returns the two views to
  // fill at once: { images, labels }.
  val stageSet(int which, int count, int side) {
    return guarded([&] {
      if (count < 0 || (side != 28 && side != 32)) throw Error("a set of 28x28 or 32x32 images is needed");
      session_.reset();  // it points into the sets
      Dataset& d = which == 0 ? train_set_ : held_out_set_;
      d.count = count;
      d.side = side;
      d.images.resize(static_cast<size_t>(count) * side * side);
      d.labels.resize(static_cast<size_t>(count));
      val r = val::object();
      r.set("images", val(emscripten::typed_memory_view(d.images.size(), d.images.data())));
      r.set("labels", val(emscripten::typed_memory_view(d.labels.size(), d.labels.data())));
      return r;
    });
  }
  val startSession(const val& options) {
    return guarded([&] {
      session_.reset();
      session_ = std::make_unique<TrainingSession>(net(), train_set_, held_out_set_, session_options_from_js(options));
      return val::object();
    });
  }
  val runSession(int steps) {
    return guarded([&] { return report_to_js(session().run(steps)); });
  }
  val evaluateSession(int limit, bool predictions) {
    return guarded([&] {
      std::vector<uint8_t>* predicted = predictions ? &io_.bytes_out : nullptr;
      val r = eval_to_js(session().evaluate(limit, predicted));
      if (predicted)
        r.set("predicted", val(emscripten::typed_memory_view(predicted->size(), predicted->data())));
      return r;
    });
  }
  val setSessionRate(float rate) {
    return guarded([&] {
      session().set_base_rate(rate);
      return val::object();
    });
  }
  bool sessionFinished() const { return !session_ || session_->finished(); }
  void endSession() {
    session_.reset();
    train_set_ = Dataset{};
    held_out_set_ = Dataset{};
  }
  val config() const { return net_ ? config_to_js(net_->config()) : val::undefined(); }
  double steps() const { return net_ ? static_cast<double>(net_->steps()) : 0.0; }
  double parameterCount() const { return net_ ? static_cast<double>(net_->parameter_count()) : 0.0; }

 private:
  Network& net() {
    if (!net_) throw Error("the network was not created");
    return *net_;
  }
  TrainingSession& session() {
    if (!session_) throw Error("no training session was started");
    return *session_;
  }
  std::unique_ptr<Network> net_;
  Dataset train_set_, held_out_set_;
  std::unique_ptr<TrainingSession> session_;  // declared after what it points to: destroyed first
  Staging io_;
  uintptr_t result_[2] = {0, 0};  // predictStaged's outputs: probabilities, input image
  val last_error_ = val::undefined();
};

// Drawing preprocessing (cpp/data/preprocess.h) over a staged RGBA or gray bitmap.
class Preprocessor {
 public:
  // lenet.js's preprocess, the same way as predictDrawing: stage(n) returns the byte staging's address;
  // runStaged(width, height, channels, side) returns 1 with the side x side image at outputAddress(), 0
  // when nothing is drawn, -1 after an error (lastError() says what).
  uintptr_t stage(int count) { return io_.stage_u8(count); }
  int runStaged(int width, int height, int channels, int side) {
    return guarded_status(last_error_, [&] {
      const bool drawn = io_.drawing_to_f32(width, height, channels, side);
      io_.release_big_u8();
      return drawn ? 1 : 0;
    });
  }
  uintptr_t outputAddress() const { return reinterpret_cast<uintptr_t>(io_.f32.data()); }
  val lastError() const { return last_error_; }

 private:
  Staging io_;
  val last_error_ = val::undefined();
};

val preset_config(const std::string& name) {
  return guarded([&] { return config_to_js(preset(name)); });
}
// The paper's Table I: which S2 maps (columns) feed each C3 map (rows), [16][6] of 0/1.
val c3_table() {
  const std::vector<uint8_t>& t = c3_connection_table();
  val out = val::array();
  for (uint8_t v : t) out.call<void>("push", static_cast<int>(v));
  return out;
}
std::string build_name() { return kernels_have_simd() ? "simd" : "nosimd"; }
double heap_size() { return static_cast<double>(emscripten_get_heap_size()); }
double malloc_in_use() { return static_cast<double>(mallinfo().uordblks); }

}  // namespace
}  // namespace lenet

EMSCRIPTEN_BINDINGS(lenet) {
  using namespace emscripten;
  class_<lenet::NetworkHandle>("NetworkHandle")
      .constructor<>()
      .function("init", &lenet::NetworkHandle::init)
      .function("load", &lenet::NetworkHandle::load)
      .function("f32Input", &lenet::NetworkHandle::f32Input)
      .function("u8Input", &lenet::NetworkHandle::u8Input)
      .function("labelInput", &lenet::NetworkHandle::labelInput)
      .function("train", &lenet::NetworkHandle::train)
      .function("evaluate", &lenet::NetworkHandle::evaluate)
      .function("predict", &lenet::NetworkHandle::predict)
      .function("stageDrawing", &lenet::NetworkHandle::stageDrawing)
      .function("predictStaged", &lenet::NetworkHandle::predictStaged)
      .function("resultAddress", &lenet::NetworkHandle::resultAddress)
      .function("lastError", &lenet::NetworkHandle::lastError)
      .function("inputGradient", &lenet::NetworkHandle::inputGradient)
      .function("adversarial", &lenet::NetworkHandle::adversarial)
      .function("featureMap", &lenet::NetworkHandle::featureMap)
      .function("weights", &lenet::NetworkHandle::weights)
      .function("biases", &lenet::NetworkHandle::biases)
      .function("setFrozen", &lenet::NetworkHandle::setFrozen)
      .function("frozen", &lenet::NetworkHandle::frozen)
      .function("setLearningRate", &lenet::NetworkHandle::setLearningRate)
      .function("setThreads", &lenet::NetworkHandle::setThreads)
      .function("threads", &lenet::NetworkHandle::threads)
      .function("classNames", &lenet::NetworkHandle::classNames)
      .function("setClassNames", &lenet::NetworkHandle::setClassNames)
      .function("deriveFrom", &lenet::NetworkHandle::deriveFrom)
      .function("stageSet", &lenet::NetworkHandle::stageSet)
      .function("startSession", &lenet::NetworkHandle::startSession)
      .function("runSession", &lenet::NetworkHandle::runSession)
      .function("evaluateSession", &lenet::NetworkHandle::evaluateSession)
      .function("setSessionRate", &lenet::NetworkHandle::setSessionRate)
      .function("sessionFinished", &lenet::NetworkHandle::sessionFinished)
      .function("endSession", &lenet::NetworkHandle::endSession)
      .function("save", &lenet::NetworkHandle::save)
      .function("config", &lenet::NetworkHandle::config)
      .function("steps", &lenet::NetworkHandle::steps)
      .function("parameterCount", &lenet::NetworkHandle::parameterCount);
  class_<lenet::Preprocessor>("Preprocessor")
      .constructor<>()
      .function("stage", &lenet::Preprocessor::stage)
      .function("runStaged", &lenet::Preprocessor::runStaged)
      .function("outputAddress", &lenet::Preprocessor::outputAddress)
      .function("lastError", &lenet::Preprocessor::lastError);
  function("presetConfig", &lenet::preset_config);
  function("configFields", &lenet::config_fields_js);
  function("buildName", &lenet::build_name);
  function("c3Table", &lenet::c3_table);
  function("maxThreads", &lenet::Network::max_threads);
  function("heapSize", &lenet::heap_size);
  function("mallocInUse", &lenet::malloc_in_use);
}
