// The compute suites' host side: FLOP and byte accounting, the peak table, % of peak, overlap
// efficiency, planning, tables and JSON of synthetic compute records.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/bench_view.hpp"
#include "core/error.hpp"
#include "core/peak.hpp"
#include "core/plan.hpp"
#include "core/record_json.hpp"
#include "core/stats.hpp"
#include "../support/synthetic_pairs.hpp"

using namespace gx;

namespace {

constexpr std::uint64_t kTensor = 400000000;  // 10000 x 10000 f32

DeviceInfo hopper(int index) {
  DeviceInfo d;
  d.index = index;
  d.name = "NVIDIA H200";
  d.cc_major = 9;
  d.cc_minor = 0;
  d.sm_count = 132;
  d.max_sm_clock_hz = 1.98e9;
  d.memory_total_bytes = 140ull << 30;
  d.memory_free_bytes = 139ull << 30;
  d.l2_bytes = 50ull << 20;
  d.memory_bandwidth_bytes_per_s = 4.8e12;
  d.pcie.max_bytes_per_s = 63e9;
  return d;
}

SystemInfo system_of(std::vector<DeviceInfo> devices) {
  SystemInfo s;
  s.devices = std::move(devices);
  test::add_every_pair(s, [](int, int) { return test::SyntheticLink{LinkClass{"NV18", 18}, 478e9}; });
  return s;
}

BenchOptions compute_options() {
  BenchOptions o;
  o.suites = {Suite::elementwise, Suite::gemm, Suite::overlap};
  o.sizes = {1u << 20, kTensor};
  o.headline_bytes = kTensor;
  return o;
}

std::vector<Case> of(const std::vector<Case>& cases, Method m) {
  std::vector<Case> out;
  std::copy_if(cases.begin(), cases.end(), std::back_inserter(out), [&](const Case& c) { return c.method == m; });
  return out;
}

Summary constant(double seconds) {
  Summary t;
  t.n = 20;
  t.min = t.q1 = t.median = t.q3 = t.max = t.mean = seconds;
  return t;
}

Record measured(Case c, double seconds) {
  Record r;
  r.test = std::move(c);
  r.status = Status::ok;
  r.verified = true;
  r.time = constant(seconds);
  r.sample_seconds.assign(20, seconds);
  return r;
}

Case device_case(Method m, int gpu, std::uint64_t bytes) {
  Case c;
  c.suite = suite_of(m);
  c.method = m;
  c.src = c.dst = gpu;
  c.bytes = bytes;
  c.headline = true;
  c.theoretical_bytes_per_s = 4.8e12;
  return c;
}

Record gemm_record(Method m, int gpu, std::uint64_t n, double seconds, double peak) {
  Case c = device_case(m, gpu, gemm_operand_bytes(m, n));
  c.gemm_n = n;
  c.dtype = gemm_dtype(m);
  c.theoretical_bytes_per_s = Known<double>::unknown("gemm: a FLOP/s measurement");
  c.theoretical_flops_per_s = peak;
  Record r = measured(c, seconds);
  r.flops_per_op = gemm_flops(n);
  r.bytes_per_op = static_cast<double>(c.bytes);
  r.accuracy = Accuracy{2.5e-3, 1e-2, 256};
  return r;
}

const Table* find(const std::vector<Table>& tables, const std::string& prefix) {
  for (const auto& t : tables) {
    if (t.title.rfind(prefix, 0) == 0) return &t;
  }
  return nullptr;
}

}  // namespace

TEST(ComputeAccounting, ElementwiseBytesAreReadPlusWritten) {
  EXPECT_EQ(elementwise_arrays_touched(Method::scale), 2);
  EXPECT_EQ(elementwise_arrays_touched(Method::sqrt), 2);
  EXPECT_EQ(elementwise_arrays_touched(Method::copy), 2);
  EXPECT_EQ(elementwise_arrays_touched(Method::axpy), 3);
  EXPECT_EQ(elementwise_arrays_touched(Method::triad), 3);
  EXPECT_EQ(elementwise_arrays_touched(Method::ce_write), 0);
  EXPECT_DOUBLE_EQ(elementwise_bytes_per_op(Method::triad, kTensor), 1.2e9);
  EXPECT_DOUBLE_EQ(elementwise_bytes_per_op(Method::scale, kTensor), 0.8e9);
}

