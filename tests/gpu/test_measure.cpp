// The measurement function and verification on a real GPU: a kernel of known length is timed
// within 5 %, the gate's timeout fires, and a wrong copy is caught (value, length, guards).
#include <gtest/gtest.h>

#include <set>

#include "core/error.hpp"
#include "core/plan.hpp"
#include "gpu/devices.hpp"
#include "gpu/kernels.hpp"
#include "gpu/measure.hpp"
#include "gpu/raii.hpp"
#include "suites/context.hpp"
#include "suites/runner.hpp"
#include "suites/transfer.hpp"

using namespace gx;

namespace {

SystemInfo first_gpus(int n) {
  std::vector<int> all;
  for (const auto& id : visible_devices()) {
    if (static_cast<int>(all.size()) < n) all.push_back(id.index);
  }
  SystemInfo s = inventory(all);
  enable_peer_access(s);
  return s;
}

Case peer_case(int src, int dst, std::uint64_t bytes) {
  Case c;
  c.suite = Suite::peer;
  c.method = Method::ce_write;
  c.src = src;
  c.dst = dst;
  c.bytes = bytes;
  return c;
}

}  // namespace

TEST(Measure, SleepKernelOfKnownLengthWithin5Percent) {
  Gates gates;
  Stream stream(0);
  MeasureSettings settings;
  settings.samples = 10;
  const std::uint64_t ns = 2'000'000;  // 2 ms
  const Measurement m = measure_device(
      gates, {&stream},
      [&] {
        DeviceGuard guard(0);
        kernels::launch_sleep(ns, stream.get());
      },
      settings);
  ASSERT_EQ(m.seconds_per_op.size(), 10u);
  EXPECT_EQ(m.ops_per_sample, 1u);
  const Summary s = summarize(m.seconds_per_op);
  EXPECT_NEAR(s.median, 2e-3, 0.05 * 2e-3);
}

TEST(Measure, AtLeastMinOpsPerSampleHoweverLongAnOpIs) {
  Gates gates;
  Stream stream(0);
  MeasureSettings settings;
  settings.samples = 3;
  settings.min_ops_per_sample = 3;  // a 2 ms op alone would fill the 1 ms minimum sample
  const std::uint64_t ns = 2'000'000;
  const Measurement m = measure_device(
      gates, {&stream},
      [&] {
        DeviceGuard guard(0);
        kernels::launch_sleep(ns, stream.get());
      },
      settings);
  EXPECT_EQ(m.ops_per_sample, 3u);
  EXPECT_NEAR(summarize(m.seconds_per_op).median, 2e-3, 0.05 * 2e-3);  // still per op
}

TEST(Measure, HostModeTimesWaits) {
  Stream stream(0);
  MeasureSettings settings;
  settings.samples = 5;
  const Measurement m = measure_host(
      [&] {
        DeviceGuard guard(0);
        kernels::launch_sleep(1'000'000, stream.get());
        wait_for(stream, 10);
      },
      settings);
  EXPECT_EQ(m.mode, TimingMode::host);
  const Summary s = summarize(m.seconds_per_op);
  EXPECT_GT(s.median, 0.95e-3);
  EXPECT_LT(s.median, 1.5e-3);  // launch + wake-up overhead, never less than the kernel
}

TEST(Measure, GateTimesOutOnItsOwn) {
  Gate gate(0);
  Stream stream(0);
  gate.close(stream, 0.05);  // never opened
  wait_for(stream, 10);      // returns because the gate gave up after 50 ms
  EXPECT_TRUE(gate.timed_out());
  gate.close(stream, 10);
  gate.open();
  wait_for(stream, 10);
  EXPECT_FALSE(gate.timed_out());
}

TEST(Measure, WaitForHasADeadline) {
  Gate gate(0);
  Stream stream(0);
  gate.close(stream, 2.0);  // holds the stream for 2 s
  EXPECT_THROW(wait_for(stream, 0.1), TimeoutError);
  gate.open();
  wait_for(stream, 10);
}

