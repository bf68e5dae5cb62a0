#include "gpu/telemetry_sampler.hpp"

#include <algorithm>

namespace gx {
namespace {

unsigned long long wall_us() {
  // The driver stamps its power samples with the CPU's wall time in µs.
  return static_cast<unsigned long long>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

}  // namespace

TelemetrySampler::TelemetrySampler(std::vector<TelemetryGpu> gpus, std::chrono::nanoseconds period) : period_(period) {
  const Nvml& nvml = Nvml::instance();
  gpus_.reserve(gpus.size());
  for (const auto& g : gpus) {
    Gpu s;
    s.raw.gpu = g.gpu;
    s.raw.polls.reserve(kTelemetryMaxPolls);
    s.raw.power_samples_w.reserve(4 * kTelemetryMaxPolls);
    s.raw.sm_clock_samples_mhz.reserve(4 * kTelemetryMaxPolls);
    std::string why;
    s.probe = nvml.telemetry_probe(g.pci_bus_id, &why);
    if (s.probe) {
      s.raw.power_limit_w = s.probe->power_limit_w();
    } else {
      s.raw.power_limit_w = Known<double>::unknown(why);
      TelemetryFieldReasons& u = s.raw.unknown;
      u.sm_clock = u.mem_clock = u.power = u.power_limit = u.gpu_temp = u.mem_temp = u.reasons = u.pcie = why;
      s.raw.power_samples_reason = why;
      s.raw.sm_clock_samples_reason = why;
    }
    for (auto& c : s.raw.counter_ns) c = s.probe ? Known<double>(0.0) : Known<double>::unknown(why);
    gpus_.push_back(std::move(s));
  }
  origin_ = std::chrono::steady_clock::now();
  thread_ = std::thread([this] { loop(); });
}

TelemetrySampler::~TelemetrySampler() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    quit_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void TelemetrySampler::begin() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = true;
    ++generation_;
  }
  wake_.notify_all();
}

void TelemetrySampler::end() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = false;
  }
  wake_.notify_all();
}

std::vector<GpuTelemetryRaw> TelemetrySampler::finish() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    quit_ = true;
    open_ = false;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::vector<GpuTelemetryRaw> out;
  out.reserve(gpus_.size());
  for (auto& g : gpus_) {
    if (!any_window_) {
      for (auto& c : g.raw.counter_ns) c = Known<double>::unknown("no timed samples ran");
    }
    if (g.raw.power_samples_w.empty() && g.raw.power_samples_reason.empty()) {
      g.raw.power_samples_reason = "no driver power sample was stamped inside the timed samples";
    }
    if (g.raw.sm_clock_samples_mhz.empty() && g.raw.sm_clock_samples_reason.empty()) {
      g.raw.sm_clock_samples_reason = "no driver SM clock sample was stamped inside the timed samples";
    }
    out.push_back(std::move(g.raw));
  }
  return out;
}

void TelemetrySampler::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  unsigned seen = 0;
  while (true) {
    wake_.wait(lock, [&] { return quit_ || generation_ != seen; });
    if (generation_ == seen) break;  // quit with no window pending
    seen = generation_;
    lock.unlock();
    open_window();
    poll_all();  // every window gets at least one poll, however short
    lock.lock();
    auto next = std::chrono::steady_clock::now() + period_;
    while (open_ && !quit_ && generation_ == seen) {
      if (wake_.wait_until(lock, next, [&] { return !open_ || quit_ || generation_ != seen; })) break;
      lock.unlock();
      poll_all();
      lock.lock();
      next += period_;
      const auto now = std::chrono::steady_clock::now();
      if (next < now) next = now + period_;  // a slow NVML call: skip ticks rather than burst
    }
    lock.unlock();
    close_window();
    lock.lock();
    if (quit_ && generation_ == seen) break;
  }
}

void TelemetrySampler::open_window() {
  window_opened_ = std::chrono::steady_clock::now();
  any_window_ = true;
  const unsigned long long now_us = wall_us();
  for (auto& g : gpus_) {
    if (!g.probe) continue;
    g.probe->counters(g.counters_at_open);
    g.power_ring.count_at_open = g.raw.power_samples_w.size();
    g.clock_ring.count_at_open = g.raw.sm_clock_samples_mhz.size();
    g.polls_at_open = g.raw.polls.size();
    // Only samples stamped inside a window count: skip what the rings hold from before it.
    for (Gpu::Ring* ring : {&g.power_ring, &g.clock_ring}) ring->seen_us = std::max(ring->seen_us, now_us);
  }
}

void TelemetrySampler::read_rings(Gpu& g, unsigned long long until_us) {
  using Kind = NvmlTelemetryProbe::DriverSamples;
  if (g.power_ring.ok) {
    g.power_ring.ok = g.probe->driver_samples(Kind::power_w, &g.power_ring.seen_us, until_us, g.raw.power_samples_w,
                                              &g.raw.power_samples_reason);
  }
  if (g.clock_ring.ok) {
    g.clock_ring.ok = g.probe->driver_samples(Kind::sm_clock_mhz, &g.clock_ring.seen_us, until_us,
                                              g.raw.sm_clock_samples_mhz, &g.raw.sm_clock_samples_reason);
  }
}

void TelemetrySampler::poll_all() {
  const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - origin_).count();
  for (auto& g : gpus_) {
    if (!g.probe || g.raw.polls.size() >= kTelemetryMaxPolls) continue;
    TelemetryPoll p;
    p.t = t;
    g.probe->poll(p, g.raw.unknown);
    g.raw.polls.push_back(p);  // capacity reserved: no allocation
    read_rings(g, wall_us());
  }
}

void TelemetrySampler::close_window() {
  const unsigned long long now_us = wall_us();
  std::array<Known<double>, kThrottleReasons.size()> at_close;
  for (auto& g : gpus_) {
    if (!g.probe) continue;
    read_rings(g, now_us);
    // A ring that stayed empty over a window of several polls is one the driver does not keep
    // (the SM clock ring on some drivers answers NOT_FOUND forever): stop asking, so later
    // polls make no call that cannot deliver.
    const bool several_polls = g.raw.polls.size() >= g.polls_at_open + 2;
    if (several_polls && g.clock_ring.ok && g.raw.sm_clock_samples_mhz.size() == g.clock_ring.count_at_open) {
      g.clock_ring.ok = false;
      if (g.raw.sm_clock_samples_reason.empty()) {
        g.raw.sm_clock_samples_reason = "the driver kept no SM clock samples during a window of several polls";
      }
    }
    if (several_polls && g.power_ring.ok && g.raw.power_samples_w.size() == g.power_ring.count_at_open) {
      g.power_ring.ok = false;
      if (g.raw.power_samples_reason.empty()) {
        g.raw.power_samples_reason = "the driver kept no power samples during a window of several polls";
      }
    }
    g.probe->counters(at_close);
    for (std::size_t i = 0; i < at_close.size(); ++i) {
      Known<double>& total = g.raw.counter_ns[i];
      if (!total.has_value()) continue;
      if (!at_close[i].has_value() || !g.counters_at_open[i].has_value()) {
        total = Known<double>::unknown(!at_close[i].has_value() ? at_close[i].reason : g.counters_at_open[i].reason);
      } else {
        total = *total + std::max(0.0, *at_close[i] - *g.counters_at_open[i]);
      }
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - window_opened_).count();
  for (auto& g : gpus_) g.raw.window_seconds += seconds;
}

}  // namespace gx
