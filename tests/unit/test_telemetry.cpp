#include "core/telemetry.hpp"

#include <gtest/gtest.h>

#include <cctype>

#include "core/error.hpp"
#include "core/record_json.hpp"
#include "core/telemetry_json.hpp"

using namespace gx;

namespace {

TelemetryPoll poll(double sm, double mem, double power, double temp, std::uint64_t reasons, bool known = true) {
  TelemetryPoll p;
  p.sm_clock_mhz = sm;
  p.mem_clock_mhz = mem;
  p.power_w = power;
  p.gpu_temp_c = temp;
  p.mem_temp_c = temp + 10;
  p.reasons = reasons;
  p.reasons_known = known;
  p.pcie_gen = 5;
  p.pcie_width = 16;
  return p;
}

std::size_t index_of(ThrottleReason r) {
  for (std::size_t i = 0; i < kThrottleReasons.size(); ++i) {
    if (kThrottleReasons[i] == r) return i;
  }
  return 0;
}

// Five polls of a GPU at its power cap 3 times out of 5; no counters.
GpuTelemetryRaw polled_raw() {
  GpuTelemetryRaw raw;
  raw.gpu = 2;
  raw.window_seconds = 0.05;
  raw.power_limit_w = 700.0;
  raw.polls = {poll(1980, 2619, 690, 60, 0x4), poll(1500, 2619, 700, 62, 0x4), poll(1605, 2619, 650, 61, 0),
               poll(1700, 2600, 710, 63, 0x4 | 0x40), poll(1980, 2619, 500, 59, 0)};
  for (auto& c : raw.counter_ns) c = Known<double>::unknown("NVML: Not Supported");
  return raw;
}

}  // namespace

TEST(TelemetrySummary, MinMedianMaxOfClocksPowerAndTemperatures) {
  const GpuTelemetry g = summarize_telemetry(polled_raw());
  EXPECT_EQ(g.gpu, 2);
  EXPECT_EQ(g.samples, 5);
  ASSERT_TRUE(g.sm_clock_mhz.has_value());
  EXPECT_DOUBLE_EQ(g.sm_clock_mhz.value->min, 1500);
  EXPECT_DOUBLE_EQ(g.sm_clock_mhz.value->median, 1700);
  EXPECT_DOUBLE_EQ(g.sm_clock_mhz.value->max, 1980);
  EXPECT_DOUBLE_EQ(*g.mem_clock_mhz_median, 2619);
  EXPECT_DOUBLE_EQ(*g.power_w_median, 690);
  EXPECT_DOUBLE_EQ(*g.power_w_max, 710);
  EXPECT_EQ(g.power_source, "polled");
  EXPECT_NEAR(*g.power_percent_of_limit, 100.0 * 690 / 700, 1e-9);
  EXPECT_DOUBLE_EQ(*g.gpu_temp_c_max, 63);
  EXPECT_DOUBLE_EQ(*g.mem_temp_c_max, 73);
  EXPECT_EQ(*g.pcie_gen_min, 5);
  EXPECT_EQ(*g.pcie_width_min, 16);
}

TEST(TelemetrySummary, PolledSharesCountPollsUnderEachReason) {
  const GpuTelemetry g = summarize_telemetry(polled_raw());
  ASSERT_EQ(g.throttle.size(), kThrottleReasons.size());
  const ThrottleShare* cap = find_share(g, ThrottleReason::sw_power_cap);
  ASSERT_NE(cap, nullptr);
  EXPECT_DOUBLE_EQ(cap->share, 0.6);
  EXPECT_EQ(cap->source, "polled");
  EXPECT_DOUBLE_EQ(find_share(g, ThrottleReason::hw_thermal_slowdown)->share, 0.2);
  EXPECT_DOUBLE_EQ(find_share(g, ThrottleReason::sync_boost)->share, 0.0);
  // HW thermal (20 %) is named before the larger power cap share (60 %).
  EXPECT_EQ(main_throttle(g)->reason, ThrottleReason::hw_thermal_slowdown);
  EXPECT_EQ(main_throttle(g, 0.25)->reason, ThrottleReason::sw_power_cap);
}

