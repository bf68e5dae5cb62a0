#pragma once
// What every suite shares during one bench run: the system, settings, streams, gates, buffer
// pools (allocated once per size, reused), verifiers. Created once per run.
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "core/bench_model.hpp"
#include "core/model.hpp"
#include "core/plan.hpp"
#include "gpu/blas.hpp"
#include "gpu/kernels.hpp"
#include "gpu/measure.hpp"
#include "gpu/ops.hpp"
#include "gpu/raii.hpp"

namespace gx {

// Guard bytes around every destination (kGuardBytes, core/plan.hpp, which budgets memory for
// them): a copy that writes too much or too little is caught.

enum class MemoryKind { device, pinned, pageable };

// `bytes` usable at `data`, with kGuardBytes before and after it inside the allocation at `base`.
struct Region {
  MemoryKind kind = MemoryKind::device;
  int device = kHost;  // owning GPU for device memory
  unsigned char* base = nullptr;
  unsigned char* data = nullptr;
  std::size_t bytes = 0;
};

struct RunSettings {
  MeasureSettings measure;
  bool verify = true;
  kernels::SmCopyConfig sm;
  ElementwiseConfig elementwise;
  Gemm::InputRange gemm_inputs;
  // Idle time before a GEMM case's samples (after its algorithm choice and verification ran the
  // GEMM at full power): 0 measures the sustained rate; ~2 s lets the GPU return to boost clocks
  // and measures the burst rate short benchmarks see (README "Measured compute").
  double gemm_rest_seconds = 0;
  std::uint32_t seed = 0x6a09e667u;
  // --telemetry: a sampler thread polls the case's GPUs during its timed samples (runner.cpp).
  bool telemetry = true;
};

// Forwards the measurements' sample windows to the sampler of the case running now (none
// between cases): settings are fixed for the run, the sampler is made per case.
class WindowRelay final : public SampleWindows {
 public:
  SampleWindows* target = nullptr;
  void begin() override {
    if (target != nullptr) target->begin();
  }
  void end() override {
    if (target != nullptr) target->end();
  }
};

class Context {
 public:
  Context(const SystemInfo& system, RunSettings settings);
  Context(const Context&) = delete;  // settings point at window_relay_
  Context& operator=(const Context&) = delete;

  [[nodiscard]] const SystemInfo& system() const { return system_; }
  [[nodiscard]] const RunSettings& settings() const { return settings_; }
  [[nodiscard]] Gates& gates() { return gates_; }
  [[nodiscard]] int sm_count(int device) const;

  // Stream `index` of `device`, created on first use.
  const Stream& stream(int device, int index = 0);
  // Pooled buffers keyed by (device, slot) or slot; regrown when a larger size is asked.
  Region device_region(int device, int slot, std::size_t bytes);
  Region pinned_region(int slot, std::size_t bytes);
  Region pageable_region(int slot, std::size_t bytes);
  Verifier& verifier(int device);
  // The GEMM of `device` for (precision, n): built on first use (allocation, seeded inputs, the
  // algorithm choice) and kept, one per device, until another is asked of that device or
  // release_buffers(); so the all-GPUs case reuses the per-device ones. `stream` is where setup runs.
  Gemm& gemm(int device, GemmPrecision precision, std::int64_t n, const Stream& stream);
  // Where the case's telemetry sampler is plugged in (runner.cpp).
  [[nodiscard]] WindowRelay& window_relay() { return window_relay_; }
  // Frees every pooled buffer (after an out-of-memory, before retrying at another size).
  void release_buffers();

  // The pipelined-staging parameters this run measured best (set by the tuning cases).
  std::optional<std::pair<std::uint64_t, int>> best_pipeline;
  // Seeds differ per case so stale data from an earlier case never passes verification.
  std::uint32_t next_seed() { return settings_.seed + 0x9e3779b9u * ++seed_counter_; }

 private:
  const SystemInfo& system_;
  RunSettings settings_;
  WindowRelay window_relay_;
  Gates gates_;
  std::map<std::pair<int, int>, std::unique_ptr<Stream>> streams_;
  std::map<std::pair<int, int>, DeviceBuffer> device_buffers_;
  std::map<int, PinnedBuffer> pinned_buffers_;
  std::map<int, PageableBuffer> pageable_buffers_;
  std::map<int, std::unique_ptr<Verifier>> verifiers_;
  struct GemmSlot {
    GemmPrecision precision = GemmPrecision::fp32;
    std::int64_t n = 0;
    std::unique_ptr<Gemm> gemm;
  };
  std::map<int, GemmSlot> gemms_;
  std::uint32_t seed_counter_ = 0;
};

// Pinned memory lands on the NUMA node of the allocating thread and copies are issued from it:
// host-memory cases run on the GPU's own CPUs (NVML affinity), as the reference tools do.
// Best effort: a container may refuse, and the figures are then what the scheduler gives.
void bind_thread_near(const Context& context, int gpu);

}  // namespace gx
