// The pointer chase and the sample-length rule on a real GPU: the walk goes on across
// operations (the run's end is checked against the host's walk), a working set far beyond L2 is
// several times slower per load than one within it, the record says what the walk covered, and
// small operations fill the minimum sample or say the op cap bounded them.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/plan.hpp"
#include "gpu/devices.hpp"
#include "gpu/measure.hpp"
#include "suites/context.hpp"
#include "suites/runner.hpp"

using namespace gx;

namespace {

SystemInfo first_gpu() {
  SystemInfo s = inventory({visible_devices().front().index});
  return s;
}

std::vector<Record> run_chases(const SystemInfo& system, std::vector<std::uint64_t> sizes, int samples) {
  BenchOptions options;
  options.suites = {Suite::latency};
  options.chase_sizes = std::move(sizes);
  std::vector<Case> cases;
  for (const Case& c : plan(options, system)) {
    if ((c.method == Method::chase_local || c.method == Method::chase_host) && c.skip_reason.empty()) {
      cases.push_back(c);
    }
  }
  RunSettings settings;
  settings.measure.samples = samples;
  settings.telemetry = false;
  Context ctx(system, settings);
  kernels::preload(system.devices.front().index);
  RunOutcome outcome = run_cases(ctx, cases, nullptr, nullptr);
  EXPECT_EQ(outcome.exit, ExitCode::ok) << outcome.message;
  return outcome.records;
}

const Record* find(const std::vector<Record>& records, Method m, std::uint64_t bytes) {
  const auto it = std::find_if(records.begin(), records.end(),
                               [&](const Record& r) { return r.test.method == m && r.test.bytes == bytes; });
  return it == records.end() ? nullptr : &*it;
}

}  // namespace

TEST(Chase, WalkGoesOnAcrossOperationsAndLeavesL2Behind) {
  const SystemInfo system = first_gpu();
  const std::uint64_t small = 4ull << 20;
  const std::uint64_t large = 256ull << 20;
  const auto records = run_chases(system, {small, large}, 5);
  for (const Record& r : records) {
    SCOPED_TRACE(testing::Message() << to_string(r.test.method) << " " << r.test.bytes);
    ASSERT_EQ(r.status, Status::ok) << r.reason;  // failed if any op had not continued the walk
    EXPECT_TRUE(r.verified);
    ASSERT_TRUE(r.chase.has_value());
    EXPECT_EQ(r.chase->lines, r.test.bytes / kChaseStrideBytes);
    EXPECT_EQ(r.chase->loads_timed, r.sample_seconds.size() * r.ops_per_sample * kChaseSteps);
    EXPECT_GE(r.chase->loads_before_samples, std::min<std::uint64_t>(r.chase->lines, kChaseWarmLoadsMax));
  }
  const Record* in_l2 = find(records, Method::chase_local, small);
  const Record* dram = find(records, Method::chase_local, large);
  ASSERT_NE(in_l2, nullptr);
  ASSERT_NE(dram, nullptr);
  EXPECT_TRUE(cache_resident(in_l2->test)) << "4 MiB is within every current GPU's L2";
  EXPECT_FALSE(cache_resident(dram->test));
  // With every op restarting at slot 0 both read the same ~1.2 MiB of lines from L2 and agreed
  // within 1 %; walking on, the 256 MiB set reaches memory.
  EXPECT_GT(dram->time->median, 1.5 * in_l2->time->median)
      << "256 MiB: " << dram->time->median * 1e9 << " ns, 4 MiB: " << in_l2->time->median * 1e9 << " ns";
  const Record* host = find(records, Method::chase_host, large);
  ASSERT_NE(host, nullptr);
  EXPECT_GT(host->time->median, dram->time->median) << "pinned host memory over PCIe is slower than local";
}

TEST(Measure, SmallOpsFillTheMinimumSample) {
  Gates gates;
  Stream stream(0);
  MeasureSettings settings;
  settings.samples = 5;
  const Measurement m = measure_device(
      gates, {&stream},
      [&] {
        DeviceGuard guard(0);
        kernels::launch_sleep(20'000, stream.get());  // 20 µs: about 50 ops per 1 ms sample
      },
      settings);
  EXPECT_FALSE(m.ops_capped);
  EXPECT_LT(m.ops_per_sample, 256u);
  EXPECT_EQ(m.min_sample_seconds, 1e-3);
  for (double s : m.seconds_per_op) EXPECT_GE(s * static_cast<double>(m.ops_per_sample), 1e-3);
}

TEST(Measure, OpCapBoundsTinyOpsAndSaysSo) {
  Gates gates;
  Stream stream(0);
  MeasureSettings settings;
  settings.samples = 3;
  settings.min_sample_seconds = 20e-3;  // 256 kernels of ~1 µs cannot fill 20 ms
  const Measurement m = measure_device(
      gates, {&stream},
      [&] {
        DeviceGuard guard(0);
        kernels::launch_sleep(1'000, stream.get());
      },
      settings);
  EXPECT_EQ(m.ops_per_sample, 256u);
  EXPECT_TRUE(m.ops_capped);
}