TEST(TelemetrySummary, CountersWinOverPollsAndAreClampedToTheWindow) {
  GpuTelemetryRaw raw = polled_raw();
  raw.counter_ns[index_of(ThrottleReason::sw_power_cap)] = 0.044e9;  // 44 ms of a 50 ms window
  raw.counter_ns[index_of(ThrottleReason::hw_thermal_slowdown)] = 0.0;
  raw.counter_ns[index_of(ThrottleReason::sync_boost)] = 0.09e9;  // more than the window: clamped
  const GpuTelemetry g = summarize_telemetry(raw);
  const ThrottleShare* cap = find_share(g, ThrottleReason::sw_power_cap);
  EXPECT_NEAR(cap->share, 0.88, 1e-12);
  EXPECT_EQ(cap->source, "counter");
  EXPECT_DOUBLE_EQ(find_share(g, ThrottleReason::hw_thermal_slowdown)->share, 0.0);
  EXPECT_EQ(find_share(g, ThrottleReason::hw_thermal_slowdown)->source, "counter");
  EXPECT_DOUBLE_EQ(find_share(g, ThrottleReason::sync_boost)->share, 1.0);
  // No counter for HW slowdown: polled.
  EXPECT_EQ(find_share(g, ThrottleReason::hw_slowdown)->source, "polled");
}

TEST(TelemetrySummary, DriverPowerSamplesWinOverPolledPower) {
  GpuTelemetryRaw raw = polled_raw();
  raw.power_samples_w = {600, 610, 620, 630};
  const GpuTelemetry g = summarize_telemetry(raw);
  EXPECT_EQ(g.power_source, "samples");
  EXPECT_DOUBLE_EQ(*g.power_w_median, 615);
  EXPECT_DOUBLE_EQ(*g.power_w_max, 630);
}

// The driver's clock samples replace the five polls when there are at least as many of them;
// fewer (a coarser time base) leave the polls in charge.
TEST(TelemetrySummary, DriverClockSamplesWinWhenAtLeastAsFineAsThePolls) {
  GpuTelemetryRaw raw = polled_raw();
  EXPECT_EQ(summarize_telemetry(raw).sm_clock_source, "polled");
  raw.sm_clock_samples_mhz = {1590, 1605, 1620, 1605, 1575, 1650};
  GpuTelemetry g = summarize_telemetry(raw);
  EXPECT_EQ(g.sm_clock_source, "samples");
  EXPECT_DOUBLE_EQ(g.sm_clock_mhz.value->median, 1605);
  EXPECT_DOUBLE_EQ(g.sm_clock_mhz.value->min, 1575);
  EXPECT_DOUBLE_EQ(g.sm_clock_mhz.value->max, 1650);
  raw.sm_clock_samples_mhz = {1590, 1605, 1620, 1605};
  g = summarize_telemetry(raw);
  EXPECT_EQ(g.sm_clock_source, "polled");
  EXPECT_DOUBLE_EQ(g.sm_clock_mhz.value->median, 1700);  // the polls: 1500 1605 1700 1980 1980
}

TEST(TelemetryJson, ClockSourceRoundTripsAndOlderDocumentsReadAsPolled) {
  GpuTelemetryRaw raw = polled_raw();
  raw.sm_clock_samples_mhz = {1590, 1605, 1620, 1605, 1575, 1650};
  const Telemetry t = summarize_telemetry(std::vector<GpuTelemetryRaw>{raw}, 0.01);
  Json j = telemetry_to_json(t, std::nullopt);
  EXPECT_EQ(j["gpus"][0]["sm_clock_source"], "samples");
  EXPECT_EQ(telemetry_from_json(j, "telemetry").gpus[0].sm_clock_source, "samples");
  j["gpus"][0].erase("sm_clock_source");
  EXPECT_EQ(telemetry_from_json(j, "telemetry").gpus[0].sm_clock_source, "polled");
}

TEST(TelemetrySummary, FailedReadingsAreUnknownWithTheirReason) {
  GpuTelemetryRaw raw = polled_raw();
  for (auto& p : raw.polls) {
    p.mem_temp_c = -1;
    p.reasons_known = false;
    p.pcie_gen = p.pcie_width = -1;
  }
  raw.unknown.mem_temp = "memory temperature: NVML: Not Supported";
  raw.unknown.reasons = "NVML: nvmlDeviceGetCurrentClocksEventReasons not in this driver";
  raw.power_limit_w = Known<double>::unknown("NVML: Insufficient Permissions");
  const GpuTelemetry g = summarize_telemetry(raw);
  EXPECT_FALSE(g.mem_temp_c_max.has_value());
  EXPECT_EQ(g.mem_temp_c_max.reason, "memory temperature: NVML: Not Supported");
  EXPECT_TRUE(g.throttle.empty());
  EXPECT_EQ(g.throttle_reason, raw.unknown.reasons);
  EXPECT_FALSE(g.power_percent_of_limit.has_value());
  EXPECT_EQ(g.power_percent_of_limit.reason, "NVML: Insufficient Permissions");
  EXPECT_TRUE(g.power_w_median.has_value());
  EXPECT_FALSE(g.pcie_gen_min.has_value());
}

