// gemm: cuBLASLt N x N x N on each GPU alone and on all at once. Each GEMM's result is checked
// against a float64 reference on sampled entries before it is timed.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "suites/compute.hpp"
#include "suites/suites.hpp"
#include "suites/transfer.hpp"

namespace gx {
namespace {

// Entries of C checked against the float64 reference: each costs one N-long dot product, so
// 256 of them take well under a millisecond at N = 10000 yet cover every tile of C many times over.
constexpr int kCheckedEntries = 256;

}  // namespace

Record run_gemm(Context& ctx, const Case& c) {
  const std::vector<int> devices = compute_devices(c);
  const GemmPrecision precision = gemm_precision(c.method);
  const double timeout = ctx.settings().measure.timeout_seconds;
  const auto n = static_cast<std::int64_t>(c.gemm_n);
  Record record;
  record.test = c;

  std::vector<Gemm*> gemms;
  std::vector<const Stream*> streams;
  for (int d : devices) {
    const Stream& s = ctx.stream(d);
    gemms.push_back(&ctx.gemm(d, precision, n, s));
    streams.push_back(&s);
  }

  if (ctx.settings().verify) {
    Accuracy accuracy;
    accuracy.bound = Gemm::error_bound(precision, n);
    accuracy.samples = kCheckedEntries * static_cast<int>(gemms.size());
    for (std::size_t i = 0; i < gemms.size(); ++i) {
      gemms[i]->enqueue(*streams[i]);
      accuracy.max_error =
          std::max(accuracy.max_error, gemms[i]->max_normalized_error(*streams[i], kCheckedEntries, timeout));
    }
    record.verified = true;
    record.accuracy = accuracy;
    if (!(accuracy.max_error <= accuracy.bound)) {  // also catches NaN
      record.mismatches = 1;
      record.status = Status::failed;
      record.reason = fmt::format("verification failed: normalized error {:.3g} above the {} bound {:.3g}",
                                  accuracy.max_error, to_string(c.method), accuracy.bound);
      return record;
    }
  }

  const double rest = ctx.settings().gemm_rest_seconds;
  if (rest > 0) std::this_thread::sleep_for(std::chrono::duration<double>(rest));
  const Measurement m = measure_device(
      ctx.gates(), streams,
      [&] {
        for (std::size_t i = 0; i < gemms.size(); ++i) gemms[i]->enqueue(*streams[i]);
      },
      ctx.settings().measure);
  const double flops_per_gpu = gemm_flops(c.gemm_n);
  const double bytes_per_gpu = static_cast<double>(gemm_operand_bytes(c.method, c.gemm_n));
  fill_measurement(record, m, bytes_per_gpu * static_cast<double>(devices.size()));
  record.flops_per_op = flops_per_gpu * static_cast<double>(devices.size());
  record.directions = per_device_rates(devices, m, bytes_per_gpu, flops_per_gpu);
  // The algorithm each GPU chose (they may differ: each is timed on its own GPU).
  std::vector<std::string> algorithms;
  for (std::size_t i = 0; i < gemms.size(); ++i) {
    algorithms.push_back(devices.size() > 1 ? fmt::format("GPU {}: {}", devices[i], gemms[i]->algorithm_description())
                                            : gemms[i]->algorithm_description());
  }
  record.implementation = fmt::format("{}", fmt::join(algorithms, "; "));
  if (rest > 0) record.implementation += fmt::format("; samples after {:.3g} s idle", rest);
  record.status = Status::ok;
  return record;
}

}  // namespace gx
