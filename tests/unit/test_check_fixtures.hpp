#pragma once
// Synthetic systems and records for the check tests: an NVSwitch node (every pair NV18) and a
// PCIe node (PIX / SYS pairs, some without P2P).
#include <algorithm>
#include <string>
#include <vector>

#include "core/bench_model.hpp"
#include "core/check.hpp"
#include "core/model.hpp"
#include "../support/synthetic_pairs.hpp"

namespace gx::test {

inline constexpr double kNvlinkRate = 18 * 26.562e9;  // NV18, per direction
inline constexpr double kPcieRate = 63.015e9;         // Gen5 x16, per direction
inline constexpr std::uint64_t kHeadline = 400000000;

inline DeviceInfo device(int index, int nvlinks) {
  DeviceInfo d;
  d.index = index;
  d.name = "NVIDIA H200";
  d.pcie.current_gen = 5;
  d.pcie.current_width = 16;
  d.pcie.max_gen = 5;
  d.pcie.max_width = 16;
  d.pcie.max_bytes_per_s = kPcieRate;
  d.pcie.current_bytes_per_s = kPcieRate;
  d.nvlink.links_supported = nvlinks;
  d.nvlink.links_up = nvlinks;
  if (nvlinks > 0) d.nvlink.per_link_bytes_per_s = 26.562e9;
  return d;
}

inline SystemInfo nvlink_system(int gpus) {
  SystemInfo s;
  s.hostname = "node";
  for (int i = 0; i < gpus; ++i) s.devices.push_back(device(i, 18));
  add_every_pair(s, [](int, int) { return SyntheticLink{LinkClass{"NV18", 18}, kNvlinkRate}; });
  return s;
}

// GPUs 0-1 and 2-3 share a switch (PIX, P2P); across them SYS without P2P.
inline SystemInfo pcie_system() {
  SystemInfo s;
  s.hostname = "pcie-node";
  for (int i = 0; i < 4; ++i) s.devices.push_back(device(i, 0));
  for (int a = 0; a < 4; ++a) {
    for (int b = 0; b < 4; ++b) {
      if (a == b) continue;
      PairInfo p;
      p.src = a;
      p.dst = b;
      const bool same_switch = a / 2 == b / 2;
      p.can_access_peer = same_switch;
      p.peer_enabled = same_switch;
      p.peer_error = same_switch ? "" : "NVML: P2P not supported across the CPU interconnect";
      p.link = LinkClass{same_switch ? "PIX" : "SYS", 0};
      p.theoretical_bytes_per_s = kPcieRate;
      s.pairs.push_back(p);
    }
  }
  return s;
}

inline Record record(Method method, int src, int dst, double rate, std::uint64_t bytes = kHeadline,
                     const std::string& link = "NV18", bool headline = true) {
  Record r;
  r.test.suite = suite_of(method);
  r.test.method = method;
  r.test.src = src;
  r.test.dst = dst;
  r.test.bytes = bytes;
  r.test.link_class = link;
  r.test.headline = headline;
  r.status = Status::ok;
  r.verified = true;
  r.bytes_per_op = static_cast<double>(bytes);
  const double t = static_cast<double>(bytes) / rate;
  Summary s;
  s.n = 5;
  s.min = s.q1 = s.median = s.q3 = s.max = s.mean = t;
  r.time = s;
  r.sample_seconds.assign(5, t);
  return r;
}

inline Record latency_record(Method method, int src, int dst, double seconds, std::uint64_t bytes,
                             const std::string& link = "NV18") {
  Record r = record(method, src, dst, 1.0, bytes, link, false);
  r.time->min = r.time->q1 = r.time->median = r.time->q3 = r.time->max = r.time->mean = seconds;
  r.sample_seconds.assign(5, seconds);
  return r;
}

// Peer ce_write / ce_read per pair with P2P, and pinned H2D / D2H per GPU, all at the headline size.
inline std::vector<Record> good_records(const SystemInfo& s, double write = 392e9, double read = 387e9,
                                        double host = 55e9) {
  std::vector<Record> out;
  for (Method m : {Method::ce_write, Method::ce_read}) {
    for (const auto& p : s.pairs) {
      if (p.can_access_peer)
        out.push_back(record(m, p.src, p.dst, m == Method::ce_write ? write : read, kHeadline, p.link.name));
    }
  }
  for (const auto& d : s.devices) {
    out.push_back(record(Method::h2d_pinned, kHost, d.index, host, kHeadline, "PCIe"));
    out.push_back(record(Method::d2h_pinned, d.index, kHost, host, kHeadline, "PCIe"));
  }
  return out;
}

inline Record& find_record(std::vector<Record>& records, Method m, int src, int dst) {
  return *std::find_if(records.begin(), records.end(), [&](const Record& r) {
    return r.test.method == m && r.test.src == src && r.test.dst == dst && r.test.headline;
  });
}

inline void scale_rate(Record& r, double factor) {
  Summary& s = *r.time;
  for (double* v : {&s.min, &s.q1, &s.median, &s.q3, &s.max, &s.mean}) *v /= factor;
  for (double& v : r.sample_seconds) v /= factor;
}

inline std::vector<const Finding*> with(const std::vector<Finding>& findings, const std::string& rule,
                                        const std::string& subject = "") {
  std::vector<const Finding*> out;
  for (const auto& f : findings) {
    if (f.rule == rule && (subject.empty() || f.subject == subject)) out.push_back(&f);
  }
  return out;
}

inline std::vector<const Finding*> with_verdict(const std::vector<Finding>& findings, CheckVerdict v) {
  std::vector<const Finding*> out;
  for (const auto& f : findings) {
    if (f.verdict == v) out.push_back(&f);
  }
  return out;
}

inline std::string dump(const std::vector<Finding>& findings) {
  std::string text;
  for (const auto& f : findings) {
    text += std::string(to_string(f.verdict)) + " " + f.rule + " " + f.subject + " " + f.what + " | " + f.measured +
            " | " + f.expected + " | " + f.note + "\n";
  }
  return text;
}

}  // namespace gx::test