TEST(ComputeAccounting, GemmFlopsAndOperands) {
  EXPECT_DOUBLE_EQ(gemm_flops(10000), 2e12);
  EXPECT_DOUBLE_EQ(gemm_flops(1), 2);
  EXPECT_EQ(gemm_operand_bytes(Method::gemm_fp32, 10000), 3ull * 10000 * 10000 * 4);
  EXPECT_EQ(gemm_operand_bytes(Method::gemm_bf16, 1000), 3ull * 1000 * 1000 * 2);
  EXPECT_EQ(gemm_dtype(Method::gemm_tf32), DType::f32);
  EXPECT_EQ(gemm_dtype(Method::gemm_fp16), DType::f16);
  EXPECT_EQ(metric_of(Method::gemm_tf32), Metric::throughput);
  EXPECT_EQ(metric_of(Method::copy_gemm), Metric::overlap);
  EXPECT_EQ(metric_of(Method::triad), Metric::bandwidth);
  EXPECT_EQ(to_string(Metric::throughput), "throughput");
  EXPECT_EQ(parse_suite("gemm"), Suite::gemm);
  EXPECT_EQ(parse_method("h2d_gemm"), Method::h2d_gemm);
}

TEST(PeakTable, HopperRatesFromSmsClockAndPerSmRate) {
  const DeviceInfo d = hopper(0);
  // The whitepaper's FP32 figure, 66.9 TFLOP/s at 1.98 GHz.
  EXPECT_NEAR(*peak_flops(d, Method::gemm_fp32), 66.9e12, 0.1e12);
  EXPECT_DOUBLE_EQ(*peak_flops(d, Method::gemm_bf16), 132 * 1.98e9 * 4096);
  EXPECT_DOUBLE_EQ(*peak_flops(d, Method::gemm_tf32), *peak_flops(d, Method::gemm_bf16) / 2);
  // At the datasheet's tensor clock the table gives the datasheet's 989.4 TFLOP/s.
  EXPECT_NEAR(*flops_per_clock_per_sm(Method::gemm_bf16, 9, 0) * 132 * 1.83e9, 989.4e12, 0.1e12);
  // A100: 312 TFLOP/s BF16 at 108 SMs x 1.41 GHz.
  EXPECT_NEAR(*flops_per_clock_per_sm(Method::gemm_bf16, 8, 0) * 108 * 1.41e9, 312e12, 1e12);
}

TEST(PeakTable, UnknownsCarryTheReason) {
  const auto blackwell = flops_per_clock_per_sm(Method::gemm_bf16, 10, 0);
  ASSERT_FALSE(blackwell.has_value());
  EXPECT_NE(blackwell.reason.find("10.0"), std::string::npos);
  const auto volta_tf32 = flops_per_clock_per_sm(Method::gemm_tf32, 7, 0);
  ASSERT_FALSE(volta_tf32.has_value());
  EXPECT_NE(volta_tf32.reason.find("Volta"), std::string::npos);
  DeviceInfo no_clock = hopper(3);
  no_clock.max_sm_clock_hz = Known<double>::unknown("NVML absent");
  const auto peak = peak_flops(no_clock, Method::gemm_fp32);
  ASSERT_FALSE(peak.has_value());
  EXPECT_NE(peak.reason.find("NVML absent"), std::string::npos);
  EXPECT_FALSE(flops_per_clock_per_sm(Method::scale, 9, 0).has_value());
}

TEST(PeakTable, UnsupportedPrecisions) {
  DeviceInfo turing = hopper(1);
  turing.cc_major = 7;
  turing.cc_minor = 5;
  EXPECT_NE(gemm_unsupported_on(turing, Method::gemm_bf16).find("8.0"), std::string::npos);
  EXPECT_NE(gemm_unsupported_on(turing, Method::gemm_tf32).find("GPU 1 is 7.5"), std::string::npos);
  EXPECT_EQ(gemm_unsupported_on(turing, Method::gemm_fp16), "");
  EXPECT_EQ(gemm_unsupported_on(turing, Method::gemm_fp32), "");
  DeviceInfo pascal = turing;
  pascal.cc_major = 6;
  pascal.cc_minor = 0;
  EXPECT_NE(gemm_unsupported_on(pascal, Method::gemm_fp16), "");
  EXPECT_EQ(gemm_unsupported_on(hopper(0), Method::gemm_bf16), "");
}

