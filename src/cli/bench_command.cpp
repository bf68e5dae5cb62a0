// gpuxfer bench: plan the cases for the selected GPUs, run them through the suites, write the
// report. Results so far are written even when the run ends early (CUDA error, timeout, signal).
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>

#include "cli/bench_run.hpp"
#include "cli/commands.hpp"
#include "core/atomic_file.hpp"
#include "core/bench_output.hpp"
#include "core/bench_view.hpp"
#include "core/host.hpp"
#include "core/launcher.hpp"
#include "core/library_skips.hpp"
#include "core/plan.hpp"
#include "core/record_json.hpp"
#include "core/schedule.hpp"
#include "core/sweep.hpp"
#include "gpu/blas_api.hpp"
#include "gpu/devices.hpp"
#include "gpu/elementwise.hpp"
#include "gpu/health.hpp"
#include "gpu/kernels.hpp"
#include "suites/runner.hpp"
#ifdef GPUXFER_HAVE_MPI
#include "core/merge.hpp"
#include "core/report_load.hpp"
#include "dist/collect.hpp"
#include "dist/placement.hpp"
#include "dist/transfers/cross_rank.hpp"
#endif

namespace gx::cli {
namespace {

// First SIGINT/SIGTERM: finish the current case, write what was measured, exit 130/143.
// A second one: leave at once.
std::atomic<int> g_stop_signal{0};
extern "C" void on_stop_signal(int signal_number) {
  if (g_stop_signal.exchange(signal_number) != 0) _exit(128 + signal_number);
}

void check_range(const char* flag, int value, int low, int high) {
  if (value < low || value > high) {
    throw UsageError(fmt::format("invalid {} {}: allowed {} to {}", flag, value, low, high));
  }
}

BenchOptions to_plan_options(const BenchCliOptions& o) {
  BenchOptions p;
  p.suites = parse_suites(o.suites);
  p.dtype = parse_dtype(o.dtype);
  if (!o.shape.empty()) {
    const Shape shape = parse_shape(o.shape);
    const std::uint64_t elements = shape.elements();
    if (elements > (1ull << 40) / dtype_bytes(p.dtype)) {
      throw UsageError(fmt::format("invalid --shape '{}': more than 1 TiB", o.shape));
    }
    p.headline_bytes = elements * dtype_bytes(p.dtype);
  } else {
    p.headline_bytes = headline_bytes(p.dtype);
  }
  p.sizes = !o.sizes.empty() ? parse_sizes(o.sizes)
            : o.quick        ? quick_transfer_sweep(p.dtype)
                             : default_transfer_sweep(p.dtype);
  p.all_pairs = o.all_pairs;
  p.split_streams = o.streams;
  if (!o.gemm_n.empty()) {
    // Plain counts: the size grammar's units (4K, 1MiB) make no sense for N.
    if (o.gemm_n.find_first_not_of("0123456789,:x+ ") != std::string::npos) {
      throw UsageError(
          fmt::format("invalid --gemm-n '{}': a list of whole numbers (4096,10000) or a range "
                      "(1024:16384:x2)",
                      o.gemm_n));
    }
    try {
      p.gemm_sizes = parse_sizes(o.gemm_n);
    } catch (const UsageError& e) {
      throw UsageError(fmt::format("invalid --gemm-n '{}': {}", o.gemm_n, e.what()));
    }
    for (std::uint64_t n : p.gemm_sizes) {
      if (n > kMaxGemmN) {
        throw UsageError(
            fmt::format("invalid --gemm-n '{}': N = {} is above the largest allowed, {}", o.gemm_n, n, kMaxGemmN));
      }
    }
  }
  p.gemm_precisions = parse_gemm_precisions(o.precisions);
  if (!o.chase_sizes.empty()) {
    try {
      p.chase_sizes = parse_sizes(o.chase_sizes);
    } catch (const UsageError& e) {
      throw UsageError(fmt::format("invalid --chase-sizes '{}': {}", o.chase_sizes, e.what()));
    }
    for (std::uint64_t bytes : p.chase_sizes) {
      if (bytes < 2 * kChaseStrideBytes) {
        throw UsageError(fmt::format("invalid --chase-sizes '{}': {} bytes is below {} (two {}-byte slots)",
                                     o.chase_sizes, bytes, 2 * kChaseStrideBytes, kChaseStrideBytes));
      }
    }
  }
  p.host_available_bytes = host_memory_available();
  if (o.quick) {
    // Acceptance-check mode: the tuning grid shrinks to the usual winners.
    p.chunk_sizes = {8ull << 20, 16ull << 20};
    p.ring_depths = {3};
    p.latency_sizes = {4, 65536};
  }
  return p;
}

// "LO:HI", finite, LO < HI, within +-1000. Wide ranges can overflow an FP16 output (|C| up to
// N * hi^2); such a product is caught by verification and the record fails, never silently.
Gemm::InputRange parse_gemm_inputs(const std::string& text) {
  const auto fail = [&] {
    return UsageError(fmt::format("invalid --gemm-inputs '{}': LO:HI with LO < HI, both within -1000 to 1000", text));
  };
  const auto colon = text.find(':');
  if (colon == std::string::npos) throw fail();
  const auto number = [&](const std::string& part) {
    std::size_t used = 0;
    double value = 0;
    try {
      value = std::stod(part, &used);
    } catch (const std::exception&) {
      throw fail();
    }
    if (used != part.size() || !std::isfinite(value) || std::fabs(value) > 1000) throw fail();
    return value;
  };
  const double lo = number(text.substr(0, colon));
  const double hi = number(text.substr(colon + 1));
  if (!(lo < hi)) throw fail();
  return Gemm::InputRange{lo, hi};
}

Json precision_names(const BenchOptions& p) {
  Json names = Json::array();
  for (Method m : p.gemm_precisions.empty() ? methods_of(Suite::gemm) : p.gemm_precisions) {
    names.push_back(std::string(to_string(m).substr(5)));
  }
  return names;
}

Json options_json(const BenchCliOptions& o, const BenchOptions& p, const RunSettings& r,
                  const std::vector<int>& devices) {
  Json suites = Json::array();
  for (Suite s : p.suites.empty() ? all_suites() : p.suites) suites.push_back(to_string(s));
  Json j{{"devices", devices},
         {"suites", suites},
         {"dtype", to_string(p.dtype)},
         {"headline_bytes", p.headline_bytes},
         {"sizes", p.sizes},
         {"all_pairs", p.all_pairs},
         {"schedule", o.schedule},
         {"quick", o.quick},
         {"samples", r.measure.samples},
         {"warmup_ops", r.measure.warmup_ops},
         {"min_sample_seconds", r.measure.min_sample_seconds},
         {"timeout_seconds", r.measure.timeout_seconds},
         {"verify", r.verify},
         {"gate", r.measure.use_gate},
         {"split_streams", p.split_streams},
         {"gemm_n", p.gemm_sizes.empty() ? std::vector<std::uint64_t>{kDefaultGemmN} : p.gemm_sizes},
         {"gemm_precisions", precision_names(p)},
         {"gemm_inputs", Json{{"lo", r.gemm_inputs.lo}, {"hi", r.gemm_inputs.hi}}},
         {"gemm_rest_seconds", r.gemm_rest_seconds},
         {"telemetry", r.telemetry ? "on" : "off"},
         {"elementwise", Json{{"threads", r.elementwise.threads},
                              {"blocks_per_sm", r.elementwise.blocks_per_sm},
                              {"cache", r.elementwise.streaming ? "streaming" : "default"}}},
         {"sm_copy", Json{{"kernel", r.sm.bulk ? "bulk" : "vector"},
                          {"blocks_per_sm", r.sm.blocks_per_sm},
                          {"threads", r.sm.threads},
                          {"unroll", r.sm.unroll},
                          {"bulk_chunk", r.sm.bulk_chunk},
                          {"stages", r.sm.stages}}}};
  // 1.7: only when given (the default is one working set of at least 4x every GPU's L2).
  if (!p.chase_sizes.empty()) j["chase_sizes"] = p.chase_sizes;
  return j;
}

}  // namespace

BenchRun run_bench_cases(GlobalOptions& options, const BenchCliOptions& o, const AfterRunFn& after,
                         const RankHooks* rank) {
  const std::string started = utc_now_iso8601();
  // Every value is validated before any GPU work starts.
  const BenchOptions plan_options = to_plan_options(o);
  refuse_same_file({{"--output", options.output_path}, {"--save-json", o.save_json}}, {});
  if (!o.save_json.empty()) ensure_writable(o.save_json);
  RunSettings settings;
  if (o.samples_given) check_range("--samples", o.samples, 1, 100000);
  check_range("--warmup", o.warmup, 0, 1000);
  check_range("--streams", o.streams, 1, 64);
  check_range("--sm-blocks-per-sm", o.sm_blocks_per_sm, 1, 32);
  if (o.sm_threads % 32 != 0 || o.sm_threads < 32 || o.sm_threads > 1024) {
    throw UsageError(fmt::format("invalid --sm-threads {}: a multiple of 32 from 32 to 1024", o.sm_threads));
  }
  if (!kernels::is_sm_copy_unroll(o.sm_unroll)) {
    throw UsageError(fmt::format("invalid --sm-unroll {}: allowed 1, 2, 4, 8, 16", o.sm_unroll));
  }
  try {
    (void)parse_schedule_kind(o.schedule);
  } catch (const UsageError&) {
    throw UsageError(fmt::format("invalid --schedule '{}': allowed serial, rounds", o.schedule));
  }
  if (o.progress != "auto" && o.progress != "never") {
    throw UsageError(fmt::format("invalid --progress '{}': allowed auto, never", o.progress));
  }
  if (o.telemetry != "on" && o.telemetry != "off") {
    throw UsageError(fmt::format("invalid --telemetry '{}': allowed on, off", o.telemetry));
  }
  (void)parse_bench_detail(o.detail);
  settings.telemetry = o.telemetry == "on";
  settings.measure.samples = o.samples_given ? o.samples : (o.quick ? 5 : 20);
  settings.measure.warmup_ops = o.quick ? std::min(o.warmup, 1) : o.warmup;
  settings.measure.min_sample_seconds = parse_duration(o.min_sample_time);
  settings.measure.timeout_seconds = parse_duration(o.timeout);
  settings.verify = !o.no_verify;
  settings.measure.use_gate = !o.no_gate;
  if (o.sm_kernel != "vector" && o.sm_kernel != "bulk") {
    throw UsageError(fmt::format("invalid --sm-kernel '{}': allowed vector, bulk", o.sm_kernel));
  }
  const std::uint64_t sm_chunk = parse_size(o.sm_chunk);
  if (sm_chunk % 16 != 0 || sm_chunk > 64 * 1024) {
    throw UsageError(fmt::format("invalid --sm-chunk '{}': a multiple of 16 bytes, at most 64KiB", o.sm_chunk));
  }
  check_range("--sm-stages", o.sm_stages, kernels::kBulkCopyMinStages, kernels::kBulkCopyMaxStages);
  check_range("--ew-threads", o.ew_threads, 32, 1024);
  if (o.ew_threads % 32 != 0) {
    throw UsageError(fmt::format("invalid --ew-threads {}: a multiple of 32 from 32 to 1024", o.ew_threads));
  }
  check_range("--ew-blocks-per-sm", o.ew_blocks_per_sm, 0, 32);
  if (o.ew_cache != "streaming" && o.ew_cache != "default") {
    throw UsageError(fmt::format("invalid --ew-cache '{}': allowed streaming, default", o.ew_cache));
  }
  settings.elementwise = ElementwiseConfig{o.ew_threads, o.ew_blocks_per_sm, o.ew_cache == "streaming"};
  settings.gemm_inputs = parse_gemm_inputs(o.gemm_inputs);
  // Not given: 0 (parse_duration refuses 0, which is right for every other duration).
  settings.gemm_rest_seconds = o.gemm_rest.empty() ? 0.0 : parse_duration(o.gemm_rest);
  if (settings.gemm_rest_seconds > 60) {
    throw UsageError(fmt::format("invalid --gemm-rest '{}': at most 60s", o.gemm_rest));
  }
  settings.sm = kernels::SmCopyConfig{o.sm_blocks_per_sm,         o.sm_threads, o.sm_unroll, o.sm_kernel == "bulk",
                                      static_cast<int>(sm_chunk), o.sm_stages};

  if (options.node_local_rank && options.devices_text == "all") {
    // One rank per GPU: the node-local rank picks it (after every flag was validated above).
    const auto [local_rank, local_size] = *options.node_local_rank;
    const RankDevice device = rank_device(local_rank, local_size, static_cast<int>(visible_devices().size()));
    if (!device.warning.empty() && local_rank == 0) {
      std::fprintf(stderr, "gpuxfer: warning: %s\n", device.warning.c_str());
    }
    options.devices_text = std::to_string(device.device);
  }
  const DeviceSpec spec = parse_device_spec(options.devices_text);
  const std::vector<int> selected = resolve_devices(spec, visible_devices());
  BenchRun result;
  SystemInfo& system = result.system;
  system = inventory(selected);
  // A rank of a multi-rank run also describes every GPU of its node it can see: the other
  // ranks' GPUs, whose links (NV18, PIX, ...) the transfers between ranks cross.
  std::optional<SystemInfo> node_system;
  if (rank != nullptr) {
    std::vector<int> all;
    for (const auto& d : visible_devices()) all.push_back(d.index);
    node_system = inventory(all);
    // Each rank describes the pairs its own GPU sends on, and enables P2P on them as one process
    // does (the CUDA IPC copies need it); the merge takes every other pair from its source's
    // rank, so no pair is described by a process that never tried to enable it.
    auto& pairs = node_system->pairs;
    pairs.erase(
        std::remove_if(pairs.begin(), pairs.end(), [&](const PairInfo& p) { return p.src != selected.front(); }),
        pairs.end());
    enable_peer_access(*node_system);
  }
  for (const auto& d : system.devices) {
    if (settings.sm.bulk && d.cc_major < 9) {
      throw UsageError(fmt::format("--sm-kernel bulk needs compute capability 9.0 or newer; GPU {} is {}.{}", d.index,
                                   d.cc_major, d.cc_minor));
    }
    if (settings.sm.bulk) {
      // The device says how much shared memory one block may have (the launch checks it too).
      const std::string problem = kernels::bulk_copy_config_problem(settings.sm, d.index);
      if (!problem.empty()) throw UsageError("invalid --sm-chunk x --sm-stages: " + problem);
    }
  }
  enable_peer_access(system);
  result.cases = plan(plan_options, system);
  // cuBLAS / cuBLASLt are loaded only when a planned case needs them; where they are not usable
  // those cases are skips with the loader's reason and everything else runs.
  if (std::any_of(result.cases.begin(), result.cases.end(),
                  [](const Case& c) { return needs_blas(c) && c.skip_reason.empty(); })) {
    const std::string reason = blas_unavailable_reason();
    if (skip_cases_needing_blas(result.cases, reason) > 0)
      inform(options, "gpuxfer: gemm and overlap skipped: " + reason);
  }
  if (rank != nullptr) {
    // One GPU per rank: the pair suites are measured between ranks, not skipped per rank (each
    // rank's "needs at least 2 GPUs" would be false of the job).
    result.cases.erase(std::remove_if(result.cases.begin(), result.cases.end(),
                                      [](const Case& c) {
                                        return is_suite_skip(c) && c.skip_reason.rfind("needs at least 2 GPUs", 0) == 0;
                                      }),
                       result.cases.end());
  }
  const std::vector<Case>& cases = result.cases;
  detail(options, fmt::format("gpuxfer: {} cases planned on {} GPU(s), {} samples each, verify {}", cases.size(),
                              selected.size(), settings.measure.samples, settings.verify ? "on" : "off"));
  if (settings.verify == false) inform(options, "gpuxfer: --no-verify: results are NOT verified");
  if (!settings.measure.use_gate) inform(options, "gpuxfer: --no-gate: timings include launch overhead");

  Context context(system, settings);
  for (int device : selected) {
    kernels::preload(device);
    preload_elementwise(device);
  }

  // Health before the first case and after the last, with the critical XIDs between
  // (docs/health.md): NVML queries only, outside every timed region.
  XidWatch xids(pci_bus_ids(system));
  system.health = read_health_before(system);

  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  if (rank != nullptr && rank->before_cases) rank->before_cases();
  const bool show_progress = o.progress == "auto" && !options.quiet && ::isatty(STDERR_FILENO) == 1;
  RunOutcome outcome = run_cases(
      context, cases,
      [&](std::size_t done, std::size_t total, const Case& next) {
        if (options.verbose && !show_progress) {
          detail(options, fmt::format("gpuxfer: [{}/{}] {} {} {} -> {} {}", done + 1, total, to_string(next.suite),
                                      to_string(next.method), next.src, next.dst, format_bytes(next.bytes)));
        }
        if (!show_progress) return;
        std::fprintf(stderr, "\r\x1b[K[%zu/%zu] %s %s %s", done + 1, total, std::string(to_string(next.suite)).c_str(),
                     std::string(to_string(next.method)).c_str(), format_bytes(next.bytes).c_str());
        std::fflush(stderr);
      },
      &g_stop_signal);
  if (show_progress) std::fprintf(stderr, "\r\x1b[K");
  if (rank != nullptr) {
    if (rank->after_cases) rank->after_cases();
    if (rank->cross_rank) rank->cross_rank(context, *node_system, selected.front(), plan_options, outcome);
  }
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  read_health_after(system.health, xids);
  if (node_system) node_system->health = system.health;

  RunInfo run = make_run_info(options, started, options_json(o, plan_options, settings, selected));
  result.report = make_report(run, node_system ? *node_system : system, records_to_json(outcome.records));
  if (outcome.exit != ExitCode::ok) {
    result.report["run"]["ended_early"] =
        Json{{"exit_code", static_cast<int>(outcome.exit)}, {"reason", outcome.message}};
  }
  result.records = std::move(outcome.records);
  result.exit = outcome.exit;
  result.message = std::move(outcome.message);
  if (after) {
    const RerunFn rerun = [&context](const std::vector<Case>& more) {
      return run_cases(context, more, ProgressFn{}, &g_stop_signal).records;
    };
    after(result, rerun);
  }
  return result;
}

namespace {

// The run's outputs: --save-json, then stdout (or -o) in the chosen format.
void write_bench_outputs(const GlobalOptions& options, const BenchCliOptions& o, const Json& report,
                         const std::vector<Record>& records, const SystemInfo& system) {
  if (!o.save_json.empty()) {
    write_file_atomically(o.save_json, report.dump(2) + "\n");
    inform(options, fmt::format("gpuxfer: wrote {}", o.save_json));
  }
  if (options.format == OutputFormat::json) {
    emit_json(options, report);
    return;
  }
  BenchRenderOptions render;
  render.format = options.format;
  render.detail = parse_bench_detail(o.detail);
  render.color = options.color;
  render.max_width = options.terminal_columns;
  emit(options, render_bench(records, system, render));
}

int run_bench(GlobalOptions& options, const BenchCliOptions& o) {
  const BenchRun result = run_bench_cases(options, o);
  write_bench_outputs(options, o, result.report, result.records, result.system);
  if (result.exit != ExitCode::ok) {
    std::fprintf(stderr, "gpuxfer: error: %s; results so far were written\n", result.message.c_str());
  }
  return static_cast<int>(result.exit);
}

#ifndef GPUXFER_HAVE_MPI
// gpuxfer has no MPI: started as one of several ranks, it becomes gpuxfer-mpi from its own
// folder with the same arguments, so `mpirun -np 4 gpuxfer bench` runs the ranks together.
// Returns only by throwing CannotRunError (exit 3) when there is none to become.
[[noreturn]] void hand_over_to_mpi_binary(const GlobalOptions& options, const LauncherWorld& world) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::string self_text = ec ? std::string("gpuxfer") : self.string();
  const std::filesystem::path target = ec ? std::filesystem::path("gpuxfer-mpi") : self.parent_path() / "gpuxfer-mpi";
  if (ec || ::access(target.c_str(), X_OK) != 0) {
    throw CannotRunError(
        fmt::format("launched by an MPI launcher ({}) but gpuxfer-mpi was not found beside {}; install the gpuxfer-mpi "
                    "package (or put gpuxfer-mpi next to gpuxfer) to run across ranks, or run one gpuxfer per host",
                    world.evidence, self_text));
  }
  std::vector<char*> args;
  for (const std::string& a : options.argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  ::execv(target.c_str(), args.data());
  const int error = errno;
  throw CannotRunError(fmt::format("launched by an MPI launcher ({}) but {} cannot be started: {}", world.evidence,
                                   target.string(), std::strerror(error)));
}
#endif

#ifdef GPUXFER_HAVE_MPI
// A node's ranks run their own cases one after another: turn k starts when ranks 0..k-1 of the
// node are done. Each rank takes part in local_size barriers of the node communicator in all:
// `local_rank` before its turn, the rest after it (or when it fails, so nobody waits forever).
class NodeTurns {
 public:
  NodeTurns(const dist::Communicator& node, int local_rank, int local_size)
      : node_(node), mine_(local_rank), total_(local_size) {}
  void wait_turn() {
    while (done_ < mine_) step();
  }
  void finish() {
    while (done_ < total_) step();
  }

