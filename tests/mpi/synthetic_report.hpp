#pragma once
// Synthetic per-rank gpuxfer reports for the merge tests (tests/unit/test_merge.cpp) and the MPI
// tests (tests/mpi): what a rank of a multi-rank run would write, without a GPU. Built with the
// real writers (make_report, record_to_json), so they are valid documents by construction.
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "core/bench_model.hpp"
#include "core/model.hpp"
#include "core/record_json.hpp"
#include "core/report_json.hpp"
#include "core/stats.hpp"
#include "../support/synthetic_pairs.hpp"

namespace gx::test {

inline constexpr std::uint64_t kSyntheticBytes = 400000000;

// A H200-like GPU; UUID and bus id derive from (host, ordinal) so GPUs of different hosts differ.
inline DeviceInfo synthetic_gpu(int host, int ordinal) {
  DeviceInfo d;
  d.index = ordinal;
  d.name = "NVIDIA H200";
  d.uuid = fmt::format("GPU-{:08x}-0000-4000-8000-{:012x}", host, ordinal);
  d.pci_bus_id = fmt::format("0000:{:02x}:00.0", 0x18 + ordinal);
  d.cc_major = 9;
  d.sm_count = 132;
  d.memory_total_bytes = 150ull << 30;
  d.memory_free_bytes = 149ull << 30;
  d.l2_bytes = 60ull << 20;
  d.memory_bus_width_bits = 6016;
  d.max_sm_clock_hz = 1.98e9;
  d.max_memory_clock_hz = 3.201e9;
  d.memory_bandwidth_bytes_per_s = 4.8143e12;
  d.ecc_enabled = true;
  d.numa_node = 0;
  d.cpu_affinity = std::string("0-63");
  d.pcie.current_gen = 5;
  d.pcie.current_width = 16;
  d.pcie.max_gen = 5;
  d.pcie.max_width = 16;
  d.pcie.max_bytes_per_s = 63.015e9;
  d.pcie.current_bytes_per_s = 63.015e9;
  d.nvlink.links_supported = 18;
  d.nvlink.links_up = 18;
  d.nvlink.version = 40;
  d.nvlink.per_link_bytes_per_s = 26.562e9;
  return d;
}

// A host with the given CUDA ordinals in its inventory, every pair NV18 with P2P enabled.
inline SystemInfo synthetic_system(const std::string& hostname, int host, const std::vector<int>& ordinals) {
  SystemInfo s;
  s.hostname = hostname;
  s.cpu_model = "Intel(R) Xeon(R) Platinum 8480+";
  s.driver_release = std::string("580.159.04");
  s.cuda_driver_version = 13000;
  s.cuda_runtime_version = 13000;
  s.nvml_version = std::string("13.580.159.04");
  for (int o : ordinals) s.devices.push_back(synthetic_gpu(host, o));
  add_every_pair(s, [](int, int) { return SyntheticLink{LinkClass{"NV18", 18}, 18 * 26.562e9}; });
  for (PairInfo& p : s.pairs) {
    p.performance_rank = 0;  // as NVML reports them on the H200 host the figures came from
    p.native_atomics = true;
  }
  return s;
}

inline Json bench_options(const std::vector<int>& devices, int samples = 5) {
  Json o;
  o["devices"] = devices;
  o["suites"] = {"peer", "host"};
  o["dtype"] = "f32";
  o["headline_bytes"] = kSyntheticBytes;
  o["sizes"] = {4096, kSyntheticBytes};
  o["all_pairs"] = false;
  o["quick"] = true;
  o["samples"] = samples;
  o["warmup_ops"] = 2;
  o["min_sample_seconds"] = 0.001;
  o["timeout_seconds"] = 60.0;
  o["verify"] = true;
  o["split_streams"] = 4;
  o["sm_copy"] = Json{{"kernel", "vector"}, {"blocks_per_sm", 4},  {"threads", 512},
                      {"unroll", 8},        {"bulk_chunk", 16384}, {"stages", 4}};
  o["cuda_visible_devices"] = nullptr;
  return o;
}

// An ok, verified copy of `bytes` from src to dst (kHost for host memory) at `rate` B/s, with
// `samples` samples spread by +-1 %.
inline Record copy_record(Method method, int src, int dst, double rate, int samples = 5,
                          std::uint64_t bytes = kSyntheticBytes) {
  Record r;
  r.test.suite = suite_of(method);
  r.test.method = method;
  r.test.src = src;
  r.test.dst = dst;
  r.test.bytes = bytes;
  r.test.link_class = src != kHost && dst != kHost ? "NV18" : "PCIe";
  r.test.headline = bytes == kSyntheticBytes;
  r.test.theoretical_bytes_per_s = src != kHost && dst != kHost ? 18 * 26.562e9 : 63.015e9;
  r.status = Status::ok;
  r.timing = timing_of(method);
  r.warmup_ops = 2;
  r.ops_per_sample = 1;
  r.verified = true;
  r.bytes_per_op = static_cast<double>(bytes);
  const double t = static_cast<double>(bytes) / rate;
  for (int i = 0; i < samples; ++i) r.sample_seconds.push_back(t * (0.99 + 0.02 * i / std::max(1, samples - 1)));
  r.time = summarize(r.sample_seconds);
  DirectionRate dir;
  dir.name = src == kHost   ? fmt::format("h2d {}", dst)
             : dst == kHost ? fmt::format("d2h {}", src)
                            : fmt::format("{}->{}", src, dst);
  dir.bytes_per_op = r.bytes_per_op;
  dir.median_bytes_per_s = rate;
  if (method == Method::bidir_ce) {
    dir.name = fmt::format("{}->{}+{}->{}", src, dst, dst, src);
  }
  r.directions.push_back(dir);
  return r;
}

struct SyntheticRank {
  std::string hostname = "node-a";
  int host = 0;                   // distinguishes UUIDs between hosts
  std::vector<int> inventory{0};  // CUDA ordinals in system.gpus
  std::vector<int> owned{0};      // run.options.devices
  std::vector<Record> records;
  std::string started_utc = "2026-12-01T10:00:00.000Z";
  std::string finished_utc = "2026-12-01T10:00:30.000Z";
  int samples = 5;
  Json ended_early;  // null, or {"exit_code", "reason"}
};

inline Json rank_report(const SyntheticRank& spec) {
  RunInfo run;
  run.started_utc = spec.started_utc;
  run.finished_utc = spec.finished_utc;
  run.hostname = spec.hostname;
  run.argv = {"gpuxfer", "bench", "--quick", "--format", "json"};
  run.options = bench_options(spec.owned, spec.samples);
  Json doc =
      make_report(run, synthetic_system(spec.hostname, spec.host, spec.inventory), records_to_json(spec.records));
  if (!spec.ended_early.is_null()) doc["run"]["ended_early"] = spec.ended_early;
  return doc;
}

// What one rank of a one-GPU-per-rank run writes: its GPU's H2D and D2H at the headline size,
// plus `extra_records` H2D records of other sizes, so the ranks' documents differ in size.
inline Json one_gpu_rank_report(int rank, int ranks_per_host, int extra_records = 0) {
  SyntheticRank spec;
  const int host = rank / ranks_per_host;
  const int ordinal = rank % ranks_per_host;
  spec.hostname = fmt::format("node-{}", host);
  spec.host = host;
  spec.inventory = {ordinal};
  spec.owned = {ordinal};
  spec.records.push_back(copy_record(Method::h2d_pinned, kHost, ordinal, 55e9 + rank * 1e9));
  spec.records.push_back(copy_record(Method::d2h_pinned, ordinal, kHost, 54e9 + rank * 1e9));
  for (int i = 0; i < extra_records; ++i) {
    spec.records.push_back(copy_record(Method::h2d_pinned, kHost, ordinal, 50e9 + i * 1e8, 5, 4096u << (i % 16)));
  }
  return rank_report(spec);
}

}  // namespace gx::test
