#include "suites/runner.hpp"

#include <fmt/format.h>

#include <csignal>

#include "core/plan.hpp"
#include "gpu/check.hpp"
#include "gpu/raii.hpp"
#include "gpu/telemetry_sampler.hpp"
#include "suites/suites.hpp"

namespace gx {
namespace {

Record skipped(const Case& c, std::string reason) {
  Record r;
  r.test = c;
  r.status = Status::skipped;
  r.reason = std::move(reason);
  r.timing = timing_of(c.method);
  return r;
}

SuiteRunner runner_for(const std::vector<SuiteEntry>& registry, Suite suite) {
  for (const auto& entry : registry) {
    if (entry.suite == suite) return entry.run;
  }
  return nullptr;
}

// Buffers pooled by earlier cases (other sizes, other suites' GEMMs) may be what does not fit:
// on out-of-memory the pools are freed and the case runs once more before it is skipped.
Record run_once_more_after_oom(Context& ctx, SuiteRunner run, const Case& c) {
  try {
    return run(ctx, c);
  } catch (const CudaError& e) {
    if (e.code() != cudaErrorMemoryAllocation) throw;
    clear_cuda_error();
    ctx.release_buffers();
    return run(ctx, c);
  }
}

// The GPUs a case touches, each once, with the bus id NVML knows it by.
std::vector<TelemetryGpu> touched_gpus(const Context& ctx, const Case& c) {
  std::vector<int> ids = c.devices;
  for (int e : {c.src, c.dst}) {
    if (e != kHost) ids.push_back(e);
  }
  std::vector<TelemetryGpu> out;
  for (int id : ids) {
    bool seen = false;
    for (const auto& g : out) seen = seen || g.gpu == id;
    if (seen) continue;
    for (const auto& d : ctx.system().devices) {
      if (d.index == id) out.push_back(TelemetryGpu{id, d.pci_bus_id});
    }
  }
  return out;
}

// One case with its telemetry: the sampler runs while the case's timed samples run (the
// measurement opens and closes its windows) and its summary joins an ok record.
Record run_with_telemetry(Context& ctx, SuiteRunner run, const Case& c) {
  if (!ctx.settings().telemetry) return run_once_more_after_oom(ctx, run, c);
  TelemetrySampler sampler(touched_gpus(ctx, c));
  struct Plug {
    WindowRelay& relay;
    ~Plug() { relay.target = nullptr; }
  } plug{ctx.window_relay()};
  plug.relay.target = &sampler;
  Record r = run_once_more_after_oom(ctx, run, c);
  plug.relay.target = nullptr;
  auto raw = sampler.finish();
  if (r.status == Status::ok && !raw.empty()) r.telemetry = summarize_telemetry(raw, sampler.period_seconds());
  return r;
}

}  // namespace

RunOutcome run_cases(Context& ctx, const std::vector<Case>& cases, const ProgressFn& progress,
                     const std::atomic<int>* stop_requested, const std::vector<SuiteEntry>& registry) {
  RunOutcome outcome;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    if (outcome.exit != ExitCode::ok) {
      outcome.records.push_back(skipped(c, "not run: " + outcome.message));
      continue;
    }
    if (stop_requested != nullptr && stop_requested->load() != 0) {
      outcome.exit = stop_requested->load() == SIGTERM ? ExitCode::interrupted_term : ExitCode::interrupted_int;
      outcome.message = "the run was interrupted";
      outcome.records.push_back(skipped(c, "not run: " + outcome.message));
      continue;
    }
    if (progress) progress(i, cases.size(), c);
    if (!c.skip_reason.empty()) {
      outcome.records.push_back(skipped(c, c.skip_reason));
      continue;
    }
    const SuiteRunner run = runner_for(registry, c.suite);
    if (run == nullptr) {
      Record r = skipped(c, fmt::format("no runner registered for suite {}", to_string(c.suite)));
      r.status = Status::error;
      outcome.records.push_back(r);
      continue;
    }
    try {
      outcome.records.push_back(run_with_telemetry(ctx, run, c));
      // Pipelined tuning cases compete; the best so far serves the pipelined cases after them.
      if (is_tuning_case(c)) {
        if (const auto best = best_pipeline_tuning(outcome.records)) {
          ctx.best_pipeline = std::make_pair(best->chunk_bytes, best->ring_depth);
        }
      }
    } catch (const CudaError& e) {
      if (e.code() == cudaErrorMemoryAllocation) {
        clear_cuda_error();
        ctx.release_buffers();
        outcome.records.push_back(skipped(c, fmt::format("out of memory at {} bytes: {}", c.bytes, e.what())));
        continue;
      }
      Record r = skipped(c, e.what());
      r.status = Status::error;
      outcome.records.push_back(r);
      if (e.sticky()) {
        outcome.exit = ExitCode::device_error;
        outcome.message = fmt::format("a sticky CUDA error ended the run ({})", cuda_error_text(e.code()));
      } else {
        clear_cuda_error();
      }
    } catch (const TimeoutError& e) {
      Record r = skipped(c, e.what());
      r.status = Status::timeout;
      outcome.records.push_back(r);
      outcome.exit = ExitCode::watchdog;
      outcome.message = fmt::format("a case timed out ({})", e.what());
    } catch (const std::bad_alloc&) {
      ctx.release_buffers();
      outcome.records.push_back(skipped(c, "out of host memory at this size"));
    }
  }
  return outcome;
}

}  // namespace gx
