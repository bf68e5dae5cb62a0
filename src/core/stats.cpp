#include "core/stats.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace gx {

namespace {

// Type 7 quantile of sorted, non-empty data: h = (n - 1) p, interpolate x[floor h] .. x[floor h + 1].
double quantile_sorted(const std::vector<double>& sorted, double p) {
  const double h = static_cast<double>(sorted.size() - 1) * p;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  if (lo + 1 >= sorted.size()) return sorted.back();
  const double frac = h - static_cast<double>(lo);
  // a + t (b - a) is exact at t == 0 and keeps equal neighbours equal.
  return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

}  // namespace

double median_in_place(std::vector<double>& v) {
  if (v.empty()) throw std::invalid_argument("median: no values");
  const std::size_t n = v.size();
  const std::size_t upper = n / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(upper), v.end());
  const double hi = v[upper];
  if (n % 2 == 1) return hi;
  // quantile_sorted's a + t (b - a) at t = 1/2: the same value summarize() gives.
  const double lo = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(upper));
  return lo + 0.5 * (hi - lo);
}

double median_of(std::vector<double> values) {
  return median_in_place(values);
}

Summary summarize(std::vector<double> samples) {
  if (samples.empty()) throw std::invalid_argument("summarize: no samples");
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (!std::isfinite(samples[i])) {
      throw std::invalid_argument("summarize: sample " + std::to_string(i) + " is not finite");
    }
  }
  std::sort(samples.begin(), samples.end());

  Summary s;
  s.n = samples.size();
  const auto n = static_cast<double>(s.n);
  s.min = samples.front();
  s.max = samples.back();
  s.q1 = quantile_sorted(samples, 0.25);
  s.median = quantile_sorted(samples, 0.5);
  s.q3 = quantile_sorted(samples, 0.75);

  // Two passes: the mean first, then squared deviations from it. The one-pass
  // sum-of-squares formula cancels catastrophically when samples are large and close together
  // (e.g. timestamps or rates near 1e11 B/s differing in the last digits).
  double sum = 0;
  for (double x : samples) sum += x;
  s.mean = sum / n;
  if (!std::isfinite(s.mean)) {
    // The sum overflowed (samples near DBL_MAX): average scaled values instead.
    s.mean = 0;
    for (double x : samples) s.mean += x / n;
  }
  s.mean = std::clamp(s.mean, s.min, s.max);  // rounding must not push the mean outside the data

  if (s.n > 1) {
    double sum_sq = 0;
    double sum_dev = 0;
    for (double x : samples) {
      const double d = x - s.mean;
      sum_dev += d;
      sum_sq += d * d;
    }
    // Corrected two-pass algorithm (Chan, Golub & LeVeque): subtracting (sum_dev)^2 / n
    // removes the error left by rounding in the mean.
    const double variance = std::max(0.0, (sum_sq - sum_dev * sum_dev / n) / (n - 1));
    s.stdev = std::sqrt(variance);
  }
  // |mean| keeps cv a non-negative spread measure even for signed data, so is_noisy works.
  s.cv = s.mean == 0 ? 0 : s.stdev / std::fabs(s.mean);
  return s;
}

bool is_noisy(const Summary& summary, double cv_threshold) {
  return summary.cv > cv_threshold;
}

}  // namespace gx
