// compare: the statistics against hand-computed values, the verdict rules, matching on one
// machine and across machines with different GPU counts, one-sided keys, and the renderings.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "core/compare.hpp"
#include "core/error.hpp"
#include "core/stats.hpp"

using namespace gx;

namespace {

std::string runs_file(const char* name) {
  return std::string(GPUXFER_TEST_DATA_DIR) + "/runs/" + name;
}

// ---- synthetic reports --------------------------------------------------------------------------

SystemInfo make_system(int gpus, const std::string& uuid_prefix, const std::string& name = "NVIDIA H200") {
  SystemInfo s;
  s.hostname = uuid_prefix + "-host";
  s.driver_release = std::string("580.159.04");
  s.cuda_driver_version = 13000;
  s.cuda_runtime_version = 13000;
  for (int i = 0; i < gpus; ++i) {
    DeviceInfo d;
    d.index = i;
    d.name = name;
    d.uuid = "GPU-" + uuid_prefix + "-" + std::to_string(i);
    s.devices.push_back(d);
  }
  return s;
}

// 20 samples around `seconds` with a small deterministic spread (+-0.1 %).
std::vector<double> samples_around(double seconds, int n = 20, double spread = 0.001) {
  std::vector<double> out;
  for (int i = 0; i < n; ++i) {
    const double wobble = static_cast<double>((i * 7) % n) / (n - 1) - 0.5;  // -0.5 .. 0.5
    out.push_back(seconds * (1 + 2 * spread * wobble));
  }
  return out;
}

Record make_record(Method method, int src, int dst, std::uint64_t bytes, std::vector<double> samples,
                   std::string link = "NV18") {
  Record r;
  r.test.method = method;
  r.test.suite = suite_of(method);
  r.test.src = src;
  r.test.dst = dst;
  r.test.bytes = bytes;
  r.test.link_class = std::move(link);
  r.status = Status::ok;
  r.verified = true;
  r.sample_seconds = std::move(samples);
  if (!r.sample_seconds.empty()) r.time = summarize(r.sample_seconds);
  r.bytes_per_op = static_cast<double>(bytes);
  return r;
}

LoadedReport make_report(const std::string& path, SystemInfo system, std::vector<Record> records) {
  LoadedReport r;
  r.path = path;
  r.schema_major = 1;
  r.tool = Json{{"version", "0.1.0"}};
  r.run.started_utc = "2026-11-26T00:00:00Z";
  r.system = std::move(system);
  r.records = std::move(records);
  return r;
}

// Every ordered pair of `gpus` GPUs, ce_write at 400 MB taking `seconds` each.
std::vector<Record> all_pairs(int gpus, double seconds) {
  std::vector<Record> out;
  for (int a = 0; a < gpus; ++a) {
    for (int b = 0; b < gpus; ++b) {
      if (a != b) out.push_back(make_record(Method::ce_write, a, b, 400000000, samples_around(seconds)));
    }
  }
  return out;
}

}  // namespace

// ---- statistics ---------------------------------------------------------------------------------