TEST(ComputeRates, PercentOfPeakAndFlopRates) {
  // 2e12 FLOP in 2.5 ms = 800 TFLOP/s.
  const Record r = gemm_record(Method::gemm_bf16, 0, 10000, 2.5e-3, 1000e12);
  EXPECT_DOUBLE_EQ(*median_flop_rate(r), 800e12);
  EXPECT_DOUBLE_EQ(*efficiency(r), 0.8);
  EXPECT_FALSE(median_rate(r).has_value()) << "a GEMM has no bandwidth";
  Record unknown_peak = r;
  unknown_peak.test.theoretical_flops_per_s = Known<double>::unknown("no table entry");
  EXPECT_FALSE(efficiency(unknown_peak).has_value());
  // Elementwise: bandwidth vs memory.
  Case c = device_case(Method::scale, 0, kTensor);
  Record e = measured(c, 0.2e-3);
  e.bytes_per_op = elementwise_bytes_per_op(Method::scale, kTensor);
  EXPECT_DOUBLE_EQ(*median_rate(e), 4e12);
  EXPECT_NEAR(*efficiency(e), 4.0 / 4.8, 1e-12);
  EXPECT_FALSE(median_flop_rate(e).has_value());
}

TEST(Overlap, EfficiencyAndSlowdowns) {
  OverlapTimes t{1.0, 3.0, 3.0, 1.2, 3.0};
  EXPECT_DOUBLE_EQ(*overlap_efficiency(t), 1.0);  // the copy fully hidden
  t.together = 4.0;
  EXPECT_DOUBLE_EQ(*overlap_efficiency(t), 0.0);  // one after the other
  t.together = 3.5;
  EXPECT_DOUBLE_EQ(*overlap_efficiency(t), 0.5);
  EXPECT_DOUBLE_EQ(*copy_slowdown(t), 1.2);
  EXPECT_DOUBLE_EQ(*compute_slowdown(t), 1.0);
  t.together = 4.5;  // slower than serial: stays visible as a negative efficiency
  EXPECT_DOUBLE_EQ(*overlap_efficiency(t), -0.5);
  EXPECT_FALSE(overlap_efficiency(OverlapTimes{0, 3, 3, 0, 3}).has_value());
  EXPECT_FALSE(copy_slowdown(OverlapTimes{1, 3, 3, 0, 3}).has_value());
}

TEST(ComputePlan, OneGpu) {
  const auto cases = plan(compute_options(), system_of({hopper(0)}));
  // Elementwise: every kernel at both sizes on the one GPU, no all-GPUs case.
  for (Method m : methods_of(Suite::elementwise)) {
    const auto c = of(cases, m);
    ASSERT_EQ(c.size(), 2u) << to_string(m);
    EXPECT_EQ(c[0].src, 0);
    EXPECT_EQ(c[0].dst, 0);
    EXPECT_TRUE(c[0].devices.empty());
    EXPECT_DOUBLE_EQ(*c[1].theoretical_bytes_per_s, 4.8e12);
    EXPECT_TRUE(c[1].headline);
    EXPECT_EQ(c[1].skip_reason, "");
  }
  const auto bf16 = of(cases, Method::gemm_bf16);
  ASSERT_EQ(bf16.size(), 1u);
  EXPECT_EQ(bf16[0].gemm_n, kDefaultGemmN);
  EXPECT_EQ(bf16[0].dtype, DType::bf16);
  EXPECT_DOUBLE_EQ(*bf16[0].theoretical_flops_per_s, 132 * 1.98e9 * 4096);
  EXPECT_EQ(bf16[0].bytes, gemm_operand_bytes(Method::gemm_bf16, kDefaultGemmN));
  // Overlap: the peer variant needs a second GPU; the host one runs.
  const auto copy = of(cases, Method::copy_gemm);
  ASSERT_EQ(copy.size(), 1u);
  EXPECT_TRUE(is_suite_skip(copy[0]));
  EXPECT_NE(copy[0].skip_reason.find("at least 2 GPUs"), std::string::npos);
  const auto h2d = of(cases, Method::h2d_gemm);
  ASSERT_EQ(h2d.size(), 1u);
  EXPECT_EQ(h2d[0].src, kHost);
  EXPECT_EQ(h2d[0].dst, 0);
  EXPECT_EQ(h2d[0].skip_reason, "");
  EXPECT_EQ(h2d[0].gemm_n, kDefaultGemmN);
}