 private:
  void step() {
    ++done_;  // counted first: a failing barrier is not retried by finish()
    node_.barrier();
  }
  const dist::Communicator& node_;
  int mine_;
  int total_;
  int done_ = 0;
};

Json cross_rank_summary(const dist::CrossRankOutcome& c, std::string_view schedule, std::uint64_t bytes) {
  Json methods = Json::object();
  for (const auto& m : c.methods) {
    methods[std::string(to_string(m.method))] =
        Json{{"rounds", m.rounds}, {"cases", m.cases}, {"wall_s", m.wall_seconds}};
  }
  return Json{{"schedule", schedule},     {"rounds", c.rounds}, {"cases", c.cases},
              {"wall_s", c.wall_seconds}, {"bytes", bytes},     {"methods", methods}};
}

// One rank of `mpirun -np N gpuxfer bench`: the node-local rank picks the GPU; the node's ranks
// run their own cases in turn; then every rank takes part in the transfers between ranks (CUDA
// IPC on one node, NCCL everywhere; dist/transfers); rank 0 gathers every rank's document,
// merges them into one (core/merge) and alone writes; every rank exits with the worst exit
// code (docs/distributed.md).
int run_bench_distributed(GlobalOptions& options, const BenchCliOptions& o) {
  dist::Environment environment(nullptr, nullptr);
  const dist::Communicator world = dist::Communicator::world();
  const dist::Placement me = dist::compute_placement(world);
  const dist::Communicator node = world.split_shared();
  NodeTurns turns(node, me.local_rank, me.local_size);
  if (me.rank != 0) options.quiet = true;  // one voice: rank 0's
  BenchCliOptions rank_options = o;
  rank_options.save_json.clear();  // only rank 0 writes, the merged document
  rank_options.progress = "never";

  bool cross_done = false;
  dist::CrossRankOutcome cross;
  std::uint64_t cross_bytes = 0;
  RankHooks hooks;
  hooks.before_cases = [&] { turns.wait_turn(); };
  hooks.after_cases = [&] { turns.finish(); };
  hooks.cross_rank = [&](Context& context, const SystemInfo& node_system, int device, const BenchOptions& plan,
                         RunOutcome& outcome) {
    const auto has = [&](Suite s) {
      return plan.suites.empty() || std::find(plan.suites.begin(), plan.suites.end(), s) != plan.suites.end();
    };
    dist::CrossRankOptions cross_options;
    cross_options.schedule = parse_schedule_kind(o.schedule);
    cross_options.bytes = plan.headline_bytes;
    cross_options.peer = has(Suite::peer);
    cross_options.async = has(Suite::async);
    cross_bytes = plan.headline_bytes;
    cross_done = true;
    cross = dist::run_cross_rank(&context, &node_system, device, world, me, cross_options, &g_stop_signal);
    for (auto& r : cross.records) outcome.records.push_back(std::move(r));
    cross.records.clear();
    if (outcome.exit == ExitCode::ok && cross.exit != ExitCode::ok) {
      outcome.exit = cross.exit;
      outcome.message = cross.message;
    }
  };

  Json document;
  int my_exit = 0;
  std::string my_error;
  try {
    options.node_local_rank = std::make_pair(me.local_rank, me.local_size);
    const BenchRun run = run_bench_cases(options, rank_options, {}, &hooks);
    document = run.report;
    my_exit = static_cast<int>(run.exit);
    my_error = run.message;
  } catch (const Error& e) {
    my_exit = static_cast<int>(e.exit_code());
    my_error = e.what();
    document = error_document(e.what(), my_exit, error_kind_name(e.exit_code()));
    // Still take part in what the others wait for: the node's turns, the transfers' agreement.
    turns.finish();
    if (!cross_done) {
      cross_done = true;
      (void)dist::run_cross_rank(nullptr, nullptr, 0, world, me, dist::CrossRankOptions{}, &g_stop_signal);
    }
  }
  for (const auto& note : cross.notes) inform(options, note);
  const dist::Collected collected = dist::collect_reports(world, me, document, my_exit);
  int write_exit = 0;
  if (me.rank == 0) {
    try {
      if (collected.merge_error) std::rethrow_exception(collected.merge_error);
      MergeResult merged = *collected.merged;
      for (const auto& warning : merged.warnings) std::fprintf(stderr, "gpuxfer: warning: %s\n", warning.c_str());
      if (merged.document.contains("error")) {
        // Every rank failed: say why once (the first failing rank's reason).
        std::fprintf(stderr, "gpuxfer: error: %s\n", merged.document["error"].value("message", "").c_str());
        if (options.format == OutputFormat::json) emit_json(options, merged.document);
      } else {
        if (cross.rounds > 0) merged.document["run"]["cross_rank"] = cross_rank_summary(cross, o.schedule, cross_bytes);
        const LoadedReport report = parse_report(merged.document.dump(), "merged report");
        write_bench_outputs(options, o, merged.document, report.records, report.system);
        if (collected.exit_code != 0) {
          std::fprintf(stderr, "gpuxfer: error: a rank ended early (exit %d); results so far were written\n",
                       collected.exit_code);
        }
      }
    } catch (const Error& e) {
      std::fprintf(stderr, "gpuxfer: error: %s\n", e.what());
      write_exit = static_cast<int>(e.exit_code());
    }
  }
  return dist::finish_run(world, collected.exit_code, write_exit);
}
#endif

int run_bench_entry(GlobalOptions& options, const BenchCliOptions& o) {
  if (const LauncherWorld world = launcher_world(); world.size > 1) {
#ifdef GPUXFER_HAVE_MPI
    return run_bench_distributed(options, o);
#else
    hand_over_to_mpi_binary(options, world);
#endif
  }
  return run_bench(options, o);
}

}  // namespace

void register_bench(CLI::App& app, GlobalOptions& options, int& exit_code) {
  auto o = std::make_shared<BenchCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "bench", "Measure transfers (peer, staged, host, async, latency) and compute (elementwise, gemm, overlap)");
  // Defaults are shown from the option struct's initial values (capture_default_str), so each
  // is written once, in BenchCliOptions; derived ones name the constant they come from.
  const std::string run = "What to run";
  const std::string sample = "How to sample";
  const std::string kernel = "Kernel shape";
  const std::string output = "Output";
  sub->add_option("--suites", o->suites,
                  "Comma list of suites: peer, staged, host, async, latency, elementwise, gemm, overlap, or all")
      ->capture_default_str()
      ->group(run);
  sub->add_option("--sizes", o->sizes,
                  "Sweep sizes: list (4KiB,1MiB,400MB) or range MIN:MAX:xF / MIN:MAX:+STEP; "
                  "kB/MB/GB decimal, KiB/MiB/GiB and bare K/M/G binary (as nccl-tests). Default: 1, 4, 16, ... "
                  "elements up to the --shape tensor (--quick: 1Ki and 1Mi elements and the tensor)")
      ->type_name("SIZES")
      ->group(run);
  sub->add_option("--chase-sizes", o->chase_sizes,
                  "Pointer-chase working sets (latency suite): list (4MiB,64MiB,2GiB) or range; default 64MiB, "
                  "doubled to at least 4x every GPU's L2")
      ->type_name("SIZES")
      ->group(run);
  const auto headline = shape_for_bytes(headline_bytes(DType::f32), DType::f32);
  sub->add_option("--shape", o->shape, "Headline tensor shape: the size of the GPU x GPU matrices and the summary")
      ->default_str(headline ? format_shape(*headline) : "")
      ->type_name("SHAPE")
      ->group(run);
  sub->add_option("--dtype", o->dtype, "Element type of the tensors: f32, f16, bf16, f64")
      ->capture_default_str()
      ->group(run);
  sub->add_flag("--quick", o->quick, "Acceptance-check mode: a few sizes, 5 samples")->group(run);
  sub->add_flag("--all-pairs", o->all_pairs, "Full size sweep on every pair, not one per link class")->group(run);
  sub->add_option("--gemm-n", o->gemm_n, "GEMM sizes N (N x N x N): list (4096,10000) or range (1024:16384:x2)")
      ->default_str(std::to_string(kDefaultGemmN))
      ->type_name("N")
      ->group(run);
  sub->add_option("--precisions", o->precisions, "GEMM precisions: fp32 (TF32 off), tf32, bf16, fp16, or all")
      ->capture_default_str()
      ->group(run);
  sub->add_option("--gemm-inputs", o->gemm_inputs,
                  "GEMM inputs uniform in LO:HI (as torch.rand on a GPU); a GEMM's speed depends on its data")
      ->capture_default_str()
      ->type_name("LO:HI")
      ->group(run);
  sub->add_option("--schedule", o->schedule,
                  "Multi-rank runs (mpirun/srun): pairs between ranks one at a time (serial) or a round-robin "
                  "tournament of disjoint pairs at once (rounds: O(N) rounds)")
      ->capture_default_str()
      ->group(run);
  sub->add_option("--samples", o->samples, "Samples per case (5 with --quick)")->capture_default_str()->group(sample);
  sub->add_option("--warmup", o->warmup, "Warm-up operations per case")->capture_default_str()->group(sample);
  sub->add_option("--min-sample-time", o->min_sample_time, "Shortest sample")
      ->capture_default_str()
      ->type_name("TIME")
      ->group(sample);
  sub->add_option("--timeout", o->timeout, "Longest wait for any GPU work before it counts as hung")
      ->capture_default_str()
      ->type_name("TIME")
      ->group(sample);
  sub->add_flag("--no-verify", o->no_verify, "Skip verification (results are marked unverified)")->group(sample);
  sub->add_flag("--no-gate", o->no_gate,
                "No spin gate (for compute-sanitizer tools that serialize launches; timings then include "
                "launch overhead)")
      ->group(sample);
  // Empty in the struct means no rest; "0s" is how the help says it (parse_duration refuses 0).
  sub->add_option("--gemm-rest", o->gemm_rest,
                  "Idle time before each GEMM case's samples (0s: sustained rate; 2s: burst rate at boost clocks)")
      ->default_str("0s")
      ->type_name("TIME")
      ->group(sample);
  sub->add_option("--telemetry", o->telemetry,
                  "on: poll each case's GPUs (clocks, power, temperatures, throttle reasons) every 10 ms while "
                  "its samples run; off: no sampler thread, no telemetry in the records")
      ->capture_default_str()
      ->group(sample);
  sub->add_option("--streams", o->streams, "Streams for the split copy")->capture_default_str()->group(kernel);
  sub->add_option("--sm-blocks-per-sm", o->sm_blocks_per_sm, "SM copy kernel: blocks per SM")
      ->capture_default_str()
      ->group(kernel);
  sub->add_option("--sm-threads", o->sm_threads, "SM copy kernel: threads per block")
      ->capture_default_str()
      ->group(kernel);
  sub->add_option("--sm-unroll", o->sm_unroll, "SM copy kernel: 16-byte loads in flight per thread")
      ->capture_default_str()
      ->group(kernel);
  sub->add_option("--sm-kernel", o->sm_kernel,
                  "SM copy kernel: vector (16-byte loads/stores) or bulk (Hopper bulk-copy engine)")
      ->capture_default_str()
      ->group(kernel);
  sub->add_option("--sm-chunk", o->sm_chunk, "bulk SM copy: bytes per bulk copy")
      ->capture_default_str()
      ->type_name("SIZE")
      ->group(kernel);
  sub->add_option("--sm-stages", o->sm_stages, "bulk SM copy: shared-memory buffers per block")
      ->capture_default_str()
      ->group(kernel);
  sub->add_option("--ew-threads", o->ew_threads, "Elementwise kernels: threads per block")
      ->capture_default_str()
      ->group(kernel);
  sub->add_option("--ew-blocks-per-sm", o->ew_blocks_per_sm,
                  "Elementwise kernels: blocks per SM of a grid-stride launch; 0 = one pass over the tensor")
      ->capture_default_str()
      ->group(kernel);
  sub->add_option("--ew-cache", o->ew_cache, "Elementwise kernels: streaming (evict-first) or default")
      ->capture_default_str()
      ->group(kernel);
  add_detail_option(*sub, o->detail, output);
  sub->add_option("--save-json", o->save_json,
                  "Also write the JSON report to FILE (atomically), whatever --format shows; "
                  "gpuxfer show FILE prints its tables again")
      ->type_name("FILE")
      ->group(output);
  sub->add_option("--progress", o->progress, "auto (stderr on a terminal) or never")
      ->capture_default_str()
      ->group(output);
  sub->footer(
      "Examples:\n"
      "  gpuxfer bench                          # everything, default sweep: summary, then tables\n"
      "  gpuxfer bench --detail full --save-json node.json   # every sweep row; the JSON for later\n"
      "  gpuxfer show node.json --detail summary             # the summary of a saved run\n"
      "  gpuxfer bench --quick --format json -o node.json\n"
      "  gpuxfer bench --suites peer --sizes 1MiB:400MB:x4 --devices 0,1\n"
      "  gpuxfer bench --suites host,staged --shape 8192x8192 --dtype bf16\n"
      "  gpuxfer bench --suites gemm --precisions bf16,fp16 --gemm-n 4096,8192,10000");
  sub->callback([&options, &exit_code, o, sub] {
    o->samples_given = sub->count("--samples") > 0;
    exit_code = run_bench_entry(options, *o);
  });
}

}  // namespace gx::cli