TEST(Verify, CorrectCopyPassesAndWrongCopiesAreCaught) {
  const SystemInfo system = first_gpus(2);
  RunSettings settings;
  settings.measure.samples = 3;
  Context ctx(system, settings);
  const int src = 0;
  const int dst = system.devices.size() > 1 ? 1 : 0;
  const std::size_t bytes = (1u << 20) + 3;  // an odd size exercises the tails
  const Case c = peer_case(src, dst, bytes);

  Transfer good;
  good.name = "good";
  good.src = ctx.device_region(src, 0, bytes);
  good.dst = ctx.device_region(dst, 1, bytes);
  good.bytes = bytes;
  good.stream = &ctx.stream(src);
  good.engine = Engine::copy_peer;
  TransferSet ok_set;
  ok_set.transfers = {good};
  const Record ok = run_transfer_set(ctx, c, ok_set);
  EXPECT_EQ(ok.status, Status::ok) << ok.reason;
  EXPECT_TRUE(ok.verified);
  EXPECT_EQ(ok.mismatches, 0u);

  // Too short: the last 16 bytes keep the poison.
  TransferSet short_set;
  short_set.verify_transfers = {good};
  Transfer short_copy = good;
  short_copy.bytes = bytes - 16;
  short_set.transfers = {short_copy};
  const Record too_short = run_transfer_set(ctx, c, short_set);
  EXPECT_EQ(too_short.status, Status::failed);
  EXPECT_EQ(too_short.mismatches, 16u);

  // Shifted by one byte: every value is wrong and one byte lands in the guard.
  TransferSet shifted_set;
  shifted_set.verify_transfers = {good};
  Transfer shifted = good;
  shifted.dst.data += 1;
  shifted_set.transfers = {shifted};
  const Record shifted_record = run_transfer_set(ctx, c, shifted_set);
  EXPECT_EQ(shifted_record.status, Status::failed);
  EXPECT_GT(shifted_record.mismatches, bytes / 2);
  EXPECT_NE(shifted_record.reason.find("verification failed"), std::string::npos);
}

TEST(Suites, EverySuiteRunsAndVerifiesOnTwoGpus) {
  const SystemInfo system = first_gpus(2);
  if (system.devices.size() < 2) GTEST_SKIP() << "needs 2 GPUs";
  BenchOptions options;
  options.sizes = {4096, 1u << 20};
  options.headline_bytes = 64u << 20;
  options.chunk_sizes = {4u << 20};
  options.ring_depths = {2, 3};
  options.latency_sizes = {4, 4096};
  const std::vector<Case> cases = plan(options, system);
  RunSettings settings;
  settings.measure.samples = 3;
  settings.measure.warmup_ops = 1;
  Context ctx(system, settings);
  for (const auto& d : system.devices) kernels::preload(d.index);
  const RunOutcome outcome = run_cases(ctx, cases, nullptr, nullptr);
  EXPECT_EQ(outcome.exit, ExitCode::ok) << outcome.message;
  std::set<Method> seen;
  for (const Record& r : outcome.records) {
    SCOPED_TRACE(testing::Message() << to_string(r.test.method) << " " << r.test.src << "->" << r.test.dst << " "
                                    << r.test.bytes);
    EXPECT_EQ(r.status, Status::ok) << r.reason;
    EXPECT_TRUE(r.verified);
    ASSERT_TRUE(r.time.has_value());
    EXPECT_GT(r.time->median, 0);
    // Bandwidth samples of one peer copy hold at least two copies; several streams at least 5 ms.
    if (is_single_peer_copy(r.test.method) && r.test.bytes >= 4096) {
      EXPECT_GE(r.ops_per_sample, 2u);
    }
    // (The op count comes from the time of one op, which for small copies is mostly the skew of
    // the streams' start, so only copies long next to that skew are held to it.)
    if ((r.test.method == Method::split_ce || r.test.method == Method::bidir_ce) && r.test.bytes >= (16u << 20)) {
      EXPECT_GE(r.time->median * static_cast<double>(r.ops_per_sample), 0.8 * 5e-3);
    }
    seen.insert(r.test.method);
  }
  for (Suite suite : all_suites()) {
    for (Method m : methods_of(suite)) {
      // nccl_send / nccl_bidir run only between the ranks of an mpirun job (scripts/gpu_validate.sh --mpi).
      if (is_cross_rank_only(m)) continue;
      EXPECT_EQ(seen.count(m), 1u) << "never ran: " << to_string(m);
    }
  }
}

