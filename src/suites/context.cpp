#include "suites/context.hpp"

#include <fmt/format.h>

#include "core/host.hpp"

namespace gx {

Context::Context(const SystemInfo& system, RunSettings settings) : system_(system), settings_(std::move(settings)) {
  if (settings_.telemetry) settings_.measure.windows = &window_relay_;
}

int Context::sm_count(int device) const {
  for (const auto& d : system_.devices) {
    if (d.index == device) return d.sm_count;
  }
  return 1;
}

const Stream& Context::stream(int device, int index) {
  auto& slot = streams_[{device, index}];
  if (!slot) slot = std::make_unique<Stream>(device);
  return *slot;
}

namespace {
Region region_of(MemoryKind kind, int device, void* base, std::size_t bytes) {
  auto* b = static_cast<unsigned char*>(base);
  return Region{kind, device, b, b + kGuardBytes, bytes};
}
}  // namespace

Region Context::device_region(int device, int slot, std::size_t bytes) {
  const std::size_t total = bytes + 2 * kGuardBytes;
  auto it = device_buffers_.find({device, slot});
  if (it == device_buffers_.end() || it->second.size() < total) {
    if (it != device_buffers_.end()) device_buffers_.erase(it);  // free before allocating more
    it = device_buffers_.emplace(std::make_pair(device, slot), DeviceBuffer(device, total)).first;
  }
  return region_of(MemoryKind::device, device, it->second.data(), bytes);
}

Region Context::pinned_region(int slot, std::size_t bytes) {
  const std::size_t total = bytes + 2 * kGuardBytes;
  auto it = pinned_buffers_.find(slot);
  if (it == pinned_buffers_.end() || it->second.size() < total) {
    if (it != pinned_buffers_.end()) pinned_buffers_.erase(it);
    it = pinned_buffers_.emplace(slot, PinnedBuffer(total)).first;
  }
  return region_of(MemoryKind::pinned, kHost, it->second.data(), bytes);
}

Region Context::pageable_region(int slot, std::size_t bytes) {
  const std::size_t total = bytes + 2 * kGuardBytes;
  auto it = pageable_buffers_.find(slot);
  if (it == pageable_buffers_.end() || it->second.size() < total) {
    if (it != pageable_buffers_.end()) pageable_buffers_.erase(it);
    it = pageable_buffers_.emplace(slot, PageableBuffer(total)).first;
  }
  return region_of(MemoryKind::pageable, kHost, it->second.data(), bytes);
}

Verifier& Context::verifier(int device) {
  auto& v = verifiers_[device];
  if (!v) v = std::make_unique<Verifier>(device);
  return *v;
}

Gemm& Context::gemm(int device, GemmPrecision precision, std::int64_t n, const Stream& stream) {
  GemmSlot& slot = gemms_[device];
  if (!slot.gemm || slot.precision != precision || slot.n != n) {
    slot.gemm.reset();  // free the old matrices before allocating the new ones
    slot.gemm = std::make_unique<Gemm>(device, precision, n, next_seed(), stream, settings_.measure.timeout_seconds,
                                       settings_.gemm_inputs);
    slot.precision = precision;
    slot.n = n;
  }
  return *slot.gemm;
}

void Context::release_buffers() {
  gemms_.clear();
  device_buffers_.clear();
  pinned_buffers_.clear();
  pageable_buffers_.clear();
}

void bind_thread_near(const Context& context, int gpu) {
  for (const auto& d : context.system().devices) {
    if (d.index == gpu && d.cpu_affinity.has_value()) (void)bind_current_thread(*d.cpu_affinity);
  }
}

}  // namespace gx
