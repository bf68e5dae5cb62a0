// How a run ends when the GPU misbehaves (README "Failure behaviour"): a kernel that never
// finishes (watchdog, exit 5), a sticky CUDA error (exit 4), a non-sticky one (only its case),
// and SIGINT / SIGTERM during a real `gpuxfer bench` (130 / 143, results so far written).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "core/error.hpp"
#include "fault_kernels.hpp"
#include "gpu/devices.hpp"
#include "gpu/measure.hpp"
#include "suites/context.hpp"
#include "suites/runner.hpp"

using namespace gx;
using Json = nlohmann::json;

namespace {

SystemInfo first_gpu() {
  const auto visible = visible_devices();
  return inventory({visible.front().index});
}

Case case_of(Suite suite, Method method, int gpu) {
  Case c;
  c.suite = suite;
  c.method = method;
  c.src = c.dst = gpu;
  c.bytes = 4096;
  return c;
}

// A run of three cases: the first is ok, the second misbehaves, the third would be ok.
std::vector<Case> three_cases(int gpu) {
  return {case_of(Suite::host, Method::h2d_pinned, gpu), case_of(Suite::peer, Method::ce_write, gpu),
          case_of(Suite::host, Method::d2h_pinned, gpu)};
}

Record ok_case(Context& ctx, const Case& c) {
  const Stream& s = ctx.stream(c.src);
  kernels::launch_sleep(100000, s.get());  // 0.1 ms of real GPU work
  wait_for(s, 5.0);
  Record r;
  r.test = c;
  r.status = Status::ok;
  return r;
}

// Holds the stream with a spin gate that is never opened (its own timeout is an hour): a kernel
// that never finishes, as far as this run can tell. The test opens it afterwards.
Record never_ending_case(Context& ctx, const Case& c) {
  const Stream& s = ctx.stream(c.src);
  ctx.gates().of(c.src).close(s, 3600.0);
  wait_for(s, ctx.settings().measure.timeout_seconds);
  return ok_case(ctx, c);
}

Record illegal_address_case(Context& ctx, const Case& c) {
  const Stream& s = ctx.stream(c.src);
  test::launch_illegal_write(s.get());
  wait_for(s, 5.0);
  return ok_case(ctx, c);
}

Record invalid_value_case(Context& ctx, const Case& c) {
  // A copy with a null destination: cudaErrorInvalidValue, returned at once and not sticky.
  GX_CUDA(cudaMemcpyAsync(nullptr, nullptr, 16, cudaMemcpyDeviceToDevice, ctx.stream(c.src).get()));
  return ok_case(ctx, c);
}

std::vector<SuiteEntry> registry_with(SuiteRunner faulty) {
  return {{Suite::host, ok_case}, {Suite::peer, faulty}};
}

}  // namespace

TEST(Fault, NeverEndingKernelTimesOutAndEndsTheRun) {
  const SystemInfo system = first_gpu();
  RunSettings settings;
  settings.measure.timeout_seconds = 0.5;
  Context ctx(system, settings);
  const int gpu = system.devices.front().index;
  const auto start = std::chrono::steady_clock::now();
  const RunOutcome outcome = run_cases(ctx, three_cases(gpu), nullptr, nullptr, registry_with(never_ending_case));
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(waited, 5.0) << "the deadline, not the kernel, must end the wait";
  EXPECT_EQ(outcome.exit, ExitCode::watchdog);
  ASSERT_EQ(outcome.records.size(), 3u);
  EXPECT_EQ(outcome.records[0].status, Status::ok);
  EXPECT_EQ(outcome.records[1].status, Status::timeout);
  EXPECT_NE(outcome.records[1].reason.find("did not finish within 0.5 s"), std::string::npos)
      << outcome.records[1].reason;
  EXPECT_EQ(outcome.records[2].status, Status::skipped);
  EXPECT_NE(outcome.records[2].reason.find("not run: a case timed out"), std::string::npos);
  // Release the spinning kernel so the process ends cleanly.
  ctx.gates().of(gpu).open();
  wait_for(ctx.stream(gpu), 10.0);
}

TEST(Fault, StickyErrorEndsTheRunWithTheErrorName) {
  const SystemInfo system = first_gpu();
  Context ctx(system, RunSettings{});
  const int gpu = system.devices.front().index;
  const RunOutcome outcome = run_cases(ctx, three_cases(gpu), nullptr, nullptr, registry_with(illegal_address_case));
  EXPECT_EQ(outcome.exit, ExitCode::device_error);
  ASSERT_EQ(outcome.records.size(), 3u);
  EXPECT_EQ(outcome.records[0].status, Status::ok);
  EXPECT_EQ(outcome.records[1].status, Status::error);
  EXPECT_NE(outcome.records[1].reason.find("cudaErrorIllegalAddress"), std::string::npos) << outcome.records[1].reason;
  EXPECT_NE(outcome.message.find("sticky"), std::string::npos);
  EXPECT_EQ(outcome.records[2].status, Status::skipped);
  EXPECT_NE(outcome.records[2].reason.find("not run: a sticky CUDA error"), std::string::npos);
}

TEST(Fault, NonStickyErrorFailsOnlyItsCase) {
  const SystemInfo system = first_gpu();
  Context ctx(system, RunSettings{});
  const int gpu = system.devices.front().index;
  const RunOutcome outcome = run_cases(ctx, three_cases(gpu), nullptr, nullptr, registry_with(invalid_value_case));
  EXPECT_EQ(outcome.exit, ExitCode::ok);
  ASSERT_EQ(outcome.records.size(), 3u);
  EXPECT_EQ(outcome.records[1].status, Status::error);
  EXPECT_NE(outcome.records[1].reason.find("cudaErrorInvalidValue"), std::string::npos);
  EXPECT_EQ(outcome.records[2].status, Status::ok) << "the run goes on after a non-sticky error";
}

