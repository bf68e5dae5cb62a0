#pragma once
// The telemetry sampler (docs/telemetry.md): one host thread that, while a case's timed samples run,
// polls every GPU the case touches through NVML (src/gpu/nvml) and keeps the raw readings for
// core/telemetry to summarize. The measuring thread only opens and closes windows
// (measure.cpp, around the samples loop, outside any timed region); the sampler does all NVML
// work on its own thread and sleeps between polls. See docs/telemetry.md for period and cost.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/telemetry.hpp"
#include "gpu/measure.hpp"
#include "gpu/nvml.hpp"

namespace gx {

// 10 ms: NVML's SM clock and clock-event readings change no faster than this (the clock holds
// for tens of milliseconds or more, docs/telemetry.md), so polling faster would re-read the same
// values; a default 20-sample case of >= 1 ms samples then gets a few
// polls per GPU, a 400 MB transfer case dozens. Power and the SM clock also come from the
// driver's own sample rings (nvmlDeviceGetSamples) where it keeps them.
inline constexpr std::chrono::milliseconds kTelemetryPeriod{10};
// Polls kept per GPU without reallocating: 100 s of windows at 10 ms. Later polls are dropped
// (the summary says how many it saw), never reallocated while the GPU is timed.
inline constexpr std::size_t kTelemetryMaxPolls = 10000;

struct TelemetryGpu {
  int gpu = 0;             // CUDA ordinal
  std::string pci_bus_id;  // NVML's handle key
};

class TelemetrySampler final : public SampleWindows {
 public:
  // Starts the thread (idle until the first window). GPUs NVML cannot open are still listed in
  // the result, every field unknown with the reason.
  TelemetrySampler(std::vector<TelemetryGpu> gpus, std::chrono::nanoseconds period = kTelemetryPeriod);
  ~TelemetrySampler() override;  // stops and joins
  TelemetrySampler(const TelemetrySampler&) = delete;
  TelemetrySampler& operator=(const TelemetrySampler&) = delete;

  // SampleWindows: called by the measuring thread right before the first timed sample and
  // right after the last. Cheap: a lock, a flag, a notify.
  void begin() override;
  void end() override;

  // Stops the thread and returns each GPU's readings over all windows so far.
  [[nodiscard]] std::vector<GpuTelemetryRaw> finish();
  [[nodiscard]] double period_seconds() const { return std::chrono::duration<double>(period_).count(); }

 private:
  struct Gpu {
    GpuTelemetryRaw raw;
    std::optional<NvmlTelemetryProbe> probe;
    std::array<Known<double>, kThrottleReasons.size()> counters_at_open;
    // The driver's sample rings (power, SM clock): the newest stamp taken so far, and whether
    // the ring can still be read (false after its first failure, whose reason is kept).
    struct Ring {
      unsigned long long seen_us = 0;
      bool ok = true;
      std::size_t count_at_open = 0;  // samples kept when the current window opened
    };
    Ring power_ring;
    Ring clock_ring;
    std::size_t polls_at_open = 0;  // polls kept when the current window opened
  };
  void loop();
  void open_window();
  void poll_all();
  // Appends the driver's power and SM clock samples stamped up to until_us.
  void read_rings(Gpu& g, unsigned long long until_us);
  void close_window();

  std::vector<Gpu> gpus_;
  std::chrono::nanoseconds period_;
  std::chrono::steady_clock::time_point origin_{};
  std::chrono::steady_clock::time_point window_opened_{};
  bool any_window_ = false;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool open_ = false;        // guarded by mutex_
  unsigned generation_ = 0;  // windows begun; guarded by mutex_
  bool quit_ = false;        // guarded by mutex_
  std::thread thread_;       // last: starts after every member above exists
};

}  // namespace gx
