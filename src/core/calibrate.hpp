#pragma once
// How many operations one sample holds (docs/method.md, "Sample length"). Host-only: the GPU
// layer (src/gpu/measure) passes a function that times one sample, tests pass a model of one.
//
// The rule: every sample lasts at least the minimum sample time, unless the op cap (a bound on
// how many operations one sample may enqueue) is reached first, and then the record says so.
// The count is calibrated on samples of that many operations, not on one: one operation right
// after the spin gate pays the engine's start (a copy engine's or a kernel's first launch after
// the gate, 5-20 µs on H200), so a count taken from it was up to 8x too small for small copies
// and their samples lasted 0.1-0.3 ms of a 1 ms minimum.
#include <cstdint>
#include <functional>

namespace gx {

struct OpsRule {
  double min_sample_seconds = 1e-3;
  std::uint64_t min_ops = 1;    // at least this many, however long one op is (clamped to max_ops)
  std::uint64_t max_ops = 256;  // the cap
};

// A calibration sample is accepted when it lasted this much more than the minimum, so the
// samples that follow (which vary by a few %) stay above the minimum.
inline constexpr double kCalibrationAccept = 1.1;
// A new count aims this far above the minimum.
inline constexpr double kCalibrationAim = 1.25;
// Sample length grows about linearly with the count, so one or two rounds usually settle it. From
// this round on the count at least doubles, and a cap up to 2^25 is reached within
// kCalibrationRounds samples.
inline constexpr int kCalibrationDoublingAfter = 6;
inline constexpr int kCalibrationRounds = 32;

struct OpsChoice {
  std::uint64_t ops = 1;
  // The cap bounded the count: a sample of max_ops operations lasted less than the minimum.
  bool capped = false;
  double sample_seconds = 0;  // length of the last calibration sample (ops x its seconds per op)
  int rounds = 0;             // calibration samples taken
};

// `seconds_per_op(n)` times one sample of n operations and returns seconds per operation.
// Starts at min_ops; while a sample lasts less than kCalibrationAccept x the minimum and the cap
// is not reached, the next count is n x kCalibrationAim x minimum / the sample's length (at least
// n + 1; twice n when a sample measured nothing or after kCalibrationDoublingAfter rounds), at
// most the cap. Deterministic for the same timings,
// so two processes that agree on each sample's time agree on the count.
[[nodiscard]] OpsChoice calibrate_ops(const std::function<double(std::uint64_t)>& seconds_per_op, const OpsRule& rule);

}  // namespace gx