TEST(ComputePlan, TwoGpusAllAtOnceAndSweepOnTheFirst) {
  BenchOptions o = compute_options();
  o.gemm_sizes = {4096, 10000};
  const auto cases = plan(o, system_of({hopper(0), hopper(1)}));
  const auto scale = of(cases, Method::scale);
  ASSERT_EQ(scale.size(), 4u);  // GPU 0: 2 sizes, GPU 1: headline, then both at once
  EXPECT_EQ(scale[3].devices, (std::vector<int>{0, 1}));
  EXPECT_DOUBLE_EQ(*scale[3].theoretical_bytes_per_s, 9.6e12);
  EXPECT_TRUE(is_concurrent(scale[3]));
  const auto fp32 = of(cases, Method::gemm_fp32);
  ASSERT_EQ(fp32.size(), 4u);  // GPU 0: 4096 and 10000, GPU 1: 10000, both
  EXPECT_EQ(fp32[0].gemm_n, 4096u);
  EXPECT_FALSE(fp32[0].headline);
  EXPECT_EQ(fp32[2].src, 1);
  EXPECT_EQ(fp32[2].gemm_n, 10000u);
  EXPECT_EQ(fp32[3].devices.size(), 2u);
  EXPECT_NEAR(*fp32[3].theoretical_flops_per_s, 2 * 66.9e12, 0.2e12);
  const auto copy = of(cases, Method::copy_gemm);
  ASSERT_EQ(copy.size(), 1u);
  EXPECT_EQ(copy[0].src, 0);
  EXPECT_EQ(copy[0].dst, 1);
  EXPECT_EQ(copy[0].bytes, kTensor);
  EXPECT_EQ(copy[0].skip_reason, "");
  // Suites in order: elementwise, gemm, overlap.
  EXPECT_TRUE(std::is_sorted(cases.begin(), cases.end(), [](const Case& a, const Case& b) {
    return static_cast<int>(a.suite) < static_cast<int>(b.suite);
  }));
}

TEST(ComputePlan, PrecisionsFilterUnsupportedAndFit) {
  DeviceInfo turing = hopper(0);
  turing.cc_major = 7;
  turing.cc_minor = 5;
  BenchOptions o = compute_options();
  o.gemm_precisions = {Method::gemm_bf16, Method::gemm_fp16};
  const auto cases = plan(o, system_of({turing}));
  EXPECT_TRUE(of(cases, Method::gemm_fp32).empty());
  const auto bf16 = of(cases, Method::gemm_bf16);
  ASSERT_EQ(bf16.size(), 1u);
  EXPECT_NE(bf16[0].skip_reason.find("compute capability 8.0"), std::string::npos);
  EXPECT_EQ(of(cases, Method::gemm_fp16)[0].skip_reason, "");
  // The overlap GEMM is bf16: skipped with the reason on this GPU.
  EXPECT_NE(of(cases, Method::h2d_gemm)[0].skip_reason.find("8.0"), std::string::npos);

  // N too large for memory: a skip naming the size.
  BenchOptions big = compute_options();
  big.gemm_sizes = {90000};  // 97 GB of FP32 operands
  DeviceInfo small = hopper(0);
  small.memory_free_bytes = 79ull << 30;
  const auto huge = of(plan(big, system_of({small})), Method::gemm_fp32);
  ASSERT_EQ(huge.size(), 1u);
  EXPECT_NE(huge[0].skip_reason.find("GPU 0"), std::string::npos) << huge[0].skip_reason;
}

TEST(ComputePlan, DeviceBytes) {
  Case triad = device_case(Method::triad, 2, 1000);
  EXPECT_EQ(device_bytes_needed(triad), (std::vector<std::pair<int, std::uint64_t>>{{2, 3000}}));
  Case scale_all = device_case(Method::scale, kHost, 1000);
  scale_all.src = scale_all.dst = kHost;
  scale_all.devices = {0, 1};
  EXPECT_EQ(device_bytes_needed(scale_all), (std::vector<std::pair<int, std::uint64_t>>{{0, 2000}, {1, 2000}}));
  Case gemm = device_case(Method::gemm_fp16, 0, gemm_operand_bytes(Method::gemm_fp16, 100));
  gemm.gemm_n = 100;
  EXPECT_EQ(device_bytes_needed(gemm)[0].second, 3u * 100 * 100 * 2 + kGemmWorkspaceBytes);
}

