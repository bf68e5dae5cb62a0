#include "gpu/measure.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

#include "core/calibrate.hpp"
#include "gpu/kernels.hpp"

namespace gx {
namespace {

using Clock = std::chrono::steady_clock;

// Polls instead of blocking so a hung GPU becomes a TimeoutError, not a hung process. The
// first 2 ms are a busy poll (a sleeping waiter would add ~60 us to every issue-and-wait
// round trip); after that the poll backs off to 50 us sleeps.
template <class Query>
void poll_until_done(Query query, double timeout_seconds, const char* what) {
  const auto start = Clock::now();
  const auto spin_until = start + std::chrono::milliseconds(2);
  const auto deadline = start + std::chrono::duration<double>(timeout_seconds);
  while (true) {
    const cudaError_t rc = query();
    if (rc == cudaSuccess) return;
    if (rc != cudaErrorNotReady) GX_CUDA(rc);
    const auto now = Clock::now();
    if (now > deadline) {
      throw TimeoutError(fmt::format("{} did not finish within {:.3g} s", what, timeout_seconds));
    }
    if (now > spin_until) std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
}

void wait_for_event(cudaEvent_t event, double timeout_seconds, const char* what) {
  poll_until_done([event] { return cudaEventQuery(event); }, timeout_seconds, what);
}

// Opens a telemetry window for the samples loop and closes it however the loop ends.
class WindowScope {
 public:
  explicit WindowScope(SampleWindows* w) : w_(w) {
    if (w_ != nullptr) w_->begin();
  }
  ~WindowScope() {
    if (w_ != nullptr) w_->end();
  }
  WindowScope(const WindowScope&) = delete;
  WindowScope& operator=(const WindowScope&) = delete;

 private:
  SampleWindows* w_;
};

// Host mode's cap: nothing is queued, so only the samples' length bounds it.
constexpr std::uint64_t kHostMaxOpsPerSample = 100000;

// Calibrates the ops per sample (core/calibrate) and stores the outcome in `m`.
void choose_ops(Measurement& m, const MeasureSettings& s, std::uint64_t cap,
                const std::function<double(std::uint64_t)>& sample) {
  OpsRule rule;
  rule.min_sample_seconds = s.min_sample_seconds;
  rule.min_ops = static_cast<std::uint64_t>(std::max(s.min_ops_per_sample, 1));
  rule.max_ops = cap;
  const OpsChoice choice = calibrate_ops(sample, rule);
  m.ops_per_sample = choice.ops;
  m.ops_capped = choice.capped;
  m.min_sample_seconds = s.min_sample_seconds;
}

}  // namespace

Gate::Gate(int device) : device_(device), flags_(2 * sizeof(int)) {
  auto* flags = static_cast<volatile int*>(flags_.data());
  flags[0] = 1;
  flags[1] = 0;
}

void Gate::close(const Stream& stream, double timeout_seconds) {
  auto* flags = static_cast<volatile int*>(flags_.data());
  flags[0] = 0;
  flags[1] = 0;
  std::atomic_thread_fence(std::memory_order_seq_cst);
  DeviceGuard guard(stream.device());
  kernels::launch_gate(flags, static_cast<std::uint64_t>(timeout_seconds * 1e9), flags + 1, stream.get());
}

void Gate::open() {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  static_cast<volatile int*>(flags_.data())[0] = 1;
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

bool Gate::timed_out() const {
  return static_cast<const volatile int*>(flags_.data())[1] != 0;
}

Gate& Gates::of(int device) {
  for (auto& g : gates_) {
    if (g->device() == device) return *g;
  }
  gates_.push_back(std::make_unique<Gate>(device));
  return *gates_.back();
}

void wait_for(const Stream& stream, double timeout_seconds) {
  cudaStream_t s = stream.get();
  poll_until_done([s] { return cudaStreamQuery(s); }, timeout_seconds, "GPU work");
}

Measurement measure_device(Gates& gates, const std::vector<const Stream*>& streams,
                           const std::function<void()>& enqueue, const MeasureSettings& settings,
                           const SampleSync* sync) {
  const Stream& primary = *streams.front();
  Gate& gate = gates.of(primary.device());
  Event start(primary.device());
  Event stop(primary.device());
  // Per-stream windows: each stream's own start (after it is released) and end, timed on its
  // own device, since events of different devices cannot be compared.
  std::vector<Event> stream_starts;
  std::vector<Event> stream_ends;
  for (const Stream* s : streams) {
    stream_starts.emplace_back(s->device());
    stream_ends.emplace_back(s->device());
  }
  std::vector<double> window(streams.size(), 0.0);
  double last_enqueue = 0;

  auto sample = [&](std::uint64_t ops) -> double {
    // The gate must outlast the enqueueing; it opens as soon as enqueueing is done.
    if (settings.use_gate) gate.close(primary, settings.timeout_seconds);
    start.record(primary);
    for (std::size_t i = 1; i < streams.size(); ++i) {
      GX_CUDA(cudaStreamWaitEvent(streams[i]->get(), start.get(), 0));
    }
    // Per-stream windows only where there are several streams: each extra event in the window
    // costs a lone 400 MB copy measurable time.
    const bool per_stream = streams.size() > 1;
    if (per_stream) {
      for (std::size_t i = 0; i < streams.size(); ++i) stream_starts[i].record(*streams[i]);
    }
    const auto enqueue_start = std::chrono::steady_clock::now();
    try {
      for (std::uint64_t k = 0; k < ops; ++k) enqueue();
      last_enqueue = std::chrono::duration<double>(std::chrono::steady_clock::now() - enqueue_start).count() /
                     static_cast<double>(ops);
    } catch (...) {
      if (settings.use_gate) gate.open();
      throw;
    }
    if (per_stream) {
      for (std::size_t i = 0; i < streams.size(); ++i) stream_ends[i].record(*streams[i]);
    }
    for (std::size_t i = 1; i < streams.size(); ++i) {
      GX_CUDA(cudaStreamWaitEvent(primary.get(), stream_ends[i].get(), 0));
    }
    stop.record(primary);
    if (sync != nullptr && sync->before_release) {
      try {
        sync->before_release();
      } catch (...) {
        if (settings.use_gate) gate.open();
        throw;
      }
    }
    if (settings.use_gate) gate.open();
    wait_for_event(stop.get(), settings.timeout_seconds, "a timed sample");
    if (settings.use_gate && gate.timed_out()) {
      throw TimeoutError(fmt::format("the spin gate timed out after {:.0f} s while {} operations were enqueued",
                                     settings.timeout_seconds, ops));
    }
    for (std::size_t i = 0; i < streams.size() && streams.size() > 1; ++i) {
      window[i] = elapsed_seconds(stream_starts[i], stream_ends[i]) / static_cast<double>(ops);
    }
    const double seconds = elapsed_seconds(start, stop) / static_cast<double>(ops);
    return sync != nullptr && sync->agree_seconds ? sync->agree_seconds(seconds) : seconds;
  };

  Measurement m;
  m.mode = TimingMode::device;
  m.warmup_ops = settings.warmup_ops;
  for (int i = 0; i < settings.warmup_ops; ++i) enqueue();
  for (const Stream* s : streams) wait_for(*s, settings.timeout_seconds);
  // Gated samples of growing op counts until one lasts the minimum sample time (or the cap is
  // reached). With `sync` both sides see the same agreed time of every sample, so they take the
  // same number of calibration samples (each calls the hooks once) and reach the same count.
  choose_ops(m, settings, static_cast<std::uint64_t>(std::max(settings.max_ops_per_sample, 1)), sample);
  if (sync != nullptr && sync->agree_ops) m.ops_per_sample = sync->agree_ops(m.ops_per_sample);
  m.seconds_per_op.reserve(static_cast<std::size_t>(settings.samples));
  if (streams.size() > 1) m.stream_seconds_per_op.resize(streams.size());
  const WindowScope telemetry_window(settings.windows);
  for (int i = 0; i < settings.samples; ++i) {
    m.seconds_per_op.push_back(sample(m.ops_per_sample));
    m.enqueue_seconds_per_op.push_back(last_enqueue);
    for (std::size_t k = 0; k < m.stream_seconds_per_op.size(); ++k) {
      m.stream_seconds_per_op[k].push_back(window[k]);
    }
  }
  return m;
}

Measurement measure_host(const std::function<void()>& operation, const MeasureSettings& settings) {
  Measurement m;
  m.mode = TimingMode::host;
  m.warmup_ops = settings.warmup_ops;
  for (int i = 0; i < settings.warmup_ops; ++i) operation();
  auto sample = [&](std::uint64_t ops) {
    const auto t0 = Clock::now();
    for (std::uint64_t k = 0; k < ops; ++k) operation();
    return std::chrono::duration<double>(Clock::now() - t0).count() / static_cast<double>(ops);
  };
  choose_ops(m, settings, kHostMaxOpsPerSample, sample);
  const WindowScope telemetry_window(settings.windows);
  for (int i = 0; i < settings.samples; ++i) m.seconds_per_op.push_back(sample(m.ops_per_sample));
  return m;
}

}  // namespace gx
