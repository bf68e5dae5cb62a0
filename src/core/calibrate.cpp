#include "core/calibrate.hpp"

#include <algorithm>
#include <cmath>

namespace gx {

OpsChoice calibrate_ops(const std::function<double(std::uint64_t)>& seconds_per_op, const OpsRule& rule) {
  const std::uint64_t cap = std::max<std::uint64_t>(1, rule.max_ops);
  OpsChoice choice;
  choice.ops = std::clamp<std::uint64_t>(rule.min_ops, 1, cap);
  const double target = rule.min_sample_seconds;
  while (true) {
    const double per_op = seconds_per_op(choice.ops);
    ++choice.rounds;
    const double length = per_op > 0 && std::isfinite(per_op) ? per_op * static_cast<double>(choice.ops) : 0.0;
    choice.sample_seconds = length;
    if (length >= kCalibrationAccept * target) return choice;
    if (choice.ops >= cap) {
      choice.capped = length < target;
      return choice;
    }
    if (choice.rounds >= kCalibrationRounds) return choice;
    const auto n = static_cast<double>(choice.ops);
    double wanted = length > 0 ? std::max(n + 1, std::ceil(n * kCalibrationAim * target / length)) : 2 * n;
    // Past a few rounds a sample still grows slower than its count (per-op time falling): double
    // at least, so the cap is reached well within kCalibrationRounds.
    if (choice.rounds >= kCalibrationDoublingAfter) wanted = std::max(wanted, 2 * n);
    choice.ops = wanted >= static_cast<double>(cap) ? cap : static_cast<std::uint64_t>(wanted);
  }
}

}  // namespace gx