TEST(ComputePlan, ParsePrecisionsAndSizes) {
  EXPECT_EQ(parse_gemm_precisions("bf16,fp32"), (std::vector<Method>{Method::gemm_bf16, Method::gemm_fp32}));
  EXPECT_EQ(parse_gemm_precisions("gemm_tf32"), (std::vector<Method>{Method::gemm_tf32}));
  EXPECT_EQ(parse_gemm_precisions("all").size(), 4u);
  EXPECT_THROW((void)parse_gemm_precisions("fp64"), UsageError);
  EXPECT_THROW((void)parse_gemm_precisions("bf16,bf16"), UsageError);
  EXPECT_THROW((void)parse_gemm_precisions("bf16,"), UsageError);
  EXPECT_THROW((void)parse_gemm_precisions("all,fp16"), UsageError);
  EXPECT_THROW((void)parse_gemm_precisions("scale"), UsageError);
  try {
    (void)parse_gemm_precisions("int8");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("'int8'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("fp32, tf32, bf16, fp16"), std::string::npos);
  }
  BenchOptions o = compute_options();
  o.gemm_sizes = {kMaxGemmN + 1};
  EXPECT_THROW((void)plan(o, system_of({hopper(0)})), UsageError);
}

TEST(ComputeView, ElementwiseRowsWithPercentOfMemoryAndCopy) {
  std::vector<Record> records;
  for (auto [m, seconds] : {std::pair{Method::scale, 0.2e-3}, std::pair{Method::copy, 0.25e-3}}) {
    Record r = measured(device_case(m, 0, kTensor), seconds);
    r.bytes_per_op = elementwise_bytes_per_op(m, kTensor);
    records.push_back(r);
  }
  const auto tables = bench_tables(records, system_of({hopper(0)}));
  const Table* t = find(tables, "elementwise");
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->rows.size(), 2u);
  // scale: 0.8e9 B in 0.2 ms = 4000 GB/s, 83 % of 4.8 TB/s, 125 % of copy's 3200 GB/s.
  EXPECT_EQ(t->rows[0][0], "GPU0");
  EXPECT_EQ(t->rows[0][1], "scale");
  EXPECT_EQ(t->rows[0][3], "10000x10000 f32");
  EXPECT_EQ(t->rows[0][4], "4000.0");
  EXPECT_EQ(t->rows[0][5], "GB/s");  // the unit column: µs per op below 64 KiB
  EXPECT_EQ(t->rows[0][6], "83%");
  EXPECT_EQ(t->rows[0][7], "125%");
  EXPECT_EQ(t->rows[0][8], "yes");
  EXPECT_EQ(t->rows[1][7], "100%");
}

