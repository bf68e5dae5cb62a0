#pragma once
// The run-to-run noise model of `gpuxfer compare` (docs/compare.md, "Noise model").
//
// Two runs of the same binary on the same machine differ by more than their samples say: clocks,
// placement of buffers, the host's scheduler and the PCIe root complex change between runs, not
// between samples. A within-run bootstrap interval alone therefore calls A/A runs faster/slower.
// The model adds a between-run spread per noise class, learned from committed A/A pairs
// (data/compare-noise.v1.json, written by scripts/learn_noise.py, with the pairs it came from):
//
//   class  = suite/method/regime, regime = latency_bound (one operation takes less than
//            `latency_bound_seconds` in BASE, or the metric is a latency) or bandwidth_bound;
//   spread = class spread + cv_multiplier x hypot(cv BASE, cv NEW).
//
// The second term scales with the row's own within-run cv: a run whose samples scatter (clocks
// wandering, a busy host) also lands further from the next run, and a steady one does not. The
// class spread covers what the cv does not explain: safety x the largest
// max(0, |log(NEW/BASE)| - cv_multiplier x cv) of the class over the A/A pairs, >= floor.
// A class with too few observations falls back to suite/*/regime, then */*/regime, then the
// default spread. The model is compiled into the binary; --noise-model FILE replaces it.
#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "core/report_json.hpp"

namespace gx {

enum class Regime { latency_bound, bandwidth_bound };
[[nodiscard]] std::string_view to_string(Regime regime);

struct NoiseSpread {
  double spread = 0;             // between-run |log ratio| the row must allow: class_spread + cv_term
  double class_spread = 0;       // the class's part, learned from A/A pairs
  double cv_term = 0;            // cv_multiplier x hypot(cv BASE, cv NEW)
  std::size_t observations = 0;  // A/A rows it was learned from
  std::string source;            // the class it came from ("host/*/bandwidth_bound", "default")
};

class NoiseModel {
 public:
  // Parses a gpuxfer.noise document. Throws InputError naming `origin` and the problem.
  [[nodiscard]] static NoiseModel from_json(const Json& doc, const std::string& origin);
  // Reads and parses a file. Throws InputError naming the file.
  [[nodiscard]] static NoiseModel from_file(const std::string& path);
  // The model compiled into the binary.
  [[nodiscard]] static const NoiseModel& embedded();
  // No between-run spread at all: the within-run interval only (what learning measures).
  [[nodiscard]] static NoiseModel none();

  [[nodiscard]] Regime regime(std::string_view suite, bool latency_metric, double op_seconds) const;
  [[nodiscard]] static std::string class_name(std::string_view suite, std::string_view method, Regime regime);
  // The spread a row of this class must allow, given the within-run cv of each side.
  [[nodiscard]] NoiseSpread spread(std::string_view suite, std::string_view method, Regime regime, double cv_base,
                                   double cv_new) const;

  [[nodiscard]] const std::string& origin() const { return origin_; }
  [[nodiscard]] double latency_bound_seconds() const { return latency_bound_seconds_; }
  [[nodiscard]] std::size_t pairs() const { return pairs_; }
  [[nodiscard]] double cv_multiplier() const { return cv_multiplier_; }

 private:
  struct Entry {
    double spread = 0;
    std::size_t observations = 0;
  };
  std::string origin_;
  double latency_bound_seconds_ = 50e-6;
  double default_spread_ = 0.10;
  double cv_multiplier_ = 0;  // absent in 1.0 models: the class spread alone
  std::size_t min_observations_ = 3;
  std::size_t pairs_ = 0;
  std::map<std::string, Entry, std::less<>> classes_;
};

// The row's interval with the between-run spread added to the within-run interval in log space,
// in quadrature on each side: [r e^-sqrt(a^2 + s^2), r e^+sqrt(b^2 + s^2)], a = log(r / ci.low),
// b = log(ci.high / r). Ratio and interval bounds must be > 0.
struct RatioInterval {
  double low = 0;
  double high = 0;
};
[[nodiscard]] RatioInterval widen_interval(double ratio, double ci_low, double ci_high, double spread);

}  // namespace gx
