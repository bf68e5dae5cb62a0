// elementwise: gpuxfer's own kernels over one tensor per GPU (scale, sqrt, axpy, triad, copy),
// on each GPU alone and on all at once. Inputs are seeded uniform values, so the verifier
// regenerates them and checks every output element against the analytic result.
#include <fmt/format.h>

#include "core/units.hpp"
#include "suites/compute.hpp"
#include "suites/suites.hpp"
#include "suites/transfer.hpp"

namespace gx {
namespace {

// Inputs in [0.5, 2): never zero, sqrt defined, and y += a*x stays far from overflow in f16
// for every op count a run can reach.
constexpr double kLow = 0.5;
constexpr double kHigh = 2.0;
constexpr double kAlpha = 0.5;

ElementwiseOp op_of(Method m) {
  switch (m) {
    case Method::scale: return ElementwiseOp::scale;
    case Method::sqrt: return ElementwiseOp::sqrt;
    case Method::axpy: return ElementwiseOp::axpy;
    case Method::triad: return ElementwiseOp::triad;
    default: return ElementwiseOp::copy;
  }
}

// The tensors of one GPU: x, y and (triad) z; out is where the op writes (axpy: y itself).
struct Tensors {
  int device = 0;
  void* x = nullptr;
  void* y = nullptr;
  void* out = nullptr;
};

}  // namespace

Record run_elementwise(Context& ctx, const Case& c) {
  const std::vector<int> devices = compute_devices(c);
  const ElementwiseOp op = op_of(c.method);
  const std::size_t count = c.bytes / dtype_bytes(c.dtype);
  const double timeout = ctx.settings().measure.timeout_seconds;
  Record record;
  record.test = c;
  if (count == 0) {
    record.status = Status::skipped;
    record.reason = fmt::format("{} is smaller than one {} element", format_bytes(c.bytes), to_string(c.dtype));
    return record;
  }
  const std::size_t bytes = count * dtype_bytes(c.dtype);

  std::vector<Tensors> tensors;
  std::vector<const Stream*> streams;
  for (int d : devices) {
    Tensors t;
    t.device = d;
    t.x = ctx.device_region(d, slot::send, bytes).data;
    t.y = ctx.device_region(d, slot::receive, bytes).data;
    // triad writes a third tensor; axpy updates y in place; the others write y.
    t.out = c.method == Method::triad ? ctx.device_region(d, slot::receive + 1, bytes).data : t.y;
    tensors.push_back(t);
    streams.push_back(&ctx.stream(d));
  }
  auto launch = [&](const Tensors& t, const Stream& s) {
    elementwise(op, c.dtype, t.out, t.x, t.y, count, kAlpha, ctx.sm_count(t.device), ctx.settings().elementwise, s);
  };

  // Verification: fresh seeded inputs, one op, every output element checked. Also the first
  // fill of the inputs the timed ops then read (never zeros).
  std::uint64_t bad = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const std::uint32_t seed_x = ctx.next_seed();
    const std::uint32_t seed_y = ctx.next_seed();
    const Tensors& t = tensors[i];
    fill_uniform(t.x, c.dtype, count, seed_x, kLow, kHigh, *streams[i]);
    fill_uniform(t.y, c.dtype, count, seed_y, kLow, kHigh, *streams[i]);
    if (!ctx.settings().verify) continue;
    launch(t, *streams[i]);
    bad += ctx.verifier(t.device).elementwise_errors(op, c.dtype, t.out, count, seed_x, seed_y, kLow, kHigh, kAlpha,
                                                     *streams[i], timeout);
  }
  for (const Stream* s : streams) wait_for(*s, timeout);
  record.verified = ctx.settings().verify;
  record.mismatches = bad;
  if (bad != 0) {
    record.status = Status::failed;
    record.reason =
        fmt::format("verification failed: {} of {} elements differ from the reference", bad, count * tensors.size());
    return record;
  }

  const Measurement m = measure_device(
      ctx.gates(), streams,
      [&] {
        for (std::size_t i = 0; i < tensors.size(); ++i) launch(tensors[i], *streams[i]);
      },
      ctx.settings().measure);
  const double bytes_per_gpu = elementwise_bytes_per_op(c.method, bytes);
  fill_measurement(record, m, bytes_per_gpu * static_cast<double>(devices.size()));
  record.directions = per_device_rates(devices, m, bytes_per_gpu, 0);
  const ElementwiseConfig& shape = ctx.settings().elementwise;
  record.implementation =
      fmt::format("gpuxfer kernel, {} threads x {}, 4 x 16-byte vectors per thread, {} loads/stores", shape.threads,
                  shape.blocks_per_sm > 0 ? fmt::format("{} blocks per SM, grid-stride", shape.blocks_per_sm)
                                          : std::string("one pass over the tensor"),
                  shape.streaming ? "streaming" : "default");
  record.status = Status::ok;
  return record;
}

}  // namespace gx
