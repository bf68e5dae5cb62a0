#pragma once
// The one measurement function every suite uses (docs/method.md).
//  device mode: a spin gate holds the primary stream while the operations are enqueued, so
//    launch overhead stays out of the timed region; CUDA events bracket the work on every
//    stream; sample = elapsed / ops.
//  host mode: steady_clock around "operation + wait" for anything that synchronizes the host.
#include <functional>
#include <memory>
#include <vector>

#include "core/bench_model.hpp"
#include "gpu/raii.hpp"

namespace gx {

// Told when a measurement's timed samples begin and end (after warm-up and the ops estimate,
// before the first gate closes; after the last sample is read), so a telemetry sampler polls
// the GPUs only while samples run. Never called inside a timed region.
class SampleWindows {
 public:
  virtual ~SampleWindows() = default;
  virtual void begin() = 0;
  virtual void end() = 0;
};

struct MeasureSettings {
  int warmup_ops = 2;
  int samples = 20;
  // Ops per sample are calibrated so a sample lasts at least this (core/calibrate), unless
  // max_ops_per_sample is reached first (then Measurement::ops_capped).
  double min_sample_seconds = 1e-3;
  int max_ops_per_sample = 256;  // device mode: bounded so enqueueing never fills the launch queue
  // At least this many ops per sample, however long one op is: an engine's start after the gate
  // (a copy engine's or a copy kernel's first bytes, ~5-8 µs on H200) is paid once per sample,
  // so with one op per sample it would be part of a 1 ms copy's time.
  int min_ops_per_sample = 1;
  double timeout_seconds = 60.0;  // any single device wait longer than this is a hang
  // Off only for tools that serialize kernel launches (compute-sanitizer initcheck, racecheck):
  // the gate kernel would then wait for an open() that cannot come. Timing then includes the
  // enqueue overhead, so figures of such runs are not results.
  bool use_gate = true;
  // Telemetry of the timed samples (src/gpu/telemetry_sampler); null: none.
  SampleWindows* windows = nullptr;
};

struct Measurement {
  TimingMode mode = TimingMode::device;
  int warmup_ops = 0;
  std::uint64_t ops_per_sample = 0;
  // The sample length the ops count was calibrated for, and whether the op cap bounded the count
  // (a sample of the cap's ops lasted less than that).
  double min_sample_seconds = 0;
  bool ops_capped = false;
  std::vector<double> seconds_per_op;
  // Device mode with several streams: each stream's own busy window per op, in the order of
  // the streams passed (what per-direction rates of concurrent cases are computed from).
  std::vector<std::vector<double>> stream_seconds_per_op;
  // Device mode: the host's time to enqueue one op, per sample (launch overhead; with the gate
  // it stays outside the timed window, without it the window cannot be shorter).
  std::vector<double> enqueue_seconds_per_op;
};

// One spin gate per device: a kernel spinning on a host-mapped flag, with its own timeout.
class Gate {
 public:
  explicit Gate(int device);
  // Blocks `stream` until open() (or until timeout_seconds pass on the GPU).
  void close(const Stream& stream, double timeout_seconds);
  void open();
  // True when the last close() ended by timeout rather than open().
  [[nodiscard]] bool timed_out() const;
  [[nodiscard]] int device() const { return device_; }

 private:
  int device_;
  PinnedBuffer flags_;  // [0] = open flag, [1] = timed-out flag
};

class Gates {
 public:
  Gate& of(int device);

 private:
  std::vector<std::unique_ptr<Gate>> gates_;
};

// Waits for all work on `stream` with a deadline; throws TimeoutError when it passes.
void wait_for(const Stream& stream, double timeout_seconds);

// Two processes measuring one operation together (NCCL send/recv between ranks): each side runs
// measure_device on its own stream, and these hooks keep the two in step. Every hook is called
// the same number of times on both sides.
struct SampleSync {
  // After this side enqueued a sample, before its gate opens: returns once the other side has
  // enqueued too, so neither side's operations start waiting for a partner still enqueueing.
  std::function<void()> before_release;
  // This side's seconds per op of a sample -> the figure both sides record (the slower side's:
  // a transfer is done when both ends are).
  std::function<double(double)> agree_seconds;
  // This side's ops per sample -> the count both sides use.
  std::function<std::uint64_t(std::uint64_t)> agree_ops;
};

// `enqueue` enqueues ONE operation on any of `streams`; streams[0] is where timing starts/ends.
// `sync`: set when another process measures the same operation (see SampleSync).
[[nodiscard]] Measurement measure_device(Gates& gates, const std::vector<const Stream*>& streams,
                                         const std::function<void()>& enqueue, const MeasureSettings& settings,
                                         const SampleSync* sync = nullptr);

// `operation` performs one operation and waits for it.
[[nodiscard]] Measurement measure_host(const std::function<void()>& operation, const MeasureSettings& settings);

}  // namespace gx
