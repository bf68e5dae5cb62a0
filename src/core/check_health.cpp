#include "core/check_health.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/host.hpp"

namespace gx {
namespace {

// One GPU's findings in the making.
class Judge {
 public:
  Judge(const GpuHealth& g, std::vector<Finding>& out) : g_(g), out_(out) {
    subject_ = g.index ? fmt::format("GPU {}", *g.index) : fmt::format("GPU {}", g.pci_bus_id);
  }
  Finding& add(const char* rule, CheckVerdict verdict, std::string what, std::string measured, std::string expected,
               std::string note) {
    Finding f;
    f.verdict = verdict;
    f.rule = rule;
    f.subject = subject_;
    f.what = std::move(what);
    f.measured = std::move(measured);
    f.expected = std::move(expected);
    f.note = std::move(note);
    f.gpu = g_.index;
    out_.push_back(std::move(f));
    return out_.back();
  }
  Finding& unknown(const char* rule, std::string what, std::string expected, const std::string& reason) {
    return add(rule, CheckVerdict::info, std::move(what), "unknown", std::move(expected),
               fmt::format("cannot judge: {}", reason));
  }
  // The bus id for nvidia-smi -i (the CUDA ordinal may differ from nvidia-smi's index).
  [[nodiscard]] const std::string& bus() const { return g_.pci_bus_id; }

 private:
  const GpuHealth& g_;
  std::vector<Finding>& out_;
  std::string subject_;
};

constexpr const char* kNeedsRun = "needs snapshots before and after a run (this document has one)";

void flag_rule(Judge& j, const char* rule, const Known<bool>& value, const char* what, const char* bad,
               const char* good, const std::string& note) {
  if (!value.has_value()) {
    j.unknown(rule, what, good, value.reason);
  } else if (*value) {
    j.add(rule, CheckVerdict::fail, what, bad, good, note);
  } else {
    j.add(rule, CheckVerdict::pass, what, good, good, "");
  }
}

// counter_growth as an optional, its reason in *why: the rules below chain several counters.
std::optional<std::uint64_t> growth(const Count& before, const Count& after, std::string* why) {
  const Count grew = counter_growth(before, after);
  if (!grew.has_value()) {
    *why = grew.reason;
    return std::nullopt;
  }
  return *grew;
}

void ecc_rule(Judge& j, const GpuHealth& g) {
  const char* rule = "ecc_uncorrected";
  const char* what = "uncorrected ECC errors during the run";
  if (!g.before || !g.after) {
    j.unknown(rule, what, "0", kNeedsRun);
    return;
  }
  std::string why;
  auto grew = growth(g.before->ecc.volatile_total.uncorrected, g.after->ecc.volatile_total.uncorrected, &why);
  if (!grew) {
    std::string why_aggregate;
    grew = growth(g.before->ecc.aggregate_total.uncorrected, g.after->ecc.aggregate_total.uncorrected, &why_aggregate);
    if (!grew) {
      j.unknown(rule, what, "0", fmt::format("volatile: {}; aggregate: {}", why, why_aggregate));
      return;
    }
  }
  Finding& f = j.add(rule, *grew > 0 ? CheckVerdict::fail : CheckVerdict::pass, what, std::to_string(*grew), "0",
                     *grew > 0 ? "Uncorrectable memory errors (data lost) happened while the run used this GPU: its "
                                 "results are suspect; drain the GPU, reset it and run the field diagnostic "
                                 "(dcgmi diag -r 3) before it takes work again."
                               : "");
  f.measured_value = static_cast<double>(*grew);
  f.expected_value = 0;
  f.comparison = "==";
  f.unit = "errors";
}

void xid_rule(Judge& j, const GpuHealth& g) {
  const char* rule = "xid_critical";
  const char* what = "critical XID events during the run";
  if (!g.before || !g.after) {
    j.unknown(rule, what, "none", kNeedsRun);
    return;
  }
  if (!g.xid_events.has_value()) {
    j.unknown(rule, what, "none", g.xid_events.reason);
    return;
  }
  std::vector<std::string> critical, other;
  for (const auto& e : *g.xid_events) {
    const std::string meaning = critical_xid_meaning(e.xid);
    const std::string text =
        fmt::format("XID {} at {}{}", e.xid, e.time_utc, meaning.empty() ? "" : " (" + meaning + ")");
    (meaning.empty() ? other : critical).push_back(text);
  }
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& t : v) s += (s.empty() ? "" : "; ") + t;
    return s;
  };
  Finding* f = nullptr;
  if (!critical.empty()) {
    f = &j.add(rule, CheckVerdict::fail, what, join(critical), "none",
               "The driver reported an XID that NVIDIA's catalogue lists as a hardware, memory or link fault during "
               "the run: the run's numbers on this GPU are not to be trusted; follow the catalogue's action for the "
               "XID (docs.nvidia.com/deploy/xid-errors), usually drain, reset and diagnose." +
                   (other.empty() ? std::string() : " Also: " + join(other)));
  } else if (!other.empty()) {
    f = &j.add(rule, CheckVerdict::warn, what, join(other), "none",
               "The driver reported an XID outside the critical list during the run: look it up in NVIDIA's catalogue "
               "(docs.nvidia.com/deploy/xid-errors) and in the kernel log before trusting the run.");
  } else {
    f = &j.add(rule, CheckVerdict::pass, what, "none", "none", "");
  }
  f->measured_value = static_cast<double>(critical.size() + other.size());
  f->expected_value = 0;
  f->unit = "events";
  f->comparison = "==";
}

