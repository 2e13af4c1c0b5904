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
#include "data/preprocess.h"

using emscripten::val;

namespace lenet {
namespace {

// The configuration as JavaScript sees it (Embind value_object); names follow the JS API.
struct JsConfig {
  std::string preset;
  std::string activation, pooling, output, optimizer, init;
  bool c3Table = false;
  float learningRate = 0, dropout = 0, background = 0, ink = 1, momentum = 0.9f, weightDecay = 0;
  int batchSize = 128, inputSize = 28;
  uint32_t seed = 1;
};

JsConfig to_js(const Config& c) {
  JsConfig j;
  j.preset = preset_name(c);
  j.activation = to_string(c.activation);
  j.pooling = to_string(c.pooling);
  j.output = to_string(c.output);
  j.optimizer = to_string(c.optimizer);
  j.init = to_string(c.init);
  j.c3Table = c.c3_table;
  j.learningRate = c.learning_rate;
  j.dropout = c.dropout;
  j.background = c.background;
  j.ink = c.ink;
  j.momentum = c.momentum;
  j.weightDecay = c.weight_decay;
  j.batchSize = c.batch_size;
  j.inputSize = c.input_size;
  j.seed = c.seed;
  return j;
}

Config from_js(const JsConfig& j) {
  Config c = preset(j.preset == "custom" || j.preset.empty() ? "modern" : j.preset);
  c.activation = parse_activation(j.activation);
  c.pooling = parse_pooling(j.pooling);
  c.output = parse_output(j.output);
  c.optimizer = parse_optimizer(j.optimizer);
  c.init = parse_init(j.init);
  c.c3_table = j.c3Table;
  c.learning_rate = j.learningRate;
  c.dropout = j.dropout;
  c.background = j.background;
  c.ink = j.ink;
  c.momentum = j.momentum;
  c.weight_decay = j.weightDecay;
  c.batch_size = j.batchSize;
  c.input_size = j.inputSize;
  c.seed = j.seed;
  validate(c);
  return c;
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
// Embind view or object costs 1-3 us, measured under Node). f returns its status (>= 0); an exception
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
  val init(const JsConfig& cfg) {
    return guarded([&] {
      net_ = std::make_unique<Network>(from_js(cfg));
      return val::object();
    });
  }
  // Builds from the staged model bytes; the previous network (if any) is replaced only on success.
  val load() {
    return guarded([&] {
      Network loaded = Network::load(io_.u8.data(), io_.u8.size());
      net_ = std::make_unique<Network>(std::move(loaded));
      return val::object();
    });
  }
  val f32Input(int count) { return io_.f32_input(count); }
  val u8Input(int count) { return io_.u8_input(count); }
  val labelInput(int count) { return io_.label_input(count); }

  val train(int n, bool bytes) {
    return guarded([&] {
      const TrainStats s = net().train_batch(io_.images(n, net().input_pixels(), bytes), io_.label_data(n), n);
      val r = val::object();
      r.set("loss", s.loss);
      r.set("correct", s.correct);
      r.set("count", s.count);
      return r;
    });
  }
  val evaluate(int n, bool bytes) {
    return guarded([&] {
      const EvalStats s = net().evaluate(io_.images(n, net().input_pixels(), bytes), io_.label_data(n), n);
      val r = val::object();
      r.set("accuracy", s.accuracy);
      r.set("loss", s.loss);
      r.set("correct", s.correct);
      r.set("count", s.count);
      return r;
    });
  }
  val predict(int n, bool bytes) {
    return guarded([&] {
      io_.out.resize(static_cast<size_t>(std::max(n, 0)) * kClasses);
      net().predict(io_.out.data(), io_.images(n, net().input_pixels(), bytes), n);
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
      io_.out.resize(kClasses);
      net().predict(io_.out.data(), io_.f32.data(), 1);
      result_[0] = reinterpret_cast<uintptr_t>(io_.out.data());
      result_[1] = reinterpret_cast<uintptr_t>(io_.f32.data());
      return 1;
    });
  }
  uintptr_t resultAddress() const { return reinterpret_cast<uintptr_t>(result_); }
  val lastError() const { return last_error_; }
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
  val save() {
    return guarded([&] {
      io_.bytes_out = net().save();
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
  JsConfig config() const { return net_ ? to_js(net_->config()) : JsConfig{}; }
  double steps() const { return net_ ? static_cast<double>(net_->steps()) : 0.0; }
  double parameterCount() const { return net_ ? static_cast<double>(net_->parameter_count()) : 0.0; }

 private:
  Network& net() {
    if (!net_) throw Error("the network was not created");
    return *net_;
  }
  std::unique_ptr<Network> net_;
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
  return guarded([&] { return val(to_js(preset(name))); });
}
// Validates a configuration without building a network (for lenet.create's error messages).
val check_config(const JsConfig& cfg) {
  return guarded([&] {
    from_js(cfg);
    return val::object();
  });
}
std::string build_name() { return kernels_have_simd() ? "simd" : "nosimd"; }
double heap_size() { return static_cast<double>(emscripten_get_heap_size()); }
double malloc_in_use() { return static_cast<double>(mallinfo().uordblks); }

}  // namespace
}  // namespace lenet

EMSCRIPTEN_BINDINGS(lenet) {
  using namespace emscripten;
  using lenet::JsConfig;
  value_object<JsConfig>("Config")
      .field("preset", &JsConfig::preset)
      .field("activation", &JsConfig::activation)
      .field("pooling", &JsConfig::pooling)
      .field("output", &JsConfig::output)
      .field("optimizer", &JsConfig::optimizer)
      .field("init", &JsConfig::init)
      .field("c3Table", &JsConfig::c3Table)
      .field("learningRate", &JsConfig::learningRate)
      .field("batchSize", &JsConfig::batchSize)
      .field("dropout", &JsConfig::dropout)
      .field("inputSize", &JsConfig::inputSize)
      .field("background", &JsConfig::background)
      .field("ink", &JsConfig::ink)
      .field("momentum", &JsConfig::momentum)
      .field("weightDecay", &JsConfig::weightDecay)
      .field("seed", &JsConfig::seed);
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
      .function("featureMap", &lenet::NetworkHandle::featureMap)
      .function("weights", &lenet::NetworkHandle::weights)
      .function("biases", &lenet::NetworkHandle::biases)
      .function("setFrozen", &lenet::NetworkHandle::setFrozen)
      .function("frozen", &lenet::NetworkHandle::frozen)
      .function("setLearningRate", &lenet::NetworkHandle::setLearningRate)
      .function("setThreads", &lenet::NetworkHandle::setThreads)
      .function("threads", &lenet::NetworkHandle::threads)
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
  function("checkConfig", &lenet::check_config);
  function("buildName", &lenet::build_name);
  function("maxThreads", &lenet::Network::max_threads);
  function("heapSize", &lenet::heap_size);
  function("mallocInUse", &lenet::malloc_in_use);
}