TEST(TelemetrySummary, NoPollsMakesEverythingUnknown) {
  GpuTelemetryRaw raw;
  raw.gpu = 0;
  for (auto& c : raw.counter_ns) c = Known<double>::unknown("no timed samples ran");
  const GpuTelemetry g = summarize_telemetry(raw);
  EXPECT_EQ(g.samples, 0);
  EXPECT_FALSE(g.sm_clock_mhz.has_value());
  EXPECT_EQ(g.sm_clock_mhz.reason, "no telemetry sample fell inside the timed samples");
  EXPECT_FALSE(g.power_w_median.has_value());
  EXPECT_TRUE(g.throttle.empty());
}

TEST(TelemetryMark, SaysClockAndMainReasonOnlyWhenThrottledOrDropped) {
  GpuTelemetryRaw raw = polled_raw();
  raw.counter_ns[index_of(ThrottleReason::sw_power_cap)] = 0.046e9;
  EXPECT_EQ(telemetry_mark(summarize_telemetry(std::vector<GpuTelemetryRaw>{raw}, 0.01), 1980.0),
            "1700 MHz · HW thermal 20 %");
  for (auto& p : raw.polls) p.reasons &= ~0x40ull;  // power cap alone
  const Telemetry t = summarize_telemetry(std::vector<GpuTelemetryRaw>{raw}, 0.01);
  EXPECT_EQ(telemetry_mark(t, 1980.0), "1700 MHz · power cap 92 %");

  GpuTelemetryRaw calm;
  calm.gpu = 0;
  calm.window_seconds = 0.05;
  calm.polls = {poll(1980, 2619, 400, 50, 0), poll(1975, 2619, 410, 50, 0)};
  for (auto& c : calm.counter_ns) c = 0.0;
  const Telemetry quiet = summarize_telemetry(std::vector<GpuTelemetryRaw>{calm}, 0.01);
  EXPECT_EQ(telemetry_mark(quiet, 1980.0), "");
  // No reason, but the clock 20 % below its maximum.
  EXPECT_EQ(telemetry_mark(quiet, 2475.0), "1978 MHz");
}

TEST(TelemetryJson, RoundTripKeepsEveryFieldAndReason) {
  GpuTelemetryRaw a = polled_raw();
  a.counter_ns[index_of(ThrottleReason::sw_power_cap)] = 0.03e9;
  GpuTelemetryRaw b;
  b.gpu = 3;
  b.window_seconds = 0.02;
  b.polls = {poll(1800, 2619, 300, 40, 0)};
  b.polls[0].mem_temp_c = -1;
  b.unknown.mem_temp = "memory temperature: NVML: Not Supported";
  b.power_limit_w = Known<double>::unknown("NVML: Not Supported");
  for (auto& c : b.counter_ns) c = Known<double>::unknown("NVML: Not Supported");
  const Telemetry t = summarize_telemetry(std::vector<GpuTelemetryRaw>{a, b}, 0.01);
  const Json j = telemetry_to_json(t, std::nullopt);
  EXPECT_EQ(j["gpus"][1]["unknown"]["mem_temp_c_max"], "memory temperature: NVML: Not Supported");
  EXPECT_TRUE(j["gpus"][1]["power_percent_of_limit"].is_null());
  const Telemetry back = telemetry_from_json(Json::parse(j.dump()), "telemetry");
  ASSERT_EQ(back.gpus.size(), 2u);
  EXPECT_DOUBLE_EQ(back.period_s, 0.01);
  EXPECT_EQ(telemetry_to_json(back, std::nullopt), j);
  EXPECT_EQ(back.gpus[1].mem_temp_c_max.reason, "memory temperature: NVML: Not Supported");
  EXPECT_EQ(find_share(back.gpus[0], ThrottleReason::sw_power_cap)->source, "counter");
}

TEST(TelemetryJson, BadFieldsNameTheirPath) {
  Json j = telemetry_to_json(summarize_telemetry(std::vector<GpuTelemetryRaw>{polled_raw()}, 0.01), std::nullopt);
  Json bad = j;
  bad["gpus"][0]["throttle"][0]["reason"] = "too_hot";
  try {
    (void)telemetry_from_json(bad, "records[4].telemetry");
    FAIL() << "accepted an unknown reason";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("records[4].telemetry.gpus[0].throttle[0].reason"), std::string::npos);
  }
  bad = j;
  bad["gpus"][0]["throttle"][0]["share"] = 1.5;
  EXPECT_THROW((void)telemetry_from_json(bad, "t"), InputError);
  bad = j;
  bad["gpus"][0].erase("window_s");
  EXPECT_THROW((void)telemetry_from_json(bad, "t"), InputError);
}