void nvlink_rule(Judge& j, const GpuHealth& g, double seconds, const HealthCheckSettings& s) {
  const char* rule = "nvlink_errors";
  const char* what = "NVLink error counters during the run";
  const std::string expected = fmt::format("replay+recovery <= {:g} per link, CRC <= {:g}/s per link",
                                           s.nvlink_errors_per_link, s.nvlink_crc_per_second);
  if (!g.before || !g.after) {
    j.unknown(rule, what, expected, kNeedsRun);
    return;
  }
  if (!g.before->nvlink.has_value() || !g.after->nvlink.has_value()) {
    j.unknown(rule, what, expected, g.before->nvlink.has_value() ? g.after->nvlink.reason : g.before->nvlink.reason);
    return;
  }
  if (g.after->nvlink->empty()) {
    j.add(rule, CheckVerdict::pass, what, "no NVLink", expected, "");
    return;
  }
  CheckVerdict worst = CheckVerdict::pass;
  std::vector<std::string> grown, unknown;
  for (const auto& after : *g.after->nvlink) {
    const auto before = std::find_if(g.before->nvlink->begin(), g.before->nvlink->end(),
                                     [&](const NvlinkErrorCounters& b) { return b.link == after.link; });
    if (before == g.before->nvlink->end()) {
      unknown.push_back(fmt::format("link {}: not in the first snapshot", after.link));
      continue;
    }
    std::string why;
    const auto replay = growth(before->replay, after.replay, &why);
    const auto recovery = replay ? growth(before->recovery, after.recovery, &why) : std::nullopt;
    const auto flit = recovery ? growth(before->crc_flit, after.crc_flit, &why) : std::nullopt;
    const auto data = flit ? growth(before->crc_data, after.crc_data, &why) : std::nullopt;
    if (!data) {
      unknown.push_back(fmt::format("link {}: {}", after.link, why));
      continue;
    }
    const double events = static_cast<double>(*replay + *recovery);
    const double crc_rate = static_cast<double>(*flit + *data) / seconds;
    if (events == 0 && *flit + *data == 0) continue;
    const bool fails = events > s.nvlink_errors_per_link || crc_rate > s.nvlink_crc_per_second;
    if (fails) worst = CheckVerdict::fail;
    if (!fails && worst == CheckVerdict::pass) worst = CheckVerdict::warn;
    grown.push_back(fmt::format("link {}: +{} replay, +{} recovery, +{} CRC ({:.1f}/s)", after.link, *replay, *recovery,
                                *flit + *data, crc_rate));
  }
  if (grown.empty() && !unknown.empty() && unknown.size() == g.after->nvlink->size()) {
    j.unknown(rule, what, expected, unknown.front());
    return;
  }
  std::string measured;
  for (const auto& t : grown) measured += (measured.empty() ? "" : "; ") + t;
  if (measured.empty()) measured = "no growth";
  std::string note;
  if (worst == CheckVerdict::fail) {
    note =
        "NVLink errors grew beyond DCGM's limits during the run: the link retrained or retried enough to cost "
        "bandwidth and may be failing; reseat or replace per the system vendor, and run dcgmi diag -r 3 on the node.";
  } else if (worst == CheckVerdict::warn) {
    note = "NVLink error counters grew during the run, within DCGM's limits: watch the link for a trend.";
  }
  if (!unknown.empty()) note += (note.empty() ? "" : " ") + fmt::format("Not judged: {}.", unknown.front());
  j.add(rule, worst, what, measured, expected, note);
}

