// Telemetry on a real GPU: a measured case carries what NVML saw during its samples, and
// --telemetry off leaves the record without it.
#include <gtest/gtest.h>

#include "gpu/devices.hpp"
#include "gpu/kernels.hpp"
#include "suites/context.hpp"
#include "suites/runner.hpp"

using namespace gx;

namespace {

Case scale_case(std::uint64_t bytes) {
  Case c;
  c.suite = Suite::elementwise;
  c.method = Method::scale;
  c.src = c.dst = 0;
  c.bytes = bytes;
  c.headline = true;
  return c;
}

Record run_one(const SystemInfo& system, bool telemetry) {
  RunSettings settings;
  settings.measure.samples = 20;
  settings.telemetry = telemetry;
  Context ctx(system, settings);
  kernels::preload(0);
  const RunOutcome outcome = run_cases(ctx, {scale_case(400'000'000)}, nullptr, nullptr);
  EXPECT_EQ(outcome.records.size(), 1u);
  return outcome.records.front();
}

}  // namespace

TEST(Telemetry, MeasuredCaseCarriesClocksAndPowerOfItsGpu) {
  const SystemInfo system = inventory({0});
  const Record r = run_one(system, true);
  ASSERT_EQ(r.status, Status::ok) << r.reason;
  ASSERT_TRUE(r.telemetry.has_value());
  ASSERT_EQ(r.telemetry->gpus.size(), 1u);
  const GpuTelemetry& g = r.telemetry->gpus[0];
  EXPECT_EQ(g.gpu, 0);
  EXPECT_GE(g.samples, 1);
  EXPECT_GT(g.window_s, 0.0);
  // The window is the samples loop: about samples x ops x op time, never far more.
  ASSERT_TRUE(r.time.has_value());
  EXPECT_LT(g.window_s, 3.0 * r.time->median * static_cast<double>(r.ops_per_sample) * 20 + 0.05);
  ASSERT_TRUE(g.sm_clock_mhz.has_value()) << g.sm_clock_mhz.reason;
  EXPECT_GT(g.sm_clock_mhz.value->median, 100);
  EXPECT_TRUE(g.power_w_median.has_value()) << g.power_w_median.reason;
  EXPECT_FALSE(g.throttle.empty()) << g.throttle_reason;
  EXPECT_DOUBLE_EQ(r.telemetry->period_s, 0.01);
}

TEST(Telemetry, OffLeavesRecordsWithout) {
  const SystemInfo system = inventory({0});
  const Record r = run_one(system, false);
  ASSERT_EQ(r.status, Status::ok) << r.reason;
  EXPECT_FALSE(r.telemetry.has_value());
}
