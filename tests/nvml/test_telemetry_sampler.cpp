// The real telemetry sampler thread against the scripted fake NVML (tests/fake_nvml): clocks,
// reasons, counters, temperatures, PCIe and power samples as scripted, summarized by
// core/telemetry; missing entry points and unknown GPUs become unknowns with their reasons.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "core/telemetry.hpp"
#include "fake_script.hpp"
#include "gpu/telemetry_sampler.hpp"

using namespace gx;

namespace {

constexpr const char* kBus = "00000000:18:00.0";

// Power samples every 10 ms for 2 s after init: 650 W. (The fake answers every call from the
// merged script, so a long list would make each NVML call, and the polls, slow.)
std::string power_samples() {
  std::string s = "[";
  for (int t = 0; t <= 2000; t += 10)
    s += (t ? "," : "") + std::string("{\"t_ms\": ") + std::to_string(t) + ", \"mw\": 650000}";
  return s + "]";
}

// From the fourth poll on the GPU drops to 1500 MHz under the power cap and HW thermal
// slowdown, hotter, on a link downtrained to Gen4; the power-cap counter advances 50 ms over the
// window (read at its open and its close), the sync-boost one not at all; the HW thermal counter
// is not scripted (NOT_SUPPORTED), so that share is polled.
std::string throttling_script(const std::string& extra_top = "") {
  return std::string(R"({)") + extra_top + R"("devices": [{"pci_bus_id": ")" + kBus +
         R"(", "uuid": "GPU-aaaa", "name": "NVIDIA H200",
    "values": {"clocks_mhz": {"sm": {"current": 1980, "max": 1980}, "mem": {"current": 3201}},
               "clocks_event_reasons": 0,
               "clocks_event_reason_ns": {"sw_power_cap": 1000000000, "sync_boost": 7},
               "power_mw": {"usage": 600000, "enforced_limit": 700000},
               "temperature_c": {"gpu": 55, "memory": 66},
               "pcie": {"current_gen": 5, "current_width": 16},
               "power_samples": )" +
         power_samples() + R"(},
    "steps": [{"after_calls": 1, "clocks_event_reason_ns": {"sw_power_cap": 1050000000}},
              {"after_calls": 3, "clocks_mhz": {"sm": {"current": 1500}}, "clocks_event_reasons": 68,
               "temperature_c": {"gpu": 83, "memory": 91}, "pcie": {"current_gen": 4}}]}]})";
}

std::vector<GpuTelemetryRaw> sample_for(std::chrono::milliseconds window, std::vector<TelemetryGpu> gpus) {
  TelemetrySampler sampler(std::move(gpus));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the thread idles until a window opens
  sampler.begin();
  std::this_thread::sleep_for(window);
  sampler.end();
  return sampler.finish();
}

}  // namespace