// ---- the real binary --------------------------------------------------------------------------

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

struct Child {
  pid_t pid = -1;
  std::string err_path;
};

// Starts `gpuxfer args...` with stdout to /dev/null and stderr to a file.
Child start(const std::vector<std::string>& args, const std::string& tag) {
  Child child;
  child.err_path = "/tmp/gpuxfer_fault_" + std::to_string(::getpid()) + "_" + tag + ".err";
  child.pid = ::fork();
  if (child.pid == 0) {
    const int err = ::open(child.err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(err, 2);
    std::vector<char*> argv{const_cast<char*>(GPUXFER_BINARY)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(GPUXFER_BINARY, argv.data());
    ::_exit(127);
  }
  return child;
}

// The exit code, or -1 when the child is still running after `seconds` (it is then killed).
int wait_exit(const Child& child, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(child.pid, &status, WNOHANG) == child.pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(child.pid, SIGKILL);
  ::waitpid(child.pid, nullptr, 0);
  return -1;
}

// Waits until the child's stderr shows it is running its second case (--verbose progress);
// false at once when the child has already exited (it then failed: its stderr says why).
bool wait_running(const Child& child, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (slurp(child.err_path).find("[2/") != std::string::npos) return true;
    if (::kill(child.pid, 0) != 0 || ::waitpid(child.pid, nullptr, WNOHANG) == child.pid) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::string json_path(const std::string& tag) {
  return "/tmp/gpuxfer_fault_" + std::to_string(::getpid()) + "_" + tag + ".json";
}

// Many short cases on one GPU: a run that is surely still going when the signal comes.
std::vector<std::string> long_bench(const std::string& json) {
  return {"bench",     "--suites",   "elementwise", "--devices",   "0",  "--samples", "50",
          "--verbose", "--progress", "never",       "--save-json", json, "--format",  "json"};
}

void expect_interrupted_report(const std::string& path, int exit_code) {
  const Json report = Json::parse(slurp(path));
  EXPECT_EQ(report["run"]["ended_early"]["exit_code"], exit_code);
  int ok = 0;
  int not_run = 0;
  for (const auto& r : report["records"]) {
    if (r["status"] == "ok") ++ok;
    if (r["status"] == "skipped" && r["reason"].get<std::string>().find("interrupted") != std::string::npos) {
      ++not_run;
    }
  }
  EXPECT_GE(ok, 1) << "the cases measured before the signal are kept";
  EXPECT_GE(not_run, 1) << "the rest are marked as not run because of the interruption";
}

}  // namespace

TEST(FaultCli, WatchdogExit5WritesResultsSoFar) {
  // A 5 ms deadline for every GPU wait, and an FP32 GEMM of N = 10000 that takes ~40 ms: the
  // watchdog must end the run.
  const std::string json = json_path("watchdog");
  const Child child = start(
      {"bench", "--suites", "elementwise,gemm", "--precisions", "fp32", "--devices", "0", "--sizes", "4KiB", "--shape",
       "1000x1000", "--timeout", "5ms", "--save-json", json, "--format", "json", "--progress", "never"},
      "watchdog");
  EXPECT_EQ(wait_exit(child, 300), 5) << slurp(child.err_path);
  const std::string err = slurp(child.err_path);
  EXPECT_NE(err.find("timed out"), std::string::npos) << err;
  const Json report = Json::parse(slurp(json));
  EXPECT_EQ(report["run"]["ended_early"]["exit_code"], 5);
  int timeouts = 0;
  int ok = 0;
  for (const auto& r : report["records"]) {
    timeouts += r["status"] == "timeout";
    ok += r["status"] == "ok";
  }
  EXPECT_EQ(timeouts, 1);
  EXPECT_GE(ok, 1) << "the small elementwise cases before the GEMM finish within 5 ms";
  std::remove(json.c_str());
}

TEST(FaultCli, SigintExit130WritesResultsMarkedInterrupted) {
  const std::string json = json_path("sigint");
  const Child child = start(long_bench(json), "sigint");
  ASSERT_TRUE(wait_running(child, 120)) << slurp(child.err_path);
  ::kill(child.pid, SIGINT);
  EXPECT_EQ(wait_exit(child, 60), 130) << slurp(child.err_path);
  expect_interrupted_report(json, 130);
  std::remove(json.c_str());
}

TEST(FaultCli, SigtermExit143WritesResultsMarkedInterrupted) {
  const std::string json = json_path("sigterm");
  const Child child = start(long_bench(json), "sigterm");
  ASSERT_TRUE(wait_running(child, 120)) << slurp(child.err_path);
  ::kill(child.pid, SIGTERM);
  EXPECT_EQ(wait_exit(child, 60), 143) << slurp(child.err_path);
  expect_interrupted_report(json, 143);
  std::remove(json.c_str());
}

TEST(FaultCli, SecondSigintExitsAtOnce) {
  const std::string json = json_path("twice");
  // One long case: the first SIGINT waits for it to end, the second must not.
  const Child child = start({"bench", "--suites", "gemm", "--precisions", "fp32", "--devices", "0", "--samples", "1000",
                             "--verbose", "--progress", "never", "--save-json", json},
                            "twice");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (slurp(child.err_path).find("[1/") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    ASSERT_NE(::waitpid(child.pid, nullptr, WNOHANG), child.pid) << "exited early: " << slurp(child.err_path);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ::kill(child.pid, SIGINT);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto second = std::chrono::steady_clock::now();
  ::kill(child.pid, SIGINT);
  EXPECT_EQ(wait_exit(child, 10), 130);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - second).count(), 2.0);
  std::remove(json.c_str());
}
