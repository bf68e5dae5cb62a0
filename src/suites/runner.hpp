#pragma once
// Runs planned cases one by one and turns every outcome into a Record: a skip, a failed
// verification, a non-sticky CUDA error or an out-of-memory affect only their case; a sticky
// CUDA error or a timeout ends the run cleanly with the remaining cases marked skipped.
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "core/bench_model.hpp"
#include "core/error.hpp"
#include "suites/context.hpp"
#include "suites/suites.hpp"

namespace gx {

struct RunOutcome {
  std::vector<Record> records;
  ExitCode exit = ExitCode::ok;  // device_error, watchdog or interrupted when the run ended early
  std::string message;           // why it ended early
};

using ProgressFn = std::function<void(std::size_t done, std::size_t total, const Case& next)>;

// `stop_requested` (may be null) is polled between cases (signals). `registry` maps each suite
// to its run function: suite_registry() in the product; tests pass their own to inject faults
// (a kernel that never ends, an illegal address) and check how the run ends.
[[nodiscard]] RunOutcome run_cases(Context& context, const std::vector<Case>& cases, const ProgressFn& progress,
                                   const std::atomic<int>* stop_requested,
                                   const std::vector<SuiteEntry>& registry = suite_registry());

}  // namespace gx