TEST(TelemetrySampler, SummarizesScriptedClocksReasonsCountersAndPower) {
  gx::test::use_fake_nvml_script(throttling_script());
  const auto raw = sample_for(std::chrono::milliseconds(150), {{0, "0000:18:00.0"}});
  ASSERT_EQ(raw.size(), 1u);
  // 150 ms at 10 ms: about 15 polls; a loaded machine may take fewer, never none.
  ASSERT_GE(raw[0].polls.size(), 6u);
  EXPECT_LE(raw[0].polls.size(), 20u);
  ASSERT_GT(raw[0].window_seconds, 0.14);
  const GpuTelemetry g = summarize_telemetry(raw[0]);
  ASSERT_TRUE(g.sm_clock_mhz.has_value()) << g.sm_clock_mhz.reason;
  EXPECT_DOUBLE_EQ(g.sm_clock_mhz.value->max, 1980);
  EXPECT_DOUBLE_EQ(g.sm_clock_mhz.value->min, 1500);
  EXPECT_DOUBLE_EQ(g.sm_clock_mhz.value->median, 1500);
  EXPECT_DOUBLE_EQ(*g.mem_clock_mhz_median, 3201);
  EXPECT_DOUBLE_EQ(*g.gpu_temp_c_max, 83);
  EXPECT_DOUBLE_EQ(*g.mem_temp_c_max, 91);
  EXPECT_EQ(*g.pcie_gen_min, 4);
  EXPECT_EQ(*g.pcie_width_min, 16);
  // Power from the driver's samples inside the window, not the polled 600 W.
  EXPECT_EQ(g.power_source, "samples");
  EXPECT_DOUBLE_EQ(*g.power_w_median, 650);
  EXPECT_DOUBLE_EQ(*g.power_limit_w, 700);
  EXPECT_NEAR(*g.power_percent_of_limit, 100.0 * 650 / 700, 1e-9);
  // No clock samples scripted: the fake says NOT_SUPPORTED, the polls give the clock.
  EXPECT_EQ(g.sm_clock_source, "polled");
  EXPECT_NE(raw[0].sm_clock_samples_reason.find("Not Supported"), std::string::npos) << raw[0].sm_clock_samples_reason;

  const ThrottleShare* cap = find_share(g, ThrottleReason::sw_power_cap);
  ASSERT_NE(cap, nullptr);
  EXPECT_EQ(cap->source, "counter");
  EXPECT_NEAR(cap->share, 0.050 / raw[0].window_seconds, 1e-9);
  const ThrottleShare* sync = find_share(g, ThrottleReason::sync_boost);
  ASSERT_NE(sync, nullptr);
  EXPECT_EQ(sync->source, "counter");
  EXPECT_DOUBLE_EQ(sync->share, 0.0);
  // 68 = 0x44: power cap and HW thermal bits, from the fourth poll on.
  const ThrottleShare* thermal = find_share(g, ThrottleReason::hw_thermal_slowdown);
  ASSERT_NE(thermal, nullptr);
  EXPECT_EQ(thermal->source, "polled");
  const double n = static_cast<double>(raw[0].polls.size());
  EXPECT_DOUBLE_EQ(thermal->share, (n - 3) / n);
  EXPECT_EQ(find_share(g, ThrottleReason::hw_slowdown)->source, "polled");
  EXPECT_DOUBLE_EQ(find_share(g, ThrottleReason::hw_slowdown)->share, 0.0);
}

// The driver's SM clock ring every 2 ms at 1605 MHz, while the polled clock says 1980 then
// 1500: the finer ring gives the summary, restricted to samples stamped inside the window.
TEST(TelemetrySampler, DriverClockSamplesInsideTheWindowGiveTheClock) {
  std::string clocks = "[";
  for (int t = 0; t <= 1000; t += 2) {
    clocks += (t ? "," : "") + std::string("{\"t_ms\": ") + std::to_string(t) +
              ", \"mhz\": " + (t < 20 ? "900" : "1605") + "}";
  }
  clocks += "]";
  std::string script = throttling_script();
  const std::string key = "\"power_samples\": ";
  script.replace(script.find(key), key.size(), "\"clock_samples\": " + clocks + ", " + key);
  gx::test::use_fake_nvml_script(script);
  // The sampler opens its window after 20 ms of idling: the 900 MHz samples are before it.
  const auto raw = sample_for(std::chrono::milliseconds(120), {{0, "0000:18:00.0"}});
  ASSERT_EQ(raw.size(), 1u);
  EXPECT_GE(raw[0].sm_clock_samples_mhz.size(), raw[0].polls.size());
  const GpuTelemetry g = summarize_telemetry(raw[0]);
  EXPECT_EQ(g.sm_clock_source, "samples");
  ASSERT_TRUE(g.sm_clock_mhz.has_value());
  EXPECT_DOUBLE_EQ(g.sm_clock_mhz.value->median, 1605);
  EXPECT_DOUBLE_EQ(g.sm_clock_mhz.value->min, 1605);
}

