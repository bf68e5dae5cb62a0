#include "core/metrics_output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "core/build_info.hpp"
#include "core/check_health.hpp"
#include "core/plan.hpp"

namespace gx {

std::string prometheus_label_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

std::string number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", value);
}

// One metric family: its samples in first-seen order, unique by label text. A later sample with
// the same labels replaces the earlier one (check re-measures an outlier pair and appends it).
class Family {
 public:
  Family(std::string name, std::string help, std::string type = "gauge")
      : name_(std::move(name)), help_(std::move(help)), type_(std::move(type)) {}

  void set(const Labels& labels, double value) {
    std::string text = "{";
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (i > 0) text += ',';
      text += labels[i].first + "=\"" + prometheus_label_escape(labels[i].second) + "\"";
    }
    text += "}";
    const auto [it, added] = index_.emplace(text, samples_.size());
    if (added) {
      samples_.emplace_back(std::move(text), value);
    } else {
      samples_[it->second].second = value;
    }
  }

  // # HELP, # TYPE and the samples; nothing for a family without samples.
  void write(std::string& out) const {
    if (samples_.empty()) return;
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name_, help_, name_, type_);
    for (const auto& [labels, value] : samples_) out += name_ + labels + " " + number(value) + "\n";
  }

 private:
  std::string name_;
  std::string help_;
  std::string type_;
  std::vector<std::pair<std::string, double>> samples_;
  std::map<std::string, std::size_t> index_;
};

// Where a GPU of the document lives, by its index (global ids in merged documents).
class GpuNames {
 public:
  GpuNames(const SystemInfo& system, std::string node_host) : system_(system), node_host_(std::move(node_host)) {}

  [[nodiscard]] std::string host(int gpu) const {
    const DeviceInfo* d = find(gpu);
    return d != nullptr && !d->hostname.empty() ? d->hostname : node_host_;
  }
  [[nodiscard]] std::string uuid(int gpu) const {
    const DeviceInfo* d = find(gpu);
    return d != nullptr ? d->uuid : "";
  }
  // "host" for host memory, else the index.
  [[nodiscard]] static std::string endpoint(int id) { return id == kHost ? "host" : std::to_string(id); }

 private:
  [[nodiscard]] const DeviceInfo* find(int gpu) const {
    for (const auto& d : system_.devices) {
      if (d.index == gpu) return &d;
    }
    return nullptr;
  }
  const SystemInfo& system_;
  std::string node_host_;
};

std::string join(const std::vector<int>& ids) {
  std::string text;
  for (int id : ids) text += (text.empty() ? "" : ",") + std::to_string(id);
  return text;
}

// "fp32" of gemm_fp32.
std::string precision_of(Method m) {
  const std::string name(to_string(m));
  return name.rfind("gemm_", 0) == 0 ? name.substr(5) : name;
}

bool measured_ok(const Record& r) {
  return r.status == Status::ok && r.time.has_value() && !is_tuning_case(r.test);
}

void run_state(std::string& out, const MetricsRun& run) {
  const Labels host{{"host", run.host}};
  Family up("gpuxfer_up",
            "1 when the last gpuxfer run measured everything it planned; 0 when it could not run or ended early "
            "(the figures below are then partial or absent).");
  up.set(host, run.up ? 1 : 0);
  up.write(out);
  Family exit_code("gpuxfer_exit_code",
                   "Exit code of the last gpuxfer run (0 ok, 1 a FAIL finding, 3 cannot run, 4 CUDA error, 5 watchdog, "
                   "130/143 interrupted).");
  exit_code.set(host, run.exit_code);
  exit_code.write(out);
  if (run.started_unix_s) {
    Family started("gpuxfer_last_run_timestamp_seconds",
                   "When the last gpuxfer run began, in seconds since the epoch.");
    started.set(host, *run.started_unix_s);
    started.write(out);
  }
  const BuildInfo& b = build_info();
  Family build("gpuxfer_build_info", "The gpuxfer build that wrote this file (value always 1).");
  build.set({{"host", run.host},
             {"version", b.version},
             {"git_sha", b.git_sha},
             {"build_type", b.build_type},
             {"cuda_build_version", b.cuda_build_version}},
            1);
  build.write(out);
}