TEST(TelemetryJson, GemmRecordCarriesFlopRatePerGhzAndRoundTrips) {
  Record r;
  r.test.suite = Suite::gemm;
  r.test.method = Method::gemm_bf16;
  r.test.src = r.test.dst = 0;
  r.test.gemm_n = 8192;
  r.test.theoretical_bytes_per_s = Known<double>::unknown("compute");
  r.status = Status::ok;
  r.verified = true;
  r.ops_per_sample = 1;
  r.sample_seconds = {1e-3, 1e-3, 1e-3};
  r.time = summarize(r.sample_seconds);
  r.flops_per_op = 1e12;  // 1000 TFLOP/s
  GpuTelemetryRaw raw = polled_raw();
  raw.gpu = 0;
  r.telemetry = summarize_telemetry(std::vector<GpuTelemetryRaw>{raw}, 0.01);
  ASSERT_TRUE(flop_rate_per_sm_ghz(r).has_value());
  EXPECT_NEAR(*flop_rate_per_sm_ghz(r), 1e15 / 1.7, 1e6);
  const Json j = record_to_json(r);
  EXPECT_NEAR(j["telemetry"]["flop_rate_per_sm_ghz"].get<double>(), 1e15 / 1.7, 1e6);
  const Record back = record_from_json(Json::parse(j.dump()));
  ASSERT_TRUE(back.telemetry.has_value());
  EXPECT_EQ(record_to_json(back), j);
  // Without telemetry there is no key at all.
  r.telemetry.reset();
  EXPECT_FALSE(record_to_json(r).contains("telemetry"));
}

#include "core/bench_view.hpp"

TEST(TelemetryView, GemmTableShowsClockPerGhzAndAThrottleMark) {
  Record r;
  r.test.suite = Suite::gemm;
  r.test.method = Method::gemm_bf16;
  r.test.src = r.test.dst = 0;
  r.test.gemm_n = 8192;
  r.test.headline = true;
  r.test.theoretical_flops_per_s = 989e12;
  r.status = Status::ok;
  r.verified = true;
  r.ops_per_sample = 1;
  r.sample_seconds = {1e-3, 1e-3, 1e-3};
  r.time = summarize(r.sample_seconds);
  r.flops_per_op = 0.7e12;  // 700 TFLOP/s
  GpuTelemetryRaw raw = polled_raw();
  raw.gpu = 0;
  r.telemetry = summarize_telemetry(std::vector<GpuTelemetryRaw>{raw}, 0.01);
  const auto tables = compute_tables({r});
  const Table* gemm = nullptr;
  for (const auto& t : tables) {
    if (t.title.rfind("gemm", 0) == 0) gemm = &t;
  }
  ASSERT_NE(gemm, nullptr);
  auto col = [&](const std::string& name) {
    for (std::size_t i = 0; i < gemm->header.size(); ++i) {
      if (gemm->header[i] == name) return i;
    }
    ADD_FAILURE() << "no column " << name;
    return std::size_t{0};
  };
  ASSERT_EQ(gemm->rows.size(), 1u);
  EXPECT_EQ(gemm->rows[0][col("TFLOP/s")], "700.0†");
  EXPECT_EQ(gemm->rows[0][col("SM MHz")], "1700");
  EXPECT_EQ(gemm->rows[0][col("TFLOP/s per GHz")], "411.8");  // 700 / 1.7
  bool noted = false;
  for (const auto& n : gemm->notes) noted = noted || n.find("N=8192: 1700 MHz · HW thermal 20 %") != std::string::npos;
  EXPECT_TRUE(noted);

  const Table flat = bench_flat_table({r});
  auto flat_cell = [&](const std::string& name) {
    for (std::size_t i = 0; i < flat.header.size(); ++i) {
      if (flat.header[i] == name) return flat.rows[0][i];
    }
    return std::string("no column ") + name;
  };
  EXPECT_EQ(flat_cell("sm_clock_mhz_median"), "1700");
  EXPECT_NEAR(std::stod(flat_cell("tflops_per_sm_ghz")), 700 / 1.7, 1e-6);
  EXPECT_EQ(flat_cell("throttle"), "hw_thermal_slowdown 0.20");

  // Without telemetry: no mark, "-" for clock and per-GHz.
  r.telemetry.reset();
  const auto plain = compute_tables({r});
  for (const auto& t : plain) {
    if (t.title.rfind("gemm", 0) != 0) continue;
    EXPECT_EQ(t.rows[0][3], "700.0");
    for (const auto& n : t.notes) EXPECT_EQ(n.find("†"), std::string::npos);
  }
}

