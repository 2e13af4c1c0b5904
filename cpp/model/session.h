// A training session: one run of training over a labelled set, the one training loop of the project. The
// command-line tool, the page's training worker and the lesson element all train through it; JavaScript
// keeps the user interface and the messages, not a second loop.
//
// It owns what decides what the network learns: the order of the samples (a seeded shuffle per epoch),
// batching, optional augmentation, the learning-rate schedule and the held-out evaluations. Input
// placement is the network's (images keep their own side), and divergence is the network's guard: run()
// lets a DivergenceError through with the weights already restored and the session still at the batch
// that diverged, so set_base_rate() with a smaller rate and run() again carries on from there.
#pragma once
#include <cstdint>
#include <vector>

#include "base/rng.h"
#include "data/idx.h"
#include "data/preprocess.h"
#include "model/network.h"

namespace lenet {

enum class ScheduleKind : uint8_t {
  constant,  // the base rate throughout
  linear,    // from the base rate down to 10 % of it at the end of the run: the last steps settle
  epoch,     // the base rate times decay^(epoch - 1)
};

struct SessionOptions {
  int epochs = 1;
  uint32_t seed = 1;     // the order of the samples and the augmentation (mixed with the network's steps)
  bool shuffle = true;   // false: the samples in the set's order (to compare runs step by step)
  bool drop_last = false;  // drop each epoch's last partial batch instead of training on it
  bool augment = false;  // a random warp (and stroke width) of every sample (augment_image)
  AugmentRanges augmentation;  // its ranges
  ScheduleKind schedule = ScheduleKind::constant;
  float decay = 1.0f;     // ScheduleKind::epoch: the factor per epoch, in (0, 1]
  int warmup = 0;         // the first `warmup` steps ramp the rate up linearly from base/warmup (any schedule)
  int evals_per_epoch = 0;  // quick held-out evaluations within each epoch, on the first eval_limit images
  int eval_limit = 0;       // images of a quick evaluation (0: all); an epoch's end always evaluates all
  int train_limit = 0;      // train on the first train_limit samples of the training set (0: all of it)
  int held_out_limit = 0;   // the held-out set is its first held_out_limit samples (0: all of it)
};

// What one call of run() did.
struct SessionReport {
  int64_t steps = 0;   // batches this session has trained
  int epoch = 1;       // the epoch the session is in (1-based; the last one once finished)
  int done = 0;        // samples of that epoch trained
  int per_epoch = 0;   // samples per epoch
  double fraction = 0; // of the whole run, in [0, 1]
  float loss = 0;      // mean training loss over the batches of this call
  int correct = 0;     // training-mode argmax hits over the batches of this call
  int samples = 0;     // samples trained in this call
  float learning_rate = 0;
  bool epoch_end = false;  // this call finished an epoch (and evaluated the whole held-out set)
  bool finished = false;   // every epoch is done
  bool evaluated = false;  // this call ended with a held-out evaluation:
  bool full = false;       //   of the whole held-out set (else its first eval_limit images)
  EvalStats held_out{};
  double eval_seconds = 0;  // wall time of that evaluation: the rest of the call was training
  const std::vector<uint8_t>* predicted = nullptr;  // full evaluations: each held-out image's class (valid
                                                    // until the next run() or evaluate())
};

class TrainingSession {
 public:
  // Copies nothing: `train` and `held_out` (which may be empty) must outlive the session, and so must the
  // network. Throws Error on bad options or a set the network cannot take (side, labels, fewer samples than
  // a batch with drop_last).
  TrainingSession(Network& net, const Dataset& train, const Dataset& held_out, const SessionOptions& options);

  // Trains up to max_steps batches; stops early at a held-out evaluation point, at the end of an epoch and
  // at the end of the run. Throws DivergenceError (see above) and Error.
  SessionReport run(int max_steps);
  bool finished() const { return epoch_ > options_.epochs; }
  // The rate the schedule scales from now on (after a divergence: a smaller one). Throws Error unless > 0.
  void set_base_rate(float rate);
  float base_rate() const { return base_rate_; }

  // The held-out set through the network in eval mode, a chunk at a time; limit 0 = all of it. predicted,
  // if given, receives each image's class (argmax of the probabilities).
  EvalStats evaluate(int limit, std::vector<uint8_t>* predicted = nullptr);

 private:
  void start_epoch();
  float scheduled_rate() const;

  Network& net_;
  const Dataset& train_;
  const Dataset& held_out_;
  SessionOptions options_;
  int n_train_;     // the samples of train_ and held_out_ the session uses (their limits applied)
  int n_held_out_;
  Rng rng_;
  float base_rate_;
  std::vector<int> order_;
  std::vector<float> batch_;       // one batch as [0, 1] floats, at the set's side
  std::vector<float> sample_;      // one sample before augmentation
  std::vector<uint8_t> labels_;
  std::vector<float> eval_chunk_;  // held-out images, a chunk at a time
  std::vector<float> eval_probs_;
  std::vector<uint8_t> predicted_;  // the last full evaluation's classes
  int64_t steps_ = 0;
  int epoch_ = 1;
  int position_ = 0;     // samples of this epoch trained
  int next_eval_ = 0;    // the position of the next quick evaluation
  int batch_size_;
};

}  // namespace lenet
