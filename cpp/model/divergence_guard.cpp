#include "model/divergence_guard.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace lenet {

namespace {

// "Exploded": a loss this many times the first one (and above the floor, so a tiny first loss of a trained
// model does not make an ordinary batch look like an explosion).
constexpr float kExplodeFactor = 100.0f;
constexpr float kExplodeFloor = 1e3f;
// "Sane": at most kSaneRecent times the recent level, and at most kSaneStart times the first loss, so no
// snapshot is ever much worse than where training began. The recent level follows the sane losses only (one
// that is not sane never moves it, so a run that goes bad slowly cannot drag its yardstick up with it): down
// quickly, so it keeps up with a loss that is falling, and up slowly, so one lucky batch does not stop the
// snapshots.
constexpr float kSaneRecent = 1.25f;
constexpr float kSaneStart = 1.25f;
constexpr float kLevelDown = 1.0f / 4;
constexpr float kLevelUp = 1.0f / 16;
// "Runaway": weights further from the snapshot than their own length and than this much per weight (RMS);
// bounded activations (tanh, RBF) can keep the loss finite while the weights fly off.
constexpr double kRunawayPerWeight = 0.5;

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

bool all_finite(const float* p, size_t n) {
  // An OR over the exponent bits, which compilers vectorise (a loop of std::isfinite that stops at the
  // first bad value is not).
  uint32_t bad = 0;
  for (size_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, p + i, sizeof bits);
    bad |= static_cast<uint32_t>((bits & 0x7F800000u) == 0x7F800000u);
  }
  return bad == 0;
}

void DivergenceGuard::watch(float* params, size_t count, OptimizerState* optimizer, int64_t* steps) {
  params_ = params;
  count_ = count;
  optimizer_ = optimizer;
  steps_ = steps;
}

std::string DivergenceGuard::before_step(float loss, const float* grads) {
  if (!std::isfinite(loss)) return std::string("the loss became ") + (std::isnan(loss) ? "NaN" : "infinite");
  if (refs_.first < 0) refs_.first = loss;
  if (loss > std::max(kExplodeFloor, kExplodeFactor * refs_.first)) return "the loss exploded to " + number(loss);
  if (!all_finite(grads, count_)) return "a gradient became NaN or infinite";
  const bool first_step = refs_.recent < 0;
  if (first_step || (loss <= kSaneRecent * refs_.recent && loss <= kSaneStart * refs_.first)) {
    refs_.recent = first_step ? loss : refs_.recent + (loss < refs_.recent ? kLevelDown : kLevelUp) * (loss - refs_.recent);
    take_snapshot();
  }
  return {};
}

std::string DivergenceGuard::after_step() {
  if (!all_finite(params_, count_)) return "a weight became NaN or infinite";
  double distance = 0;
  const float* s = snap_.params.data();
  for (size_t i = 0; i < count_; ++i) {
    const double d = static_cast<double>(params_[i]) - s[i];
    distance += d * d;
  }
  distance = std::sqrt(distance);
  const double floor = kRunawayPerWeight * std::sqrt(static_cast<double>(count_));
  if (distance > std::max(floor, snap_.norm))
    return "the weights moved " + number(distance) + " away from the last sane state, more than their length " +
           number(snap_.norm) + " and than " + number(kRunawayPerWeight) + " per weight";
  return {};
}

void DivergenceGuard::take_snapshot() {
  snap_.params.resize(count_);  // the same size every time: allocates on the first snapshot only
  double norm = 0;
  for (size_t i = 0; i < count_; ++i) {
    snap_.params[i] = params_[i];
    norm += static_cast<double>(params_[i]) * params_[i];
  }
  snap_.norm = std::sqrt(norm);
  optimizer_->copy_to(snap_.optimizer);  // likewise
  snap_.steps = *steps_;
  snap_.refs = refs_;
  have_snapshot_ = true;
}

int64_t DivergenceGuard::restore() {
  // Before the first snapshot nothing has been updated yet: only the references start again.
  if (!have_snapshot_) {
    refs_ = References{};
    return *steps_;
  }
  std::copy(snap_.params.begin(), snap_.params.end(), params_);
  optimizer_->copy_from(snap_.optimizer);
  *steps_ = snap_.steps;
  refs_ = snap_.refs;
  return snap_.steps;
}

}  // namespace lenet
