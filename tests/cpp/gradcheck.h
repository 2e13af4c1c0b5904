// Central-difference gradient checking shared by the layer and network tests.
#pragma once
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

namespace lenet_test {

// Compares analytic[i] with (f(x + h) - f(x - h)) / 2h for every i < n (or a strided sample of at most
// `max_checks`), perturbing x[i] in place. Tolerance: |a - n| <= abs_tol + rel_tol * max(|a|, |n|).
inline int check_gradient(const std::string& what, float* x, const float* analytic, size_t n,
                          const std::function<double()>& f, double h = 1e-2, double abs_tol = 2e-3,
                          double rel_tol = 2e-2, size_t max_checks = 400, bool skip_zeros = false,
                          double allowed_fraction = 0.0) {
  int failures = 0, checked = 0;
  const size_t stride = n > max_checks ? n / max_checks : 1;
  for (size_t i = 0; i < n; i += stride) {
    if (skip_zeros && x[i] == 0.0f) continue;  // held at zero by a connection table: no gradient by design
    const float saved = x[i];
    x[i] = static_cast<float>(saved + h);
    const double up = f();
    x[i] = static_cast<float>(saved - h);
    const double down = f();
    x[i] = saved;
    const double numeric = (up - down) / (2 * h);
    ++checked;
    const double a = analytic[i];
    if (!(std::fabs(a - numeric) <= abs_tol + rel_tol * std::fmax(std::fabs(a), std::fabs(numeric)))) {
      if (failures < 5) MESSAGE(what << "[" << i << "]: analytic " << a << " numeric " << numeric);
      ++failures;
    }
  }
  CHECK_MESSAGE(failures <= std::ceil(allowed_fraction * checked),
                what << ": " << failures << " of " << checked << " gradient entries disagree");
  return failures;
}

}  // namespace lenet_test