TEST(Verify, SmCopyKernelsAreExactAtOddSizes) {
  const SystemInfo system = first_gpus(2);
  const int src = 0;
  const int dst = system.devices.size() > 1 ? 1 : 0;
  std::vector<kernels::SmCopyConfig> configs{{4, 512, 8, false, 16384, 4}, {2, 256, 16, false, 16384, 4}};
  if (system.devices[0].cc_major >= 9) {
    configs.push_back({2, 32, 1, true, 16384, 4});
    configs.push_back({1, 32, 1, true, 32768, 6});
  }
  // Copies that share the GPU with two others (all_pairs_sm): whatever the configured shape, the
  // one-load kernel on a third of the resident block slots.
  const std::size_t shapes = configs.size();
  for (std::size_t i = 0; i < shapes; ++i) {
    configs.push_back(configs[i]);
    configs.back().share = 3;
  }
  for (const auto& config : configs) {
    RunSettings settings;
    settings.measure.samples = 2;
    settings.sm = config;
    Context ctx(system, settings);
    for (std::size_t bytes : {std::size_t{16}, std::size_t{4096 + 7}, std::size_t{(33u << 20) + 48}}) {
      SCOPED_TRACE(testing::Message() << (config.bulk ? "bulk " : "vector ") << config.bulk_chunk << " share "
                                      << config.share << " " << bytes);
      Case c = peer_case(src, dst, bytes);
      c.method = Method::sm_push;
      Transfer t;
      t.name = "sm";
      t.src = ctx.device_region(src, 0, bytes);
      t.dst = ctx.device_region(dst, 1, bytes);
      t.bytes = bytes;
      t.stream = &ctx.stream(src);
      t.engine = Engine::sm;
      t.sm_share = config.share;
      TransferSet set;
      set.transfers = {t};
      const Record r = run_transfer_set(ctx, c, set);
      EXPECT_EQ(r.status, Status::ok) << r.reason;
      EXPECT_EQ(r.mismatches, 0u);
    }
  }
}

// The copy kernels' limits are enforced where they are launched, from what the device says:
// the bulk copy's stages fit its fixed barrier array and stages x chunk the shared memory one
// block may have; an unroll without an instantiation is refused, not run as another.
TEST(SmCopyLimits, LaunchesRefuseShapesTheKernelsCannotRun) {
  int limit = 0;
  ASSERT_EQ(cudaDeviceGetAttribute(&limit, cudaDevAttrMaxSharedMemoryPerBlockOptin, 0), cudaSuccess);
  kernels::SmCopyConfig fits;
  fits.bulk = true;
  fits.bulk_chunk = 16384;
  fits.stages = 2;
  ASSERT_GE(limit, 2 * 16384) << "every GPU with the bulk copy grants a block more than 32 KiB";
  EXPECT_EQ(kernels::bulk_copy_config_problem(fits, 0), "");
  kernels::SmCopyConfig too_big = fits;
  too_big.stages = kernels::kBulkCopyMaxStages;
  too_big.bulk_chunk = 16 * ((limit / kernels::kBulkCopyMaxStages) / 16 + 1);  // one 16-byte step past the limit
  EXPECT_NE(kernels::bulk_copy_config_problem(too_big, 0).find("shared memory"), std::string::npos);
  kernels::SmCopyConfig stages = fits;
  stages.stages = kernels::kBulkCopyMaxStages + 1;
  EXPECT_NE(kernels::bulk_copy_config_problem(stages, 0).find("stages"), std::string::npos);

  DeviceBuffer src(0, 1 << 20);
  DeviceBuffer dst(0, 1 << 20);
  Stream stream(0);
  EXPECT_THROW(kernels::launch_sm_copy(dst.data(), src.data(), 1 << 20, 1, too_big, stream.get()), UsageError);
  EXPECT_THROW(kernels::launch_sm_copy(dst.data(), src.data(), 1 << 20, 1, stages, stream.get()), UsageError);
  kernels::SmCopyConfig unroll;
  unroll.unroll = 3;
  EXPECT_THROW(kernels::launch_sm_copy(dst.data(), src.data(), 1 << 20, 1, unroll, stream.get()), UsageError);
  wait_for(stream, 60.0);
}