// The health section: per GPU and rule 1 (PASS) or 0 (WARN or FAIL; INFO findings, which could
// not judge, have no sample), and NVML's counters from the latest snapshot.
void health_metrics(std::string& out, const std::vector<Finding>& findings, const SystemInfo& system,
                    const GpuNames& gpus) {
  Family verdicts("gpuxfer_gpu_health",
                  "1 when the GPU passed the health check named by `check` in the last gpuxfer check, 0 when it "
                  "warned or failed (docs/health.md); absent when NVML could not tell.");
  for (const Finding& f : findings) {
    if (!is_health_rule(f.rule) || !f.gpu || f.verdict == CheckVerdict::info) continue;
    verdicts.set(
        {{"host", gpus.host(*f.gpu)}, {"gpu", std::to_string(*f.gpu)}, {"uuid", gpus.uuid(*f.gpu)}, {"check", f.rule}},
        f.verdict == CheckVerdict::pass ? 1 : 0);
  }
  verdicts.write(out);
  Family ecc("gpuxfer_gpu_ecc_errors_total",
             "ECC errors NVML counts on the GPU (counter: volatile since the driver loaded, aggregate over its life).",
             "counter");
  Family rows("gpuxfer_gpu_remapped_rows_total", "Memory rows remapped to spares, by the kind of error.", "counter");
  Family links("gpuxfer_gpu_nvlink_errors_total",
               "NVLink error counters per link (replay, recovery, crc_flit, crc_data).", "counter");
  Family replays("gpuxfer_gpu_pcie_replays_total", "PCIe replays NVML counts on the GPU.", "counter");
  Family xids("gpuxfer_gpu_xid_events", "Critical XID events seen during the last gpuxfer run, per XID.");
  for (const GpuHealth& g : system.health) {
    if (!g.index || (!g.before && !g.after)) continue;
    const HealthSnapshot& s = g.after ? *g.after : *g.before;
    const std::string gpu = std::to_string(*g.index);
    const Labels base{{"host", gpus.host(*g.index)}, {"gpu", gpu}, {"uuid", g.uuid}};
    auto with = [&](std::initializer_list<std::pair<std::string, std::string>> more) {
      Labels l = base;
      l.insert(l.end(), more.begin(), more.end());
      return l;
    };
    auto put = [&](Family& family, const Labels& labels, const Count& value) {
      if (value.has_value()) family.set(labels, static_cast<double>(*value));
    };
    put(ecc, with({{"type", "corrected"}, {"counter", "volatile"}}), s.ecc.volatile_total.corrected);
    put(ecc, with({{"type", "uncorrected"}, {"counter", "volatile"}}), s.ecc.volatile_total.uncorrected);
    put(ecc, with({{"type", "corrected"}, {"counter", "aggregate"}}), s.ecc.aggregate_total.corrected);
    put(ecc, with({{"type", "uncorrected"}, {"counter", "aggregate"}}), s.ecc.aggregate_total.uncorrected);
    put(rows, with({{"type", "corrected"}}), s.remapped_rows.corrected);
    put(rows, with({{"type", "uncorrected"}}), s.remapped_rows.uncorrected);
    if (s.nvlink.has_value()) {
      for (const auto& l : *s.nvlink) {
        const std::string link = std::to_string(l.link);
        put(links, with({{"link", link}, {"counter", "replay"}}), l.replay);
        put(links, with({{"link", link}, {"counter", "recovery"}}), l.recovery);
        put(links, with({{"link", link}, {"counter", "crc_flit"}}), l.crc_flit);
        put(links, with({{"link", link}, {"counter", "crc_data"}}), l.crc_data);
      }
    }
    put(replays, base, s.pcie_replay);
    if (g.after && g.xid_events.has_value()) {
      std::map<std::uint64_t, int> per_xid;
      for (const auto& e : *g.xid_events) ++per_xid[e.xid];
      for (const auto& [xid, n] : per_xid) xids.set(with({{"xid", std::to_string(xid)}}), n);
    }
  }
  ecc.write(out);
  rows.write(out);
  links.write(out);
  replays.write(out);
  xids.write(out);
}

}  // namespace