void pcie_rule(Judge& j, const GpuHealth& g, double seconds, const HealthCheckSettings& s) {
  const char* rule = "pcie_replay";
  const char* what = "PCIe replays during the run";
  const std::string expected = fmt::format("<= {:g} per minute", s.pcie_replays_per_minute);
  if (!g.before || !g.after) {
    j.unknown(rule, what, expected, kNeedsRun);
    return;
  }
  std::string why;
  const auto grew = growth(g.before->pcie_replay, g.after->pcie_replay, &why);
  if (!grew) {
    j.unknown(rule, what, expected, why);
    return;
  }
  const double per_minute = static_cast<double>(*grew) * 60.0 / seconds;
  const CheckVerdict v = per_minute > s.pcie_replays_per_minute ? CheckVerdict::fail
                         : *grew > 0                            ? CheckVerdict::warn
                                                                : CheckVerdict::pass;
  Finding& f =
      j.add(rule, v, what, fmt::format("+{} ({:.1f}/min)", *grew, per_minute), expected,
            v == CheckVerdict::fail   ? "The PCIe link retransmitted packets faster than DCGM's limit: host "
                                        "transfers slow down and the link may be marginal; reseat the GPU or "
                                        "riser and check the slot before trusting host bandwidth."
            : v == CheckVerdict::warn ? "Some PCIe replays during the run, within DCGM's limit: watch for a trend."
                                      : "");
  f.measured_value = per_minute;
  f.expected_value = s.pcie_replays_per_minute;
  f.unit = "replays/min";
  f.comparison = "<=";
}

constexpr std::string_view kRules[] = {"remap_failure", "remap_pending", "retired_pages_pending", "ecc_uncorrected",
                                       "xid_critical",  "nvlink_errors", "pcie_replay",           "reset_required",
                                       "power_limit",   "app_clocks",    "persistence_mode"};

}  // namespace

bool is_health_rule(std::string_view rule) {
  return std::find(std::begin(kRules), std::end(kRules), rule) != std::end(kRules);
}

std::optional<double> health_interval_seconds(const GpuHealth& gpu) {
  if (!gpu.before || !gpu.after) return std::nullopt;
  const auto a = parse_utc_iso8601(gpu.before->read_utc);
  const auto b = parse_utc_iso8601(gpu.after->read_utc);
  if (!a || !b) return std::nullopt;
  return std::max(1.0, *b - *a);
}