TEST(ComputeView, GemmAndOverlapTables) {
  std::vector<Record> records{gemm_record(Method::gemm_bf16, 0, 10000, 2.5e-3, 1000e12)};
  Record skipped;
  skipped.test = device_case(Method::gemm_fp16, 1, 1);
  skipped.test.gemm_n = 10000;
  skipped.status = Status::skipped;
  skipped.reason = "gemm_fp16 needs tensor cores";
  records.push_back(skipped);
  Case oc;
  oc.suite = Suite::overlap;
  oc.method = Method::copy_gemm;
  oc.src = 0;
  oc.dst = 1;
  oc.bytes = kTensor;
  oc.gemm_n = 10000;
  Record o = measured(oc, 3.1e-3);
  o.overlap = OverlapTimes{1.0e-3, 3.0e-3, 3.1e-3, 1.1e-3, 3.05e-3};
  records.push_back(o);
  const auto tables = bench_tables(records, system_of({hopper(0), hopper(1)}));
  const Table* g = find(tables, "gemm");
  ASSERT_NE(g, nullptr);
  ASSERT_EQ(g->rows.size(), 2u);
  EXPECT_EQ(g->rows[0][1], "bf16");
  EXPECT_EQ(g->rows[0][2], "10000");
  EXPECT_EQ(g->rows[0][3], "800.0");
  EXPECT_EQ(g->rows[0][4], "80%");
  EXPECT_EQ(g->rows[0][5], "-");  // no telemetry in the record: no SM clock
  EXPECT_EQ(g->rows[0][6], "-");
  EXPECT_EQ(g->rows[0][7], "2.5e-03 (1e-02)");
  EXPECT_EQ(g->rows[1][3], "skip");
  const Table* ov = find(tables, "overlap");
  ASSERT_NE(ov, nullptr);
  ASSERT_EQ(ov->rows.size(), 1u);
  EXPECT_EQ(ov->rows[0][3], "1.00");
  EXPECT_EQ(ov->rows[0][4], "3.00");
  EXPECT_EQ(ov->rows[0][5], "3.10");
  EXPECT_EQ(ov->rows[0][6], "0.90");
  EXPECT_EQ(ov->rows[0][7], "1.10x");
  // The flat table (CSV) carries the FLOP figures.
  const Table flat = bench_flat_table(records);
  const auto col = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(flat.header.begin(), flat.header.end(), name) - flat.header.begin());
  };
  EXPECT_EQ(flat.rows[0][col("median_tflops")], "800");
  EXPECT_EQ(flat.rows[0][col("gemm_n")], "10000");
  EXPECT_NEAR(std::stod(flat.rows[2][col("overlap_efficiency")]), 0.9, 1e-12);
}

TEST(ComputeJson, RoundTripKeepsFlopsAccuracyAndOverlap) {
  Record g = gemm_record(Method::gemm_tf32, 0, 8192, 3e-3, 500e12);
  g.test.devices = {0, 1};
  g.test.src = g.test.dst = kHost;
  g.directions = {DirectionRate{"GPU 0", 1, 2, 3, 4}, DirectionRate{"GPU 1", 5, 6, 7, 8}};
  const Json j = record_to_json(g);
  EXPECT_EQ(j["metric"], "throughput");
  EXPECT_EQ(j["rate"]["unit"], "FLOP/s");
  EXPECT_DOUBLE_EQ(j["rate"]["median"].get<double>(), gemm_flops(8192) / 3e-3);
  EXPECT_DOUBLE_EQ(j["efficiency"]["theoretical_flops_per_s"].get<double>(), 500e12);
  EXPECT_TRUE(j["efficiency"]["theoretical_bytes_per_s"].is_null());
  EXPECT_EQ(j["gemm_n"], 8192);
  EXPECT_EQ(j["accuracy"]["samples"], 256);
  const Record back = record_from_json(Json::parse(j.dump()));
  EXPECT_EQ(back.test.gemm_n, 8192u);
  EXPECT_DOUBLE_EQ(back.flops_per_op, g.flops_per_op);
  EXPECT_DOUBLE_EQ(*back.test.theoretical_flops_per_s, 500e12);
  ASSERT_TRUE(back.accuracy.has_value());
  EXPECT_DOUBLE_EQ(back.accuracy->max_error, 2.5e-3);
  ASSERT_EQ(back.directions.size(), 2u);
  EXPECT_DOUBLE_EQ(back.directions[1].median_flops_per_s, 8);
  EXPECT_EQ(record_to_json(back), j);

  Case oc;
  oc.suite = Suite::overlap;
  oc.method = Method::h2d_gemm;
  oc.src = kHost;
  oc.dst = 0;
  oc.bytes = kTensor;
  oc.theoretical_bytes_per_s = Known<double>::unknown("overlap: a ratio of times, not a rate");
  Record o = measured(oc, 3e-3);
  o.overlap = OverlapTimes{1e-3, 2e-3, 2.5e-3, 1.5e-3, 2.2e-3};
  const Json oj = record_to_json(o);
  EXPECT_TRUE(oj["rate"].is_null());
  EXPECT_DOUBLE_EQ(oj["overlap"]["efficiency"].get<double>(), 0.5);
  const Record o_back = record_from_json(Json::parse(oj.dump()));
  ASSERT_TRUE(o_back.overlap.has_value());
  EXPECT_DOUBLE_EQ(o_back.overlap->compute_shared, 2.2e-3);
  EXPECT_EQ(record_to_json(o_back), oj);
}
