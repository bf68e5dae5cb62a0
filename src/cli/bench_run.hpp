#pragma once
// Running the transfer benchmark, shared by `bench` (which prints and saves the report) and
// `check` (which judges the records, and may re-measure a pair while the GPUs are still set up).
#include <functional>
#include <string>
#include <vector>

#include "cli/context.hpp"
#include "core/bench_model.hpp"
#include "core/error.hpp"
#include "core/model.hpp"
#include "core/plan.hpp"
#include "core/report_json.hpp"
#include "suites/context.hpp"
#include "suites/runner.hpp"

namespace gx::cli {

struct BenchCliOptions {
  std::string suites = "all";
  std::string sizes;
  std::string chase_sizes;  // empty: the default working set
  std::string shape;
  std::string dtype = "f32";
  bool quick = false;
  bool all_pairs = false;
  int samples = 20;
  bool samples_given = false;  // else 20, or 5 with --quick
  int warmup = 2;
  std::string min_sample_time = "1ms";
  std::string timeout = "60s";
  bool no_verify = false;
  bool no_gate = false;
  int streams = 4;
  std::string progress = "auto";
  std::string save_json;
  int sm_blocks_per_sm = 4;
  int sm_threads = 512;
  int sm_unroll = 8;
  std::string sm_kernel = "vector";
  std::string sm_chunk = "16KiB";
  int sm_stages = 4;
  std::string gemm_n;  // empty: 10000
  std::string gemm_inputs = "0:1";
  std::string gemm_rest;  // empty: no rest (sustained)
  int ew_threads = 128;
  int ew_blocks_per_sm = 0;
  std::string ew_cache = "streaming";
  std::string precisions = "all";
  std::string schedule = "rounds";  // pairs between ranks of a multi-rank run: serial or rounds
  std::string telemetry = "on";     // on: a sampler thread polls each case's GPUs (docs/telemetry.md)
  std::string detail = "compact";   // what the tables show: summary, compact, full (core/bench_view)
};

struct BenchRun {
  SystemInfo system;
  std::vector<Case> cases;       // as planned, in run order
  std::vector<Record> records;   // one per case
  ExitCode exit = ExitCode::ok;  // device_error, watchdog or interrupted when the run ended early
  std::string message;           // why it ended early
  Json report;                   // the whole report; run.ended_early set when it ended early
};

// Runs more cases (taken from BenchRun::cases) on the same, still set-up GPUs and context.
using RerunFn = std::function<std::vector<Record>(const std::vector<Case>& cases)>;
// Called once the report is built, while the GPUs are still set up.
using AfterRunFn = std::function<void(BenchRun& run, const RerunFn& rerun)>;

// What one rank of a multi-rank run (`mpirun ... gpuxfer bench`) adds to a run; set only there.
struct RankHooks {
  // Around this rank's own cases: its node's ranks take turns, so local figures are not
  // disturbed by another rank's traffic on the same host.
  std::function<void()> before_cases;
  std::function<void()> after_cases;
  // After the own cases, with the GPU still set up: the transfers between ranks (a collective
  // of every rank). Appends its records to `outcome` and worsens its exit code on failure.
  // `node_system`: every GPU this rank sees; `device`: the one it drives.
  std::function<void(Context& context, const SystemInfo& node_system, int device, const BenchOptions& plan,
                     RunOutcome& outcome)>
      cross_rank;
};

// Validates every option before any GPU work (UsageError, InputError for --save-json), then
// inventories the selected GPUs (CannotRunError without a driver or GPU), enables P2P, plans and
// runs the cases. SIGINT/SIGTERM end the run after the current case (exit 130/143 in `exit`).
[[nodiscard]] BenchRun run_bench_cases(GlobalOptions& options, const BenchCliOptions& o, const AfterRunFn& after = {},
                                       const RankHooks* rank = nullptr);

}  // namespace gx::cli