std::vector<Finding> check_health(const std::vector<GpuHealth>& health, const HealthCheckSettings& settings) {
  std::vector<Finding> out;
  for (const auto& g : health) {
    if (!g.before && !g.after) continue;
    const HealthSnapshot& now = g.after ? *g.after : *g.before;
    Judge j(g, out);
    const std::string reset = fmt::format("nvidia-smi -r -i {}", j.bus());

    flag_rule(j, "remap_failure", now.remapped_rows.failure, "row remapping", "a row remap failed", "no failure",
              "A memory row with errors could not be remapped to a spare: the bank has no spare rows left and errors "
              "there will recur; drain the GPU and have it replaced.");
    flag_rule(j, "remap_pending", now.remapped_rows.pending, "row remapping", "remap pending", "none pending",
              fmt::format("remap pending: reset the GPU before use — {} (a row with errors stays in use until the "
                          "reset applies the remap).",
                          reset));
    flag_rule(j, "retired_pages_pending", now.retired_pages.pending, "page retirement", "retirement pending",
              "none pending",
              fmt::format("A memory page waits to be retired at the next reset and is still in use: reset the GPU "
                          "before use — {}.",
                          reset));
    ecc_rule(j, g);
    xid_rule(j, g);
    const double seconds = health_interval_seconds(g).value_or(1.0);
    nvlink_rule(j, g, seconds, settings);
    pcie_rule(j, g, seconds, settings);

    if (!now.recovery_action.has_value()) {
      j.unknown("reset_required", "NVML recovery action", "none", now.recovery_action.reason);
    } else if (*now.recovery_action != 0) {
      j.add("reset_required", CheckVerdict::fail, "NVML recovery action", recovery_action_name(*now.recovery_action),
            "none",
            fmt::format("The driver says the GPU needs a {} before it can be trusted again: drain it and do that "
                        "(GPU reset: {}).",
                        recovery_action_name(*now.recovery_action), reset));
    } else {
      j.add("reset_required", CheckVerdict::pass, "NVML recovery action", "none", "none", "");
    }

    const Known<double>& limit = now.power_limit_w;
    const Known<double>& default_limit = now.default_power_limit_w;
    if (!limit.has_value() || !default_limit.has_value()) {
      j.unknown("power_limit", "power limit", "the default", !limit.has_value() ? limit.reason : default_limit.reason);
    } else {
      const bool low = *limit + 0.5 < *default_limit;
      Finding& f = j.add("power_limit", low ? CheckVerdict::warn : CheckVerdict::pass, "power limit",
                         fmt::format("{:.0f} W", *limit), fmt::format(">= {:.0f} W (default)", *default_limit),
                         low ? fmt::format("The enforced power limit is below the board's default: the GPU slows down "
                                           "earlier under load than it should; restore it (nvidia-smi -pl {:.0f} -i "
                                           "{}) unless it was lowered on purpose.",
                                           *default_limit, j.bus())
                             : "");
      f.measured_value = *limit;
      f.expected_value = *default_limit;
      f.unit = "W";
      f.comparison = ">=";
    }

    {
      std::vector<std::string> below, unknown;
      bool any = false;
      auto compare = [&](const char* domain, const Known<double>& app, const Known<double>& max) {
        if (!app.has_value() || !max.has_value()) {
          unknown.push_back(fmt::format("{}: {}", domain, !app.has_value() ? app.reason : max.reason));
          return;
        }
        any = true;
        if (*app + 0.5e6 < *max) below.push_back(fmt::format("{} {:.0f} < {:.0f} MHz", domain, *app / 1e6, *max / 1e6));
      };
      compare("SM", now.app_sm_clock_hz, now.max_sm_clock_hz);
      compare("memory", now.app_memory_clock_hz, now.max_memory_clock_hz);
      if (!any) {
        j.unknown("app_clocks", "application clocks", "the maximum", unknown.front());
      } else if (!below.empty()) {
        std::string m;
        for (const auto& t : below) m += (m.empty() ? "" : ", ") + t;
        j.add("app_clocks", CheckVerdict::warn, "application clocks", m, "the maximum",
              fmt::format("Application clocks are set below the maximum: kernels run at the lower clock; reset them "
                          "(nvidia-smi -rac -i {}) unless they were lowered on purpose.",
                          j.bus()));
      } else {
        j.add("app_clocks", CheckVerdict::pass, "application clocks", "at maximum", "the maximum", "");
      }
    }

    const Known<bool>& pm = now.persistence_mode;
    if (!pm.has_value()) {
      j.unknown("persistence_mode", "persistence mode", "on", pm.reason);
    } else if (!*pm) {
      j.add("persistence_mode", CheckVerdict::warn, "persistence mode", "off", "on",
            fmt::format("Persistence mode is off: the driver tears the GPU down whenever no process holds it, so each "
                        "run pays the start-up and settings are not kept; enable it (nvidia-smi -pm 1 -i {}, or run "
                        "nvidia-persistenced).",
                        j.bus()));
    } else {
      j.add("persistence_mode", CheckVerdict::pass, "persistence mode", "on", "on", "");
    }
  }
  return out;
}

}  // namespace gx