TEST(CompareStats, MedianMatchesSummarize) {
  EXPECT_DOUBLE_EQ(median_of({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(median_of({4, 1, 3, 2}), 2.5);
  const std::vector<double> v{5.5, 1.25, 9, 3, 3, 7.75};
  EXPECT_DOUBLE_EQ(median_of(v), summarize(v).median);
  EXPECT_THROW((void)median_of({}), std::invalid_argument);
  EXPECT_DOUBLE_EQ(median_of_medians({{1, 2, 3}, {10}, {4, 6}}), 5);  // medians 2, 10, 5
}

TEST(CompareStats, MannWhitneyNoOverlap) {
  // By hand: R_a = 15, U_a = 15 - 5*6/2 = 0; mean 12.5; var = 5*5/12 * 11 = 22.9167;
  // z = -(12.5 - 0.5) / 4.78714 = -2.50672; p = 2 * (1 - Phi(2.50672)) = 0.0121858
  // (scipy.stats.mannwhitneyu(a, b, method="asymptotic") gives the same).
  const auto r = mann_whitney_u({1, 2, 3, 4, 5}, {6, 7, 8, 9, 10});
  EXPECT_DOUBLE_EQ(r.u, 0);
  EXPECT_NEAR(r.z, -2.5067182, 1e-6);
  EXPECT_NEAR(r.p_value, 0.0121858, 1e-6);
  // Symmetric: swapping the samples gives U = n1 n2 - U and the same p.
  const auto s = mann_whitney_u({6, 7, 8, 9, 10}, {1, 2, 3, 4, 5});
  EXPECT_DOUBLE_EQ(s.u, 25);
  EXPECT_NEAR(s.p_value, r.p_value, 1e-12);
}

TEST(CompareStats, MannWhitneyWithTies) {
  // a = 1 2 2 3 4, b = 2 3 5 6 6. Mid-ranks: 1->1, 2->3 (x3), 3->5.5 (x2), 4->7, 5->8, 6->9.5 (x2).
  // R_a = 1 + 3 + 3 + 5.5 + 7 = 19.5, U_a = 4.5 (pairs a > b, ties 1/2: 0 + .5 + .5 + 1.5 + 2).
  // Ties: t = 3, 2, 2 -> sum(t^3 - t) = 24 + 6 + 6 = 36; var = 25/12 * (11 - 36/90) = 22.0833.
  // z = -(12.5 - 4.5 - 0.5) / 4.69929 = -1.59599; p = 0.110492.
  const auto r = mann_whitney_u({1, 2, 2, 3, 4}, {2, 3, 5, 6, 6});
  EXPECT_DOUBLE_EQ(r.u, 4.5);
  EXPECT_NEAR(r.z, -1.5959855, 1e-6);
  EXPECT_NEAR(r.p_value, 0.1104920, 1e-6);
}

TEST(CompareStats, MannWhitneyEdgeCases) {
  const auto same = mann_whitney_u({2, 2, 2, 2, 2}, {2, 2, 2, 2, 2});
  EXPECT_DOUBLE_EQ(same.p_value, 1);  // no spread at all: no evidence
  const auto equal = mann_whitney_u({1, 2, 3, 4, 5}, {1, 2, 3, 4, 5});
  EXPECT_DOUBLE_EQ(equal.u, 12.5);
  EXPECT_DOUBLE_EQ(equal.p_value, 1);
  EXPECT_THROW((void)mann_whitney_u({}, {1}), std::invalid_argument);
  EXPECT_NEAR(normal_upper_tail(0), 0.5, 1e-15);
  EXPECT_NEAR(normal_upper_tail(1.959963985), 0.025, 1e-9);
}

TEST(CompareStats, BootstrapIsDeterministic) {
  const std::vector<std::vector<double>> base{samples_around(1.0, 20, 0.02)};
  const std::vector<std::vector<double>> newer{samples_around(1.1, 20, 0.02)};
  const Interval a = bootstrap_ratio_ci(base, newer, false);
  const Interval b = bootstrap_ratio_ci(base, newer, false);
  EXPECT_EQ(a.low, b.low);
  EXPECT_EQ(a.high, b.high);
  // The interval holds the point estimate and is narrow for tight samples.
  EXPECT_LT(a.low, 1.1);
  EXPECT_GT(a.high, 1.1);
  EXPECT_GT(a.low, 1.07);
  EXPECT_LT(a.high, 1.13);
  // Another seed draws other resamples.
  BootstrapOptions other;
  other.seed = 42;
  const Interval c = bootstrap_ratio_ci(base, newer, false, other);
  EXPECT_TRUE(c.low != a.low || c.high != a.high);
  // Times: lower is better, so the ratio is BASE/NEW.
  const Interval t = bootstrap_ratio_ci(base, newer, true);
  EXPECT_NEAR(t.low, 1 / a.high, 0.01);
}

TEST(CompareStats, BootstrapOfConstantSamplesIsExact) {
  const Interval ci = bootstrap_ratio_ci({{2, 2, 2}, {2, 2}}, {{3, 3, 3, 3}}, false, {200, 0.95, 7});
  EXPECT_DOUBLE_EQ(ci.low, 1.5);
  EXPECT_DOUBLE_EQ(ci.high, 1.5);
  EXPECT_THROW((void)bootstrap_ratio_ci({}, {{1}}, false), std::invalid_argument);
  EXPECT_THROW((void)bootstrap_ratio_ci({{1}}, {{0}}, false), std::invalid_argument);
  EXPECT_THROW((void)bootstrap_ratio_ci({{1}}, {{1}}, false, {0, 0.95, 1}), std::invalid_argument);
}

TEST(CompareStats, GeometricMean) {
  EXPECT_DOUBLE_EQ(geometric_mean({1, 4}), 2);
  EXPECT_NEAR(geometric_mean({2, 8, 0.5}), 2, 1e-12);  // cube root of 8
  EXPECT_NEAR(geometric_mean({0.8, 1.25}), 1, 1e-12);  // symmetric in log space
  EXPECT_DOUBLE_EQ(geometric_mean({1.05}), 1.05);
  EXPECT_THROW((void)geometric_mean({}), std::invalid_argument);
  EXPECT_THROW((void)geometric_mean({1, 0}), std::invalid_argument);
  EXPECT_THROW((void)geometric_mean({1, -2}), std::invalid_argument);
}

TEST(CompareStats, ParseTolerance) {
  EXPECT_DOUBLE_EQ(parse_tolerance("5%"), 0.05);
  EXPECT_DOUBLE_EQ(parse_tolerance("0.05"), 0.05);
  EXPECT_DOUBLE_EQ(parse_tolerance("2.5%"), 0.025);
  EXPECT_DOUBLE_EQ(parse_tolerance("0"), 0);
  EXPECT_DOUBLE_EQ(parse_tolerance("0%"), 0);
  EXPECT_DOUBLE_EQ(parse_tolerance(".1"), 0.1);
  for (const char* bad :
       {"", "%", "5", "1", "-5%", "-0.05", "abc", "5%%", "100%", "1e-2", "nan", "inf", " 5%", "5 %", "0x1", "5..0%"}) {
    EXPECT_THROW((void)parse_tolerance(bad), UsageError) << bad;
  }
  try {
    (void)parse_tolerance("5");
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("'5'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("5%"), std::string::npos) << e.what();
  }
}

TEST(CompareStats, ParseFailOn) {
  EXPECT_EQ(parse_fail_on("slower"), FailOn::slower);
  EXPECT_EQ(parse_fail_on("any"), FailOn::any);
  EXPECT_EQ(parse_fail_on("never"), FailOn::never);
  EXPECT_THROW((void)parse_fail_on("faster"), UsageError);
}

// ---- verdict rules ------------------------------------------------------------------------------

TEST(CompareVerdict, Rules) {
  const double t = 0.05;
  // same: the interval inside 1 +- t (bounds inclusive), even when it excludes 1.
  EXPECT_EQ(decide_verdict(1.01, {0.99, 1.03}, t), CompareVerdict::same);
  EXPECT_EQ(decide_verdict(1.0, {0.95, 1.05}, t), CompareVerdict::same);
  EXPECT_EQ(decide_verdict(0.97, {0.96, 0.98}, t), CompareVerdict::same);
  // The old contradiction: 0.927 with an interval 0.918-0.961 is not the same.
  EXPECT_EQ(decide_verdict(0.927, {0.918, 0.961}, t), CompareVerdict::slower);
  // slower / faster: beyond 1, reaching past the tolerance, estimate past half of it.
  EXPECT_EQ(decide_verdict(0.80, {0.78, 0.82}, t), CompareVerdict::slower);
  EXPECT_EQ(decide_verdict(1.20, {1.18, 1.22}, t), CompareVerdict::faster);
  EXPECT_EQ(decide_verdict(0.95, {0.93, 0.97}, t), CompareVerdict::slower);  // a 5 % slowdown
  EXPECT_EQ(decide_verdict(1.05, {1.03, 1.07}, t), CompareVerdict::faster);
  // noisy: the interval holds 1 and reaches past the tolerance ...
  EXPECT_EQ(decide_verdict(0.93, {0.85, 1.01}, t), CompareVerdict::noisy);
  EXPECT_EQ(decide_verdict(1.02, {0.90, 1.10}, t), CompareVerdict::noisy);
  // ... or the estimate is too small to call although the interval reaches past the tolerance.
  EXPECT_EQ(decide_verdict(0.98, {0.94, 0.99}, t), CompareVerdict::noisy);
  EXPECT_EQ(decide_verdict(1.02, {1.01, 1.06}, t), CompareVerdict::noisy);
  // The tolerance moves the boundaries.
  EXPECT_EQ(decide_verdict(1.03, {1.02, 1.04}, 0.01), CompareVerdict::faster);
  EXPECT_EQ(decide_verdict(1.03, {1.02, 1.04}, t), CompareVerdict::same);
}

// A row's verdict never contradicts its definition, over a grid of ratios and intervals.
TEST(CompareVerdict, NeverContradictsDefinitions) {
  const double t = 0.05;
  for (double lo = 0.80; lo <= 1.20; lo += 0.01) {
    for (double hi = lo; hi <= 1.25; hi += 0.01) {
      for (double r = lo; r <= hi; r += 0.005) {
        const auto v = decide_verdict(r, {lo, hi}, t);
        const bool inside = lo >= 1 - t && hi <= 1 + t;
        EXPECT_EQ(v == CompareVerdict::same, inside) << r << " " << lo << " " << hi;
        if (v == CompareVerdict::slower) EXPECT_TRUE(hi < 1 && lo < 1 - t && r < 1 - t / 2);
        if (v == CompareVerdict::faster) EXPECT_TRUE(lo > 1 && hi > 1 + t && r > 1 + t / 2);
      }
    }
  }
}

TEST(CompareNoise, WidenIntervalAddsSpreadInQuadrature) {
  const auto w = widen_interval(1.0, std::exp(-0.03), std::exp(0.04), 0.03);
  EXPECT_NEAR(std::log(w.low), -std::hypot(0.03, 0.03), 1e-12);
  EXPECT_NEAR(std::log(w.high), std::hypot(0.04, 0.03), 1e-12);
  const auto none = widen_interval(1.0, 0.99, 1.01, 0);
  EXPECT_NEAR(none.low, 0.99, 1e-12);
  EXPECT_NEAR(none.high, 1.01, 1e-12);
}

TEST(CompareNoise, ClassesFallBackToWiderGroups) {
  const Json doc = Json::parse(R"({"schema": "gpuxfer.noise", "schema_version": {"major": 1, "minor": 0},
    "latency_bound_seconds": 5e-5, "default_spread": 0.1, "min_observations": 3,
    "classes": {"host/h2d_pageable/bandwidth_bound": {"spread": 0.2, "observations": 4},
                "host/d2h_pageable/bandwidth_bound": {"spread": 0.3, "observations": 2},
                "host/*/bandwidth_bound": {"spread": 0.25, "observations": 6},
                "*/*/latency_bound": {"spread": 0.08, "observations": 50}}})");
  const NoiseModel m = NoiseModel::from_json(doc, "test");
  EXPECT_EQ(m.spread("host", "h2d_pageable", Regime::bandwidth_bound, 0, 0).source,
            "host/h2d_pageable/bandwidth_bound");
  EXPECT_DOUBLE_EQ(m.spread("host", "h2d_pageable", Regime::bandwidth_bound, 0, 0).spread, 0.2);
  // Too few observations: the suite group.
  EXPECT_EQ(m.spread("host", "d2h_pageable", Regime::bandwidth_bound, 0, 0).source, "host/*/bandwidth_bound");
  EXPECT_EQ(m.spread("gemm", "gemm_fp16", Regime::latency_bound, 0, 0).source, "*/*/latency_bound");
  EXPECT_EQ(m.spread("gemm", "gemm_fp16", Regime::bandwidth_bound, 0, 0).source, "default");
  EXPECT_EQ(m.regime("elementwise", false, 2e-6), Regime::latency_bound);
  EXPECT_EQ(m.regime("elementwise", false, 2e-4), Regime::bandwidth_bound);
  EXPECT_EQ(m.regime("host", true, 1.0), Regime::latency_bound);
  EXPECT_THROW((void)NoiseModel::from_json(Json::parse(R"({"schema": "gpuxfer.report"})"), "x"), InputError);
  // A 1.0 model has no cv term: the row's cv does not widen it.
  EXPECT_DOUBLE_EQ(m.spread("host", "h2d_pageable", Regime::bandwidth_bound, 0.5, 0.5).spread, 0.2);
}

TEST(CompareNoise, CvTermScalesWithTheRowsWithinRunCv) {
  const Json doc = Json::parse(R"({"schema": "gpuxfer.noise", "schema_version": {"major": 1, "minor": 1},
    "latency_bound_seconds": 5e-5, "default_spread": 0.1, "min_observations": 3, "cv_multiplier": 3,
    "classes": {"overlap/h2d_gemm/bandwidth_bound": {"spread": 0.01, "observations": 8}}})");
  const NoiseModel m = NoiseModel::from_json(doc, "test");
  EXPECT_DOUBLE_EQ(m.cv_multiplier(), 3);
  const NoiseSpread steady = m.spread("overlap", "h2d_gemm", Regime::bandwidth_bound, 0.001, 0.001);
  EXPECT_DOUBLE_EQ(steady.class_spread, 0.01);
  EXPECT_NEAR(steady.cv_term, 3 * std::hypot(0.001, 0.001), 1e-15);
  EXPECT_NEAR(steady.spread, 0.01 + 3 * std::hypot(0.001, 0.001), 1e-15);
  // A scattered run allows more: the same class, cvs of 1.5 %.
  const NoiseSpread scattered = m.spread("overlap", "h2d_gemm", Regime::bandwidth_bound, 0.015, 0.015);
  EXPECT_GT(scattered.spread, 0.07);
  // A cv that is not a number (one sample) adds nothing rather than poisoning the interval.
  EXPECT_DOUBLE_EQ(m.spread("overlap", "h2d_gemm", Regime::bandwidth_bound, std::nan(""), 0).spread, 0.01);
  EXPECT_THROW((void)NoiseModel::from_json(Json::parse(R"({"schema": "gpuxfer.noise",
    "schema_version": {"major": 1, "minor": 1}, "latency_bound_seconds": 5e-5, "default_spread": 0.1,
    "min_observations": 3, "cv_multiplier": -1, "classes": {}})"),
                                           "x"),
               InputError);
}

TEST(CompareNoise, EmbeddedModelIsLearnedFromPairs) {
  const NoiseModel& m = NoiseModel::embedded();
  EXPECT_GE(m.pairs(), 5u);
  EXPECT_EQ(m.spread("host", "h2d_pinned", Regime::bandwidth_bound, 0, 0).source, "host/h2d_pinned/bandwidth_bound");
}

// ---- matching -----------------------------------------------------------------------------------

TEST(CompareMatching, SameMachineMatchesByExactPair) {
  const auto base = make_report("a.json", make_system(4, "A"), all_pairs(4, 1e-3));
  const auto newer = make_report("b.json", make_system(4, "A"), all_pairs(4, 1e-3));
  const Comparison c = compare_reports(base, newer);
  EXPECT_EQ(c.matching, Matching::exact_pair);
  ASSERT_EQ(c.rows.size(), 12u);
  EXPECT_TRUE(c.only_in_base.empty());
  EXPECT_TRUE(c.only_in_new.empty());
  for (const auto& row : c.rows) {
    EXPECT_EQ(row.base.records, 1u);
    EXPECT_EQ(row.newer.records, 1u);
    EXPECT_DOUBLE_EQ(row.ratio, 1.0);
    EXPECT_EQ(row.verdict, CompareVerdict::same);
  }
  EXPECT_EQ(c.rows.front().key.src, 0);
  EXPECT_EQ(c.rows.front().key.dst, 1);
  ASSERT_EQ(c.suites.size(), 1u);
  EXPECT_DOUBLE_EQ(*c.suites.front().geomean, 1.0);
  EXPECT_EQ(count_failures(c, FailOn::any), 0u);
}

TEST(CompareMatching, SameMachineFollowsUuidsNotOrdinals) {
  // NEW ran with CUDA_VISIBLE_DEVICES=1,0: its GPU 0 is BASE's GPU 1. Only 0->1 got slower.
  auto base_records = std::vector<Record>{make_record(Method::ce_write, 0, 1, 1 << 20, samples_around(1e-3)),
                                          make_record(Method::ce_write, 1, 0, 1 << 20, samples_around(1e-3))};
  SystemInfo swapped = make_system(2, "A");
  std::swap(swapped.devices[0].uuid, swapped.devices[1].uuid);
  auto new_records = std::vector<Record>{make_record(Method::ce_write, 1, 0, 1 << 20, samples_around(1.25e-3)),
                                         make_record(Method::ce_write, 0, 1, 1 << 20, samples_around(1e-3))};
  const Comparison c =
      compare_reports(make_report("a", make_system(2, "A"), base_records), make_report("b", swapped, new_records));
  EXPECT_EQ(c.matching, Matching::exact_pair);
  ASSERT_EQ(c.rows.size(), 2u);
  EXPECT_EQ(c.rows[0].key.src, 0);  // shown with BASE's numbering
  EXPECT_EQ(c.rows[0].verdict, CompareVerdict::slower);
  EXPECT_NEAR(c.rows[0].ratio, 0.8, 1e-9);
  EXPECT_EQ(c.rows[1].verdict, CompareVerdict::same);
}

TEST(CompareMatching, DifferentGpuCountsMatchByLinkClassAndPool) {
  // BASE: 4 GPUs, 12 NV18 pairs; NEW: 2 GPUs, 2 pairs, 20 % slower.
  auto base_records = all_pairs(4, 1e-3);
  base_records[3].sample_seconds = samples_around(1.1e-3);  // one slower pair: moves the median of medians
  base_records[3].time = summarize(base_records[3].sample_seconds);
  const auto base = make_report("4x.json", make_system(4, "A"), base_records);
  const auto newer = make_report("2x.json", make_system(2, "B"), all_pairs(2, 1.25e-3));
  const Comparison c = compare_reports(base, newer);
  EXPECT_EQ(c.matching, Matching::link_class);
  ASSERT_EQ(c.rows.size(), 1u);
  const CompareRow& row = c.rows.front();
  EXPECT_EQ(row.base.records, 12u);
  EXPECT_EQ(row.newer.records, 2u);
  EXPECT_EQ(row.base.samples, 240u);
  EXPECT_EQ(row.key.direction, "gpu -> gpu");
  EXPECT_EQ(row.key.link_class, "NV18");
  // Median of 12 per-record medians (11 at 400e9 B/s, one lower) is 400e9 B/s.
  EXPECT_NEAR(row.base.median, 4e11, 4e11 * 1e-6);
  EXPECT_NEAR(row.ratio, 0.8, 1e-9);
  EXPECT_EQ(row.verdict, CompareVerdict::slower);
  ASSERT_TRUE(row.p_value.has_value());
  EXPECT_LT(*row.p_value, 1e-6);
  EXPECT_LT(row.ci.high, 0.95);
  EXPECT_EQ(count_failures(c, FailOn::slower), 1u);
  EXPECT_EQ(gpu_names(c.base), "4x NVIDIA H200");
  EXPECT_EQ(gpu_names(c.newer), "2x NVIDIA H200");
}

TEST(CompareMatching, LinkClassSeparatesKeys) {
  // Same method and size over NV18 and over SYS are different keys.
  auto base_records = all_pairs(2, 1e-3);
  base_records.push_back(make_record(Method::ce_write, 0, 1, 400000000, samples_around(2e-2), "SYS"));
  const Comparison c = compare_reports(make_report("a", make_system(2, "A"), base_records),
                                       make_report("b", make_system(8, "B"), all_pairs(8, 1e-3)));
  ASSERT_EQ(c.rows.size(), 1u);
  EXPECT_EQ(c.rows[0].newer.records, 56u);
  ASSERT_EQ(c.only_in_base.size(), 1u);
  EXPECT_EQ(c.only_in_base[0].key.link_class, "SYS");
}

TEST(CompareMatching, MissingKeysAreListedAndCountForFailOnAny) {
  std::vector<Record> base_records{make_record(Method::ce_write, 0, 1, 4096, samples_around(1e-5)),
                                   make_record(Method::sm_push, 0, 1, 4096, samples_around(1e-5))};
  std::vector<Record> new_records{make_record(Method::ce_write, 0, 1, 4096, samples_around(1e-5)),
                                  make_record(Method::ce_write, 0, 1, 8192, samples_around(1e-5))};
  const Comparison c = compare_reports(make_report("a", make_system(2, "A"), base_records),
                                       make_report("b", make_system(2, "B"), new_records));
  ASSERT_EQ(c.rows.size(), 1u);
  ASSERT_EQ(c.only_in_base.size(), 1u);
  EXPECT_EQ(c.only_in_base[0].key.method, Method::sm_push);
  ASSERT_EQ(c.only_in_new.size(), 1u);
  EXPECT_EQ(c.only_in_new[0].key.bytes, 8192u);
  EXPECT_EQ(count_failures(c, FailOn::slower), 0u);
  EXPECT_EQ(count_failures(c, FailOn::any), 1u);  // sm_push is gone; a new key is not a failure
  EXPECT_EQ(count_failures(c, FailOn::never), 0u);
  ASSERT_EQ(c.suites.size(), 1u);
  EXPECT_EQ(c.suites[0].only_in_base, 1u);
  EXPECT_EQ(c.suites[0].only_in_new, 1u);
}

TEST(CompareMatching, SkippedAndFailedRecordsAreNeverCompared) {
  Record failed = make_record(Method::ce_write, 0, 1, 4096, {});
  failed.status = Status::failed;
  failed.mismatches = 12;
  failed.time.reset();
  Record skipped = make_record(Method::sm_push, 0, 1, 4096, {});
  skipped.status = Status::skipped;
  skipped.reason = "no P2P";
  skipped.time.reset();
  std::vector<Record> base_records{make_record(Method::ce_write, 0, 1, 4096, samples_around(1e-5)), skipped};
  std::vector<Record> new_records{failed, skipped};
  const Comparison c = compare_reports(make_report("a", make_system(2, "A"), base_records),
                                       make_report("b", make_system(2, "A"), new_records));
  ASSERT_EQ(c.rows.size(), 2u);
  EXPECT_EQ(c.rows[0].verdict, CompareVerdict::not_compared);
  EXPECT_FALSE(c.rows[0].compared);
  EXPECT_EQ(c.rows[0].newer.status, "failed: 12 mismatches");
  EXPECT_NE(c.rows[0].note.find("NEW"), std::string::npos) << c.rows[0].note;
  EXPECT_EQ(c.rows[1].verdict, CompareVerdict::not_compared);
  EXPECT_EQ(c.rows[1].base.status, "skipped: no P2P");
  EXPECT_EQ(count_failures(c, FailOn::slower), 0u);
  EXPECT_EQ(count_failures(c, FailOn::any), 1u);  // measured in BASE, not in NEW; both-skipped is fine
  EXPECT_EQ(c.suites[0].not_compared, 2u);
  EXPECT_FALSE(c.suites[0].geomean.has_value());
}

TEST(CompareMatching, PartlyFailedKeyComparesTheMeasuredRecords) {
  auto base_records = all_pairs(4, 1e-3);
  auto new_records = all_pairs(4, 1e-3);
  new_records[5].status = Status::failed;
  new_records[5].reason = "3 mismatches";
  const Comparison c = compare_reports(make_report("a", make_system(4, "A"), base_records),
                                       make_report("b", make_system(4, "B"), new_records));
  ASSERT_EQ(c.rows.size(), 1u);
  EXPECT_TRUE(c.rows[0].compared);
  EXPECT_EQ(c.rows[0].newer.records, 11u);
  EXPECT_EQ(c.rows[0].newer.not_ok, 1u);
  EXPECT_NE(c.rows[0].note.find("1 of 12"), std::string::npos) << c.rows[0].note;
}

TEST(CompareMatching, LatencyRatioMeansFaster) {
  std::vector<Record> base_records{make_record(Method::peer_b2b, 0, 1, 4, samples_around(2e-6))};
  std::vector<Record> new_records{make_record(Method::peer_b2b, 0, 1, 4, samples_around(1e-6))};
  const Comparison c = compare_reports(make_report("a", make_system(2, "A"), base_records),
                                       make_report("b", make_system(2, "B"), new_records));
  ASSERT_EQ(c.rows.size(), 1u);
  EXPECT_EQ(c.rows[0].key.metric, Metric::latency);
  EXPECT_NEAR(c.rows[0].ratio, 2.0, 1e-9);  // half the time: twice as fast
  EXPECT_NEAR(c.rows[0].base.median, 2e-6, 1e-15);
  EXPECT_EQ(c.rows[0].verdict, CompareVerdict::faster);
}

TEST(CompareMatching, NoisyWhenTheSamplesCannotConfirmTheChange) {
  // Medians 10 % apart but samples spread +-40 %: beyond tolerance, not significant.
  std::vector<Record> base_records{make_record(Method::ce_write, 0, 1, 1 << 20, samples_around(1e-3, 6, 0.4))};
  std::vector<Record> new_records{make_record(Method::ce_write, 0, 1, 1 << 20, samples_around(1.1e-3, 6, 0.4))};
  const Comparison c = compare_reports(make_report("a", make_system(2, "A"), base_records),
                                       make_report("b", make_system(2, "A"), new_records));
  ASSERT_EQ(c.rows.size(), 1u);
  EXPECT_EQ(c.rows[0].verdict, CompareVerdict::noisy);
  // Fewer than 5 samples a side: no test, so a change is at most noisy.
  std::vector<Record> few_base{make_record(Method::ce_write, 0, 1, 1 << 20, samples_around(1e-3, 3))};
  std::vector<Record> few_new{make_record(Method::ce_write, 0, 1, 1 << 20, samples_around(1.5e-3, 3))};
  const Comparison f =
      compare_reports(make_report("a", make_system(2, "A"), few_base), make_report("b", make_system(2, "A"), few_new));
  EXPECT_FALSE(f.rows[0].p_value.has_value());
  EXPECT_EQ(f.rows[0].verdict, CompareVerdict::noisy);
}

TEST(CompareMatching, MultiGpuCasesNeedTheSameParticipantCount) {
  auto multi = [](int gpus) {
    Record r = make_record(Method::all_h2d, kHost, kHost, 400000000, samples_around(1e-2), "PCIe");
    for (int i = 0; i < gpus; ++i) r.test.devices.push_back(i);
    return r;
  };
  const Comparison c = compare_reports(make_report("a", make_system(4, "A"), {multi(4)}),
                                       make_report("b", make_system(2, "B"), {multi(2)}));
  EXPECT_TRUE(c.rows.empty());
  ASSERT_EQ(c.only_in_base.size(), 1u);
  EXPECT_EQ(c.only_in_base[0].key.direction, "host -> 4 GPUs");
  EXPECT_EQ(c.only_in_new[0].key.direction, "host -> 2 GPUs");
}

TEST(CompareMatching, TunedPipelinedMatchesWhateverSettingEachRunChose) {
  auto pipelined = [](std::uint64_t bytes, std::uint64_t chunk, int ring, bool headline, bool tuning) {
    Record r = make_record(Method::pipelined, 0, 1, bytes, samples_around(1e-2));
    r.test.chunk_bytes = chunk;
    r.test.ring_depth = ring;
    r.test.headline = headline;
    r.test.tuning = tuning;
    return r;
  };
  constexpr std::uint64_t MiB = 1 << 20;
  // Tuning grid at 400 MB (two settings), the tuned headline case and a tuned sweep size.
  std::vector<Record> base_records{
      pipelined(400000000, 4 * MiB, 2, false, true), pipelined(400000000, 8 * MiB, 4, false, true),
      pipelined(400000000, 8 * MiB, 4, true, false), pipelined(64 * MiB, 8 * MiB, 4, false, false)};
  std::vector<Record> new_records{
      pipelined(400000000, 4 * MiB, 2, false, true), pipelined(400000000, 8 * MiB, 4, false, true),
      pipelined(400000000, 4 * MiB, 2, true, false), pipelined(64 * MiB, 4 * MiB, 2, false, false)};
  const Comparison c = compare_reports(make_report("a", make_system(2, "A"), base_records),
                                       make_report("b", make_system(2, "A"), new_records));
  EXPECT_TRUE(c.only_in_base.empty());
  EXPECT_TRUE(c.only_in_new.empty());
  ASSERT_EQ(c.rows.size(), 4u);  // 2 grid settings + tuned 64 MiB + tuned 400 MB
  int tuned = 0;
  for (const auto& row : c.rows) {
    if (!row.key.tuned) continue;
    ++tuned;
    EXPECT_EQ(row.base.setting, "8 MiB x4");
    EXPECT_EQ(row.newer.setting, "4 MiB x2");
  }
  EXPECT_EQ(tuned, 2);
}

TEST(CompareMatching, SuiteGeomeanOfRatios) {
  std::vector<Record> base_records{make_record(Method::ce_write, 0, 1, 4096, samples_around(1e-5)),
                                   make_record(Method::ce_write, 0, 1, 8192, samples_around(1e-5)),
                                   make_record(Method::h2d_pinned, kHost, 0, 4096, samples_around(1e-5), "PCIe")};
  std::vector<Record> new_records{make_record(Method::ce_write, 0, 1, 4096, samples_around(0.5e-5)),
                                  make_record(Method::ce_write, 0, 1, 8192, samples_around(2e-5)),
                                  make_record(Method::h2d_pinned, kHost, 0, 4096, samples_around(1e-5), "PCIe")};
  const Comparison c = compare_reports(make_report("a", make_system(2, "A"), base_records),
                                       make_report("b", make_system(1, "B"), new_records));
  ASSERT_EQ(c.suites.size(), 2u);
  EXPECT_EQ(c.suites[0].suite, Suite::peer);
  EXPECT_NEAR(*c.suites[0].geomean, 1.0, 1e-9);  // 2x and 0.5x
  EXPECT_EQ(c.suites[0].faster, 1u);
  EXPECT_EQ(c.suites[0].slower, 1u);
  EXPECT_EQ(c.suites[1].suite, Suite::host);
  EXPECT_NEAR(*c.suites[1].geomean, 1.0, 1e-9);
  EXPECT_EQ(c.rows[2].key.direction, "host -> gpu");
}

TEST(CompareMatching, RealReportsSameMachineAndAcross) {
  const LoadedReport four = load_report(runs_file("h200x4-nvswitch-2026-11-26-26b4d5b7/bench-run1.json"));
  const LoadedReport run2 = load_report(runs_file("h200x4-nvswitch-2026-11-26-26b4d5b7/bench-run2.json"));
  const LoadedReport two = load_report(runs_file("h200x2-nvswitch-2026-11-26-b1ce9020/bench.json"));
  const Comparison self = compare_reports(four, four);
  EXPECT_EQ(self.matching, Matching::exact_pair);
  EXPECT_TRUE(self.only_in_base.empty());
  EXPECT_TRUE(self.only_in_new.empty());
  for (const auto& row : self.rows) {
    // Same where the method's run-to-run spread fits in the tolerance; otherwise one run cannot
    // promise the next is within 5 %: noisy. Never faster or slower.
    EXPECT_TRUE(row.verdict == CompareVerdict::same || row.verdict == CompareVerdict::noisy) << row.key.id;
    if (row.spread.spread < 0.03) EXPECT_EQ(row.verdict, CompareVerdict::same) << row.key.id;
    EXPECT_DOUBLE_EQ(row.ratio, 1.0);
  }
  const Comparison again = compare_reports(four, run2);
  EXPECT_EQ(again.matching, Matching::exact_pair);  // both runs on the same 4 GPUs
  for (const auto& row : again.rows) {              // an A/A pair: no verdict of a change
    EXPECT_NE(row.verdict, CompareVerdict::slower) << row.key.id;
    EXPECT_NE(row.verdict, CompareVerdict::faster) << row.key.id;
  }
  EXPECT_TRUE(again.only_in_base.empty());
  EXPECT_TRUE(again.only_in_new.empty());
  const Comparison across = compare_reports(four, two);
  EXPECT_EQ(across.matching, Matching::link_class);
  // The 400 MB ce_write pools 12 pairs against 2.
  bool found = false;
  for (const auto& row : across.rows) {
    if (row.key.method == Method::ce_write && row.key.bytes == 400000000) {
      EXPECT_EQ(row.base.records, 12u);
      EXPECT_EQ(row.newer.records, 2u);
      EXPECT_TRUE(row.compared);
      found = true;
    }
  }
  EXPECT_TRUE(found);
  // All-GPU cases of 4 GPUs have no counterpart on 2.
  EXPECT_FALSE(across.only_in_base.empty());
  EXPECT_FALSE(across.only_in_new.empty());
  // Deterministic: the same inputs give the same intervals.
  const Comparison across2 = compare_reports(four, two);
  ASSERT_EQ(across.rows.size(), across2.rows.size());
  for (std::size_t i = 0; i < across.rows.size(); ++i) {
    EXPECT_EQ(across.rows[i].ci.low, across2.rows[i].ci.low);
    EXPECT_EQ(across.rows[i].ci.high, across2.rows[i].ci.high);
  }
}

// ---- renderings ---------------------------------------------------------------------------------

TEST(CompareRender, JsonDocument) {
  const auto base = make_report("4x.json", make_system(4, "A"), all_pairs(4, 1e-3));
  const auto newer = make_report("2x.json", make_system(2, "B", "NVIDIA H100"), all_pairs(2, 1.25e-3));
  const Json doc = compare_to_json({compare_reports(base, newer)}, FailOn::slower);
  EXPECT_EQ(doc.at("schema"), "gpuxfer.compare");
  EXPECT_EQ(doc.at("schema_version").at("major"), 1);
  EXPECT_EQ(doc.at("schema_version").at("minor"), kCompareSchemaMinor);
  EXPECT_EQ(doc.at("base").at("gpus").at(0).at("count"), 4);
  EXPECT_EQ(doc.at("base").at("driver"), "580.159.04");
  EXPECT_EQ(doc.at("settings").at("tolerance"), 0.05);
  const Json& c = doc.at("comparisons").at(0);
  EXPECT_EQ(c.at("new").at("gpus").at(0).at("name"), "NVIDIA H100");
  EXPECT_EQ(c.at("matching"), "link_class");
  EXPECT_EQ(c.at("rows").size(), 1u);
  EXPECT_EQ(c.at("rows").at(0).at("verdict"), "slower");
  EXPECT_EQ(c.at("rows").at(0).at("base").at("records"), 12);
  EXPECT_NEAR(c.at("rows").at(0).at("ratio").get<double>(), 0.8, 1e-9);
  const Json& noise = c.at("rows").at(0).at("noise");
  EXPECT_NEAR(noise.at("spread").get<double>(),
              noise.at("class_spread").get<double>() + noise.at("cv_term").get<double>(), 1e-12);
  EXPECT_EQ(c.at("suites").at(0).at("suite"), "peer");
  EXPECT_TRUE(c.at("only_in_base").is_array());
  EXPECT_TRUE(c.at("only_in_new").is_array());
  EXPECT_EQ(c.at("failures"), 1);
  EXPECT_NE(doc.at("convention").get<std::string>().find("NEW is faster"), std::string::npos);
}

TEST(CompareRender, TablesCsvMarkdown) {
  std::vector<Record> base_records = all_pairs(2, 1e-3);
  base_records.push_back(make_record(Method::sm_push, 0, 1, 4096, samples_around(1e-5)));
  const auto base = make_report("base.json", make_system(2, "A"), base_records);
  const auto newer = make_report("new.json", make_system(2, "A"), all_pairs(2, 1.25e-3));
  const std::vector<Comparison> cs{compare_reports(base, newer)};

  const std::string text = render_comparisons(cs, OutputFormat::table, false);
  EXPECT_NE(text.find("2x NVIDIA H200"), std::string::npos) << text;
  EXPECT_NE(text.find("580.159.04"), std::string::npos);
  EXPECT_NE(text.find("A-host"), std::string::npos);
  EXPECT_NE(text.find("NEW is faster"), std::string::npos);
  EXPECT_NE(text.find("slower"), std::string::npos);
  EXPECT_NE(text.find("GPU0 -> GPU1"), std::string::npos);
  EXPECT_NE(text.find("Only in BASE"), std::string::npos);
  EXPECT_EQ(text.find("\x1b["), std::string::npos);

  const std::string colored = render_comparisons(cs, OutputFormat::table, true);
  EXPECT_NE(colored.find("\x1b[31mslower"), std::string::npos) << colored;

  const std::string md = render_comparisons(cs, OutputFormat::markdown, false);
  EXPECT_NE(md.find("### Reports"), std::string::npos);
  EXPECT_NE(md.find("| ce_write |"), std::string::npos) << md;
  EXPECT_EQ(md.find("\x1b["), std::string::npos);

  const Table flat = compare_flat_table(cs);
  ASSERT_EQ(flat.rows.size(), 3u);  // 2 matched + 1 only in BASE
  for (const auto& row : flat.rows) EXPECT_EQ(row.size(), flat.header.size());
  EXPECT_EQ(flat.rows.back()[37], "only_in_base");
  EXPECT_EQ(flat.header[37], "verdict");
  const std::string csv = render_comparisons(cs, OutputFormat::csv, false);
  EXPECT_EQ(csv.rfind("base_file,new_file,", 0), 0u);
}

// GEMM records compare FLOP/s (higher is better), overlap records their together time (lower is
// better): a faster NEW has a ratio above 1 in both.
TEST(CompareCompute, GemmComparesFlopRatesAndOverlapTimes) {
  auto gemm = [](double seconds) {
    Record r = make_record(Method::gemm_bf16, 0, 0, 600000000, samples_around(seconds), "");
    r.test.gemm_n = 10000;
    r.flops_per_op = 2e12;
    return r;
  };
  auto overlap = [](double seconds) {
    Record r = make_record(Method::copy_gemm, 0, 1, 400000000, samples_around(seconds));
    r.test.gemm_n = 10000;
    r.overlap = OverlapTimes{1e-3, 3e-3, seconds, 1e-3, seconds};
    return r;
  };
  const LoadedReport base = make_report("base.json", make_system(2, "A"), {gemm(2.5e-3), overlap(3.2e-3)});
  const LoadedReport newer = make_report("new.json", make_system(2, "A"), {gemm(2.0e-3), overlap(2.9e-3)});
  const Comparison c = compare_reports(base, newer);
  ASSERT_EQ(c.rows.size(), 2u);
  for (const auto& row : c.rows) {
    SCOPED_TRACE(to_string(row.key.method));
    ASSERT_TRUE(row.compared);
    EXPECT_GT(row.ratio, 1.0) << "NEW is faster";
    EXPECT_EQ(row.verdict, CompareVerdict::faster);
  }
  const auto& g = c.rows[0].key.method == Method::gemm_bf16 ? c.rows[0] : c.rows[1];
  EXPECT_NEAR(g.ratio, 1.25, 1e-3);
  EXPECT_NEAR(g.base.median, 800e12, 1e9);  // FLOP/s, not seconds
  const auto& o = c.rows[0].key.method == Method::copy_gemm ? c.rows[0] : c.rows[1];
  EXPECT_NEAR(o.ratio, 3.2 / 2.9, 1e-3);
}