TEST(TelemetryBriefTest, ExplainsOnlyWhatDiffers) {
  GpuTelemetryRaw hot = polled_raw();  // power cap 60 %, HW thermal 20 %, median 1700 MHz
  GpuTelemetryRaw cool;
  cool.gpu = 2;
  cool.window_seconds = 0.05;
  cool.power_limit_w = 700.0;
  cool.polls = {poll(1980, 2619, 690, 50, 0x4), poll(1980, 2619, 690, 50, 0x4), poll(1980, 2619, 690, 50, 0)};
  for (auto& c : cool.counter_ns) c = Known<double>::unknown("NVML: Not Supported");
  const Telemetry a = summarize_telemetry(std::vector<GpuTelemetryRaw>{cool}, 0.01);
  const Telemetry b = summarize_telemetry(std::vector<GpuTelemetryRaw>{hot}, 0.01);
  const TelemetryBrief base = brief_of({&a});
  const TelemetryBrief newer = brief_of({&b});
  EXPECT_EQ(base.records, 1u);
  EXPECT_DOUBLE_EQ(*base.sm_clock_mhz, 1980);
  // Power cap 67 % vs 60 %: differs by 7 points, said; HW thermal 20 % vs 0 %.
  EXPECT_EQ(explain_change(base, newer),
            "NEW: SM 1700 MHz vs 1980, power cap 60 % of the time vs 67 %, HW thermal 20 % of the time vs 0 %");
  EXPECT_EQ(explain_change(TelemetryBrief{}, newer), "");
}

#include "report/html_report.hpp"

TEST(TelemetryHtml, ComputeBarsShowTheMedianSmClockBesideTheRate) {
  const auto source =
      report::load_report_source(std::string(GPUXFER_TEST_DATA_DIR) + "/check/telemetry-throttled.json");
  const std::string html = report::render_html_report({source});
  EXPECT_NE(html.find("1500 MHz"), std::string::npos);
  EXPECT_NE(html.find("1980 MHz"), std::string::npos);
  EXPECT_NE(html.find("SM 1500 MHz · HW thermal 25 %"), std::string::npos) << "tooltip with the main reason";
  EXPECT_NE(html.find("TFLOP/s per GHz"), std::string::npos);
  // A report without telemetry shows no clock.
  const auto old = report::load_report_source(std::string(GPUXFER_TEST_DATA_DIR) + "/schema/valid/v1.2-bench.json");
  const std::string plain = report::render_html_report({old});
  for (std::size_t at = plain.find(" MHz"); at != std::string::npos; at = plain.find(" MHz", at + 1)) {
    EXPECT_FALSE(at > 0 && std::isdigit(static_cast<unsigned char>(plain[at - 1]))) << plain.substr(at - 10, 20);
  }
}

#include "core/report_load.hpp"

TEST(TelemetryLoad, SchemaSixFixtureLoadsWithTelemetryAndOlderOnesWithout) {
  const LoadedReport doc = load_report(std::string(GPUXFER_TEST_DATA_DIR) + "/schema/valid/v1.6-bench-telemetry.json");
  EXPECT_EQ(doc.schema_minor, 6);
  ASSERT_EQ(doc.records.size(), 8u);
  for (std::size_t i = 0; i < 7; ++i) EXPECT_TRUE(doc.records[i].telemetry.has_value()) << i;
  EXPECT_FALSE(doc.records[7].telemetry.has_value()) << "the planned skip";
  const Record& gemm = doc.records[3];
  EXPECT_NEAR(find_share(gemm.telemetry->gpus[0], ThrottleReason::sw_power_cap)->share, 0.88, 1e-12);
  EXPECT_FALSE(doc.records[2].telemetry->gpus[0].mem_temp_c_max.has_value());
  EXPECT_EQ(doc.records[2].telemetry->gpus[0].mem_temp_c_max.reason, "memory temperature: NVML: Not Supported");
  EXPECT_EQ(doc.records[4].telemetry->gpus.size(), 4u);
  ASSERT_TRUE(flop_rate_per_sm_ghz(gemm).has_value());
  EXPECT_NEAR(*flop_rate_per_sm_ghz(gemm), *median_flop_rate(gemm) / 1.5, 1e3);
  for (const char* old : {"v1.0-bench.json", "v1.2-bench.json", "v1.5-bench-all-pairs.json"}) {
    const LoadedReport o = load_report(std::string(GPUXFER_TEST_DATA_DIR) + "/schema/valid/" + old);
    for (const Record& r : o.records) EXPECT_FALSE(r.telemetry.has_value()) << old;
  }
}
