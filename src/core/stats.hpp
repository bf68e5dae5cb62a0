#pragma once
// Summary statistics over the samples of one case (docs/method.md: headline = median; keep min,
// quartiles, max, mean, stdev, cv; cv above 5 % flags the case as noisy). Host-only.
#include <cstddef>
#include <vector>

namespace gx {

struct Summary {
  std::size_t n = 0;
  double min = 0;
  double q1 = 0;      // 25th percentile
  double median = 0;  // 50th percentile: the headline value
  double q3 = 0;      // 75th percentile
  double max = 0;
  double mean = 0;
  double stdev = 0;  // sample standard deviation (n - 1 denominator); 0 when n == 1
  double cv = 0;     // stdev / |mean|; 0 when mean == 0
};

// Quartiles interpolate linearly between closest ranks (numpy's default, Hyndman & Fan type 7),
// so results match what people get when they check a run with numpy or a spreadsheet.
// Takes the samples by value because it sorts them.
// Throws std::invalid_argument for an empty input or a NaN / infinite sample: that is a bug in
// the caller (a broken timer), not a user error.
[[nodiscard]] Summary summarize(std::vector<double> samples);

// The median of `values` as summarize() computes it (type 7: the mean of the middle two of an
// even count), without the rest of the summary. median_in_place reorders its argument. Both
// throw std::invalid_argument for an empty input, which has no median.
[[nodiscard]] double median_in_place(std::vector<double>& values);
[[nodiscard]] double median_of(std::vector<double> values);

// True when the spread is too large for the median to be trusted at face value.
[[nodiscard]] bool is_noisy(const Summary& summary, double cv_threshold = 0.05);

}  // namespace gx