std::string prometheus_down_text(const MetricsRun& run) {
  std::string out;
  MetricsRun down = run;
  down.up = false;
  run_state(out, down);
  return out;
}

std::string prometheus_text(const std::vector<Finding>& findings, const std::vector<Record>& records,
                            const SystemInfo& system, const MetricsRun& run) {
  std::string out;
  run_state(out, run);

  const CheckCounts c = count_findings(findings);
  Family by_verdict("gpuxfer_check_findings", "Findings of the last gpuxfer check, by verdict.");
  by_verdict.set({{"host", run.host}, {"verdict", "FAIL"}}, c.fail);
  by_verdict.set({{"host", run.host}, {"verdict", "WARN"}}, c.warn);
  by_verdict.set({{"host", run.host}, {"verdict", "PASS"}}, c.pass);
  by_verdict.set({{"host", run.host}, {"verdict", "INFO"}}, c.info);
  by_verdict.write(out);
  Family passed("gpuxfer_check_passed", "1 when the last gpuxfer check had no FAIL finding, else 0.");
  passed.set({{"host", run.host}}, c.fail == 0 ? 1 : 0);
  passed.write(out);

  const GpuNames gpus(system, run.host);
  Family pair_rate("gpuxfer_peer_bandwidth_bytes_per_second",
                   "Median GPU-to-GPU copy rate at the headline size, per ordered pair, suite and method (B/s).");
  Family concurrent_rate("gpuxfer_concurrent_bandwidth_bytes_per_second",
                         "Median total rate of concurrent GPU-to-GPU transfers at the headline size (every direction "
                         "together), per set of GPUs and method (B/s).");
  Family host_rate("gpuxfer_host_bandwidth_bytes_per_second",
                   "Median host<->GPU copy rate at the headline size, per GPU and method (B/s).");
  Family host_aggregate("gpuxfer_host_aggregate_bandwidth_bytes_per_second",
                        "Median total host<->GPU copy rate of several GPUs at once at the headline size, per set of "
                        "GPUs and method (B/s).");
  Family memory_rate("gpuxfer_memory_bandwidth_bytes_per_second",
                     "Median device-memory (HBM) rate of an elementwise kernel at the headline size, per GPU (B/s).");
  Family gemm_rate("gpuxfer_gemm_flops_per_second",
                   "Median GEMM throughput at the headline size, per GPU and precision (FLOP/s; 1e12 = 1 TFLOP/s).");
  Family gemm_aggregate(
      "gpuxfer_gemm_aggregate_flops_per_second",
      "Median total GEMM throughput of several GPUs at once, per set of GPUs and precision (FLOP/s).");
  Family latency("gpuxfer_latency_seconds",
                 "Median time of one small operation (copy, round trip, dependent load) at the smallest size measured, "
                 "per endpoints and method (s).");

  // Latency: the smallest size of each (method, src, dst), in record order.
  std::map<std::tuple<Method, int, int>, const Record*> smallest;
  for (const Record& r : records) {
    if (r.test.suite != Suite::latency || !measured_ok(r) || !r.test.devices.empty()) continue;
    auto& slot = smallest[{r.test.method, r.test.src, r.test.dst}];
    if (slot == nullptr || r.test.bytes < slot->test.bytes) slot = &r;
  }

  for (const Record& r : records) {
    if (!measured_ok(r)) continue;
    const Case& t = r.test;
    const std::string method(to_string(t.method));
    const std::string suite(to_string(t.suite));
    if (t.suite == Suite::latency) {
      const auto it = smallest.find({t.method, t.src, t.dst});
      if (it == smallest.end() || it->second != &r) continue;
      const int anchor = t.src != kHost ? t.src : t.dst;
      latency.set({{"host", gpus.host(anchor)},
                   {"src", GpuNames::endpoint(t.src)},
                   {"src_uuid", t.src != kHost ? gpus.uuid(t.src) : ""},
                   {"dst", GpuNames::endpoint(t.dst)},
                   {"dst_host", t.dst != kHost ? gpus.host(t.dst) : gpus.host(anchor)},
                   {"dst_uuid", t.dst != kHost ? gpus.uuid(t.dst) : ""},
                   {"method", method},
                   {"bytes", std::to_string(t.bytes)}},
                  r.time->median);
      continue;
    }
    if (!t.headline) continue;
    if (t.suite == Suite::gemm) {
      const auto flops = median_flop_rate(r);
      if (!flops) continue;
      if (t.devices.empty()) {
        gemm_rate.set({{"host", gpus.host(t.src)},
                       {"gpu", std::to_string(t.src)},
                       {"uuid", gpus.uuid(t.src)},
                       {"precision", precision_of(t.method)}},
                      *flops);
      } else {
        gemm_aggregate.set(
            {{"host", gpus.host(t.devices.front())}, {"gpus", join(t.devices)}, {"precision", precision_of(t.method)}},
            *flops);
      }
      continue;
    }
    const auto rate = median_rate(r);
    if (!rate) continue;
    switch (t.suite) {
      case Suite::peer:
      case Suite::staged:
      case Suite::async:
        if (!t.devices.empty() || t.src == kHost || t.dst == kHost) {
          const std::vector<int> set = !t.devices.empty() ? t.devices : std::vector<int>{host_gpu(t)};
          concurrent_rate.set({{"host", gpus.host(set.front())},
                               {"gpus", join(set)},
                               {"suite", suite},
                               {"method", method},
                               {"link", t.link_class}},
                              *rate);
        } else {
          pair_rate.set({{"host", gpus.host(t.src)},
                         {"src", std::to_string(t.src)},
                         {"src_uuid", gpus.uuid(t.src)},
                         {"dst", std::to_string(t.dst)},
                         {"dst_host", gpus.host(t.dst)},
                         {"dst_uuid", gpus.uuid(t.dst)},
                         {"suite", suite},
                         {"method", method},
                         {"link", t.link_class}},
                        *rate);
        }
        break;
      case Suite::host:
        if (t.devices.empty()) {
          const int gpu = host_gpu(t);
          host_rate.set({{"host", gpus.host(gpu)},
                         {"gpu", std::to_string(gpu)},
                         {"uuid", gpus.uuid(gpu)},
                         {"method", method},
                         {"link", t.link_class}},
                        *rate);
        } else {
          host_aggregate.set({{"host", gpus.host(t.devices.front())},
                              {"gpus", join(t.devices)},
                              {"method", method},
                              {"link", t.link_class}},
                             *rate);
        }
        break;
      case Suite::elementwise:
        // A cache-resident record is the L2's rate, not device memory's.
        if (t.devices.empty() && t.src != kHost && !cache_resident(t)) {
          memory_rate.set({{"host", gpus.host(t.src)},
                           {"gpu", std::to_string(t.src)},
                           {"uuid", gpus.uuid(t.src)},
                           {"kernel", method}},
                          *rate);
        }
        break;
      default: break;
    }
  }
  for (const Family* f : {&pair_rate, &concurrent_rate, &host_rate, &host_aggregate, &memory_rate, &gemm_rate,
                          &gemm_aggregate, &latency}) {
    f->write(out);
  }
  health_metrics(out, findings, system, gpus);
  return out;
}

}  // namespace gx