// A ring that delivers nothing over a window of several polls is not asked again: samples the
// script makes available later are never read, and the reason says why.
TEST(TelemetrySampler, AnEmptyClockRingIsNotAskedAgain) {
  std::string clocks = "[";
  for (int t = 600; t <= 1400; t += 2)
    clocks += (t > 600 ? "," : "") + std::string("{\"t_ms\": ") + std::to_string(t) + ", \"mhz\": 1605}";
  clocks += "]";
  std::string script = throttling_script();
  const std::string key = "\"power_samples\": ";
  script.replace(script.find(key), key.size(), "\"clock_samples\": " + clocks + ", " + key);
  gx::test::use_fake_nvml_script(script);
  TelemetrySampler sampler({{0, "0000:18:00.0"}});
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  sampler.begin();  // before the ring holds anything
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  sampler.end();
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  sampler.begin();  // the ring has samples now, but it is not asked any more
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  sampler.end();
  const auto raw = sampler.finish();
  ASSERT_EQ(raw.size(), 1u);
  ASSERT_GE(raw[0].polls.size(), 4u);
  EXPECT_TRUE(raw[0].sm_clock_samples_mhz.empty());
  EXPECT_NE(raw[0].sm_clock_samples_reason.find("kept no SM clock samples"), std::string::npos)
      << raw[0].sm_clock_samples_reason;
  EXPECT_EQ(summarize_telemetry(raw[0]).sm_clock_source, "polled");
  EXPECT_FALSE(raw[0].power_samples_w.empty()) << "the power ring delivered and is still read";
}

TEST(TelemetrySampler, NoWindowNoPolls) {
  gx::test::use_fake_nvml_script(throttling_script());
  TelemetrySampler sampler({{0, "0000:18:00.0"}});
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto raw = sampler.finish();
  ASSERT_EQ(raw.size(), 1u);
  EXPECT_TRUE(raw[0].polls.empty());
  const GpuTelemetry g = summarize_telemetry(raw[0]);
  EXPECT_FALSE(g.sm_clock_mhz.has_value());
  EXPECT_TRUE(g.throttle.empty());
}

TEST(TelemetrySampler, MissingEntryPointsAndUnknownGpusAreUnknownWithReasons) {
  gx::test::use_fake_nvml_script(throttling_script(
      R"("omit": ["nvmlDeviceGetCurrentClocksEventReasons", "nvmlDeviceGetCurrentClocksThrottleReasons",
                  "nvmlDeviceGetSamples", "nvmlDeviceGetEnforcedPowerLimit"],
         "fail": {"nvmlDeviceGetFieldValues": "NOT_SUPPORTED"}, )"));
  const auto raw = sample_for(std::chrono::milliseconds(60), {{0, "0000:18:00.0"}, {1, "0000:99:00.0"}});
  ASSERT_EQ(raw.size(), 2u);
  const GpuTelemetry g = summarize_telemetry(raw[0]);
  EXPECT_TRUE(g.sm_clock_mhz.has_value());
  EXPECT_TRUE(g.throttle.empty());
  EXPECT_NE(g.throttle_reason.find("not in this driver"), std::string::npos) << g.throttle_reason;
  EXPECT_EQ(g.power_source, "polled");
  EXPECT_DOUBLE_EQ(*g.power_w_median, 600);
  EXPECT_FALSE(g.power_percent_of_limit.has_value());
  EXPECT_NE(g.power_percent_of_limit.reason.find("nvmlDeviceGetEnforcedPowerLimit"), std::string::npos);
  EXPECT_FALSE(g.mem_temp_c_max.has_value());
  EXPECT_NE(g.mem_temp_c_max.reason.find("Not Supported"), std::string::npos) << g.mem_temp_c_max.reason;

  // A bus id NVML does not know: listed, every field unknown with NVML's reason.
  const GpuTelemetry lost = summarize_telemetry(raw[1]);
  EXPECT_EQ(lost.gpu, 1);
  EXPECT_EQ(lost.samples, 0);
  EXPECT_FALSE(lost.sm_clock_mhz.has_value());
  EXPECT_TRUE(lost.throttle.empty());
  EXPECT_FALSE(lost.power_limit_w.has_value());
  EXPECT_NE(lost.power_limit_w.reason.find("0000:99:00.0"), std::string::npos) << lost.power_limit_w.reason;
}
