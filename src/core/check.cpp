#include "core/check.hpp"
#include "core/check_compute.hpp"
#include "core/check_health.hpp"
#include "core/check_telemetry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "core/plan.hpp"
#include "core/stats.hpp"
#include "core/units.hpp"

namespace gx {

std::string_view to_string(CheckVerdict verdict) {
  switch (verdict) {
    case CheckVerdict::pass: return "PASS";
    case CheckVerdict::warn: return "WARN";
    case CheckVerdict::fail: return "FAIL";
    case CheckVerdict::info: return "INFO";
  }
  return "FAIL";
}

namespace {

std::string percent(double fraction) {
  return fmt::format("{:.1f}%", fraction * 100.0);
}

std::string join_ints(const std::vector<int>& values) {
  std::string text;
  for (int v : values) text += (text.empty() ? "" : ",") + std::to_string(v);
  return text;
}

// Whom a record is about: "0->1", "GPU 0" (host links, local), "GPUs 0,1,2,3" (concurrent).
std::string subject_of(const Case& c) {
  if (!c.devices.empty()) return "GPUs " + join_ints(c.devices);
  if (c.src != kHost && c.dst != kHost && c.src != c.dst) return fmt::format("{}->{}", c.src, c.dst);
  if (c.src != kHost) return fmt::format("GPU {}", c.src);
  if (c.dst != kHost) return fmt::format("GPU {}", c.dst);
  return "host";
}

std::string what_of(const Case& c) {
  std::string text = fmt::format("{} {}", to_string(c.method), format_bytes(c.bytes));
  if (c.streams > 1 && c.method == Method::split_ce) text += fmt::format(" x{} streams", c.streams);
  return text;
}

void set_identity(Finding& f, const Case& c) {
  if (c.src != kHost) f.src = c.src;
  if (c.dst != kHost) f.dst = c.dst;
  f.suite = to_string(c.suite);
  f.method = to_string(c.method);
  f.link_class = c.link_class;
  f.bytes = c.bytes;
}

Finding record_finding(const Record& r, std::string rule) {
  Finding f;
  f.rule = std::move(rule);
  f.subject = subject_of(r.test);
  f.what = what_of(r.test);
  set_identity(f, r.test);
  return f;
}

std::string not_measured(const Record& r) {
  std::string text = fmt::format("{} {}: {}", to_string(r.test.method), to_string(r.status),
                                 r.reason.empty() ? "no reason recorded" : r.reason);
  if (r.status == Status::failed && r.mismatches > 0) text += fmt::format(" ({} mismatches)", r.mismatches);
  return text;
}

// ---- topology -----------------------------------------------------------------------------

void nvlink_findings(const SystemInfo& system, std::vector<Finding>& out) {
  for (const auto& d : system.devices) {
    const auto& nv = d.nvlink;
    Finding f;
    f.rule = "nvlink_up";
    f.subject = fmt::format("GPU {}", d.index);
    f.gpu = d.index;
    f.what = "NVLinks up";
    f.unit = "links";
    f.comparison = "==";
    if (!nv.links_supported.has_value() || !nv.links_up.has_value()) {
      f.verdict = CheckVerdict::warn;
      f.measured = "?";
      f.expected = "all supported up";
      f.note = "NVLink state unknown: " + (!nv.links_up.has_value() ? nv.links_up.reason : nv.links_supported.reason);
      out.push_back(std::move(f));
      continue;
    }
    if (*nv.links_supported == 0) continue;  // a GPU without NVLink: nothing to check
    f.measured = fmt::format("{} up", *nv.links_up);
    f.expected = fmt::format("{} (all supported)", *nv.links_supported);
    f.measured_value = *nv.links_up;
    f.expected_value = *nv.links_supported;
    if (*nv.links_up >= *nv.links_supported) {
      f.verdict = CheckVerdict::pass;
    } else {
      f.verdict = CheckVerdict::fail;
      f.note = fmt::format("{} of {} NVLinks down", *nv.links_supported - *nv.links_up, *nv.links_supported);
    }
    out.push_back(std::move(f));
  }
}

const Record* headline_record(const std::vector<Record>& records, Method method, int src, int dst) {
  for (const auto& r : records) {
    if (r.test.method == method && r.test.src == src && r.test.dst == dst && r.test.headline &&
        r.test.devices.empty() && !is_tuning_case(r.test)) {
      return &r;
    }
  }
  return nullptr;
}

void pcie_findings(const SystemInfo& system, const std::vector<Record>& records, const CheckSettings& s,
                   std::vector<Finding>& out) {
  for (const auto& d : system.devices) {
    const auto& p = d.pcie;
    Finding f;
    f.rule = "pcie_link";
    f.subject = fmt::format("GPU {}", d.index);
    f.gpu = d.index;
    f.what = "PCIe gen/width";
    f.comparison = "==";
    for (const Known<int>* k : {&p.current_gen, &p.current_width, &p.max_gen, &p.max_width}) {
      if (!k->has_value()) {
        f.verdict = CheckVerdict::warn;
        f.note = "PCIe link unknown: " + k->reason;
        break;
      }
    }
    const auto text = [](const Known<int>& gen, const Known<int>& width) {
      return fmt::format("Gen{} x{}", gen.has_value() ? std::to_string(*gen) : "?",
                         width.has_value() ? std::to_string(*width) : "?");
    };
    f.measured = text(p.current_gen, p.current_width);
    f.expected = text(p.max_gen, p.max_width) + " (max)";
    if (f.verdict == CheckVerdict::warn) {
      out.push_back(std::move(f));
      continue;
    }
    if (*p.current_gen >= *p.max_gen && *p.current_width >= *p.max_width) {
      f.verdict = CheckVerdict::pass;
      out.push_back(std::move(f));
      continue;
    }
    f.verdict = s.strict_pcie ? CheckVerdict::fail : CheckVerdict::warn;
    f.note = "below max as read when the inventory was taken (list/bench); PCIe links downtrain at idle to save power";
    // A pinned copy at the max rate shows the link trains up under load.
    if (p.max_bytes_per_s.has_value()) {
      const Record* h2d = headline_record(records, Method::h2d_pinned, kHost, d.index);
      if (h2d != nullptr) {
        if (const auto rate = median_rate(*h2d)) {
          f.note += fmt::format("; h2d_pinned reached {} of the max-rate {}", percent(*rate / *p.max_bytes_per_s),
                                format_rate(*p.max_bytes_per_s));
        }
      }
    }
    f.note += s.strict_pcie ? " (--strict-pcie: FAIL)" : "; --strict-pcie makes this a FAIL";
    out.push_back(std::move(f));
  }
}

void p2p_findings(const SystemInfo& system, const CheckSettings& s, std::vector<Finding>& out) {
  std::vector<std::string> impossible;
  std::string impossible_reason;
  for (const auto& p : system.pairs) {
    if (!p.can_access_peer) {
      impossible.push_back(fmt::format("{}->{}", p.src, p.dst));
      if (impossible_reason.empty()) impossible_reason = p.peer_error;
      continue;
    }
    Finding f;
    f.rule = "p2p_enabled";
    f.subject = fmt::format("{}->{}", p.src, p.dst);
    f.src = p.src;
    f.dst = p.dst;
    f.link_class = p.link.name;
    f.what = "P2P access";
    f.expected = "enabled (can access peer)";
    f.comparison = "==";
    if (p.peer_enabled) {
      f.verdict = CheckVerdict::pass;
      f.measured = "enabled";
    } else if (!s.peer_enable_attempted) {
      f.verdict = CheckVerdict::warn;
      f.measured = "not enabled";
      f.note = "enabling was not attempted (list --no-enable-peer)";
    } else {
      f.verdict = CheckVerdict::fail;
      f.measured = "not enabled";
      f.note = p.peer_error.empty() ? "enabling peer access failed" : p.peer_error;
    }
    out.push_back(std::move(f));
  }
  if (!impossible.empty()) {
    Finding f;
    f.verdict = CheckVerdict::warn;
    f.rule = "p2p_enabled";
    f.subject = impossible.size() <= 4 ? fmt::format("{}", fmt::join(impossible, " "))
                                       : fmt::format("{} pairs", impossible.size());
    f.what = "P2P access";
    f.measured = "impossible";
    f.expected = "-";
    f.note = "can-access-peer is false, so peer bandwidth is not checked there" +
             (impossible_reason.empty() ? std::string() : ": " + impossible_reason);
    out.push_back(std::move(f));
  }
}

// ---- records ------------------------------------------------------------------------------

void record_findings(const std::vector<Record>& records, std::vector<Finding>& out) {
  if (records.empty()) {
    Finding f;
    f.verdict = CheckVerdict::warn;
    f.rule = "records";
    f.subject = "all";
    f.what = "bench records";
    f.measured = "none";
    f.expected = "some";
    f.note = "no bench records (a list report?): only the topology is checked";
    out.push_back(std::move(f));
    return;
  }
  std::size_t ok = 0;
  std::size_t skipped = 0;
  std::size_t problems = 0;
  std::vector<const Record*> not_run;
  // (suite, method) -> records not verified
  std::vector<std::pair<std::string, std::size_t>> unverified;
  for (const auto& r : records) {
    switch (r.status) {
      case Status::ok:
        ++ok;
        if (!r.verified) {
          const std::string key = fmt::format("{} {}", to_string(r.test.suite), to_string(r.test.method));
          auto it = std::find_if(unverified.begin(), unverified.end(), [&](const auto& u) { return u.first == key; });
          if (it == unverified.end()) {
            unverified.emplace_back(key, 1);
          } else {
            ++it->second;
          }
        }
        break;
      case Status::skipped:
        ++skipped;
        if (r.reason.rfind("not run:", 0) == 0) not_run.push_back(&r);
        break;
      case Status::failed:
      case Status::error:
      case Status::timeout: {
        ++problems;
        Finding f = record_finding(r, "records");
        f.verdict = CheckVerdict::fail;
        f.measured = std::string(to_string(r.status));
        f.expected = "ok";
        f.note = r.reason.empty() ? "no reason recorded" : r.reason;
        if (r.status == Status::failed && r.mismatches > 0) f.note += fmt::format(" ({} mismatches)", r.mismatches);
        out.push_back(std::move(f));
        break;
      }
    }
  }
  for (const auto& [key, n] : unverified) {
    Finding f;
    f.verdict = CheckVerdict::fail;
    f.rule = "records";
    f.subject = fmt::format("{} record(s)", n);
    f.what = key;
    f.measured = "not verified";
    f.expected = "verified";
    f.note = "an unverified number is not a result (run without --no-verify)";
    out.push_back(std::move(f));
    ++problems;
  }
  if (!not_run.empty()) {
    Finding f;
    f.verdict = CheckVerdict::fail;
    f.rule = "records";
    f.subject = fmt::format("{} case(s)", not_run.size());
    f.what = "run ended early";
    f.measured = "not run";
    f.expected = "run";
    f.note = not_run.front()->reason;
    out.push_back(std::move(f));
    ++problems;
  }
  if (problems == 0) {
    Finding f;
    f.verdict = CheckVerdict::pass;
    f.rule = "records";
    f.subject = "all";
    f.what = fmt::format("{} records", records.size());
    f.measured = fmt::format("{} ok, {} skipped, all verified", ok, skipped);
    f.expected = "none failed, all verified";
    out.push_back(std::move(f));
  }
}

// ---- bandwidth ----------------------------------------------------------------------------

bool overridden(const Expectations& e, const Record& r) {
  return std::any_of(e.rules.begin(), e.rules.end(), [&](const ExpectRule& rule) {
    return rule.threshold == ExpectThreshold::min_gbps && rule_selects(rule, r);
  });
}

struct PeerRate {
  const PairInfo* pair = nullptr;
  std::optional<double> write;  // headline ce_write median rate
  std::optional<double> read;   // headline ce_read median rate
  std::optional<double> rate;   // the best of the two
  Method method = Method::ce_write;
  std::string problem;  // why there is no rate
  bool remeasured = false;
  std::optional<double> first_write;  // before the re-measure
  std::optional<double> first_read;
};

PeerRate peer_rate(const std::vector<Record>& records, const PairInfo& pair) {
  PeerRate pr;
  pr.pair = &pair;
  std::vector<std::string> problems;
  for (Method m : {Method::ce_write, Method::ce_read}) {
    const Record* r = headline_record(records, m, pair.src, pair.dst);
    if (r == nullptr) continue;
    const auto rate = median_rate(*r);
    if (!rate) {
      problems.push_back(not_measured(*r));
      continue;
    }
    (m == Method::ce_write ? pr.write : pr.read) = rate;
    if (!pr.rate || *rate > *pr.rate) {
      pr.rate = rate;
      pr.method = m;
    }
  }
  if (!pr.rate) {
    pr.problem = problems.empty() ? "no headline ce_write / ce_read record for this pair"
                                  : fmt::format("{}", fmt::join(problems, "; "));
  }
  return pr;
}

// Per link class and method: the median over the pairs measured (only with >= 2 pairs).
struct ClassMedian {
  std::optional<double> value;
  std::size_t pairs = 0;
};
struct ClassMedians {
  ClassMedian write;
  ClassMedian read;
};

std::map<std::string, ClassMedians> class_medians(const std::vector<PeerRate>& rates) {
  std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> values;
  for (const auto& pr : rates) {
    const std::string& name = pr.pair->link.name;
    if (name.empty() || name == "unknown") continue;
    auto& v = values[name];
    if (pr.write) v.first.push_back(*pr.write);
    if (pr.read) v.second.push_back(*pr.read);
  }
  std::map<std::string, ClassMedians> out;
  for (const auto& [name, v] : values) {
    ClassMedians m;
    m.write.pairs = v.first.size();
    m.read.pairs = v.second.size();
    if (v.first.size() >= 2) m.write.value = median_of(v.first);
    if (v.second.size() >= 2) m.read.value = median_of(v.second);
    if (m.write.value || m.read.value) out.emplace(name, m);
  }
  return out;
}

// A pair against its class, method by method: judged by the method furthest below its median.
struct OutlierJudgement {
  bool judged = false;
  bool outlier = false;
  Method worst = Method::ce_write;
  double rate = 0;
  double median = 0;
  std::string detail;  // every method's median and this pair's deviation
};

OutlierJudgement judge_outlier(const PeerRate& pr, const std::map<std::string, ClassMedians>& medians, double keep) {
  OutlierJudgement j;
  const auto it = medians.find(pr.pair->link.name);
  if (it == medians.end()) return j;
  std::optional<double> worst_ratio;
  std::vector<std::string> parts;
  std::size_t pairs = 0;
  for (Method m : {Method::ce_write, Method::ce_read}) {
    const auto& rate = m == Method::ce_write ? pr.write : pr.read;
    const ClassMedian& median = m == Method::ce_write ? it->second.write : it->second.read;
    if (!rate || !median.value || *median.value <= 0) continue;
    const double ratio = *rate / *median.value;
    double delta = (ratio - 1.0) * 100.0;
    if (std::abs(delta) < 0.05) delta = 0;  // no "-0.0%"
    parts.push_back(fmt::format("{} {:+.1f}% vs median {}", to_string(m), delta, format_rate(*median.value)));
    pairs = std::max(pairs, median.pairs);
    if (!worst_ratio || ratio < *worst_ratio) {
      worst_ratio = ratio;
      j.judged = true;
      j.worst = m;
      j.rate = *rate;
      j.median = *median.value;
    }
  }
  j.outlier = j.judged && j.rate <= keep * j.median;
  j.detail = fmt::format("{} ({} {} pairs)", fmt::join(parts, ", "), pairs, pr.pair->link.name);
  return j;
}

void replace_records(std::vector<Record>& records, const std::vector<Record>& fresh) {
  for (const auto& n : fresh) {
    for (auto& r : records) {
      if (r.test.suite == n.test.suite && r.test.method == n.test.method && r.test.src == n.test.src &&
          r.test.dst == n.test.dst && r.test.bytes == n.test.bytes && r.test.headline == n.test.headline &&
          r.test.devices == n.test.devices) {
        r = n;
        break;
      }
    }
  }
}

std::string remeasure_note(const PeerRate& pr) {
  if (!pr.remeasured) return "";
  const auto text = [](const std::optional<double>& v) { return v ? format_rate(*v) : std::string("-"); };
  return fmt::format("re-measured once (first ce_write {}, ce_read {})", text(pr.first_write), text(pr.first_read));
}

void peer_findings(const SystemInfo& system, std::vector<Record>& records, const Expectations& e,
                   const CheckSettings& s, const RemeasureFn& remeasure, std::vector<Finding>& out) {
  std::vector<PeerRate> rates;
  for (const auto& p : system.pairs) {
    if (p.can_access_peer) rates.push_back(peer_rate(records, p));
  }
  if (rates.empty()) return;
  const bool any_peer =
      std::any_of(records.begin(), records.end(), [](const Record& r) { return r.test.suite == Suite::peer; });
  if (!any_peer) {
    if (!records.empty()) {
      Finding f;
      f.verdict = CheckVerdict::warn;
      f.rule = "peer_bandwidth";
      f.subject = fmt::format("{} pairs", rates.size());
      f.what = "peer suite";
      f.measured = "not run";
      f.expected = "run";
      f.note = "no peer records in this result: peer bandwidth is not checked";
      out.push_back(std::move(f));
    }
    return;
  }

  // Outliers first: a pair >= 5 % under its class median is re-measured once when possible, and
  // every peer finding then uses the new records.
  const double keep = 1.0 - s.outlier_fraction;
  if (remeasure) {
    const auto medians = class_medians(rates);
    std::vector<std::size_t> again;
    for (std::size_t i = 0; i < rates.size(); ++i) {
      if (judge_outlier(rates[i], medians, keep).outlier) again.push_back(i);
    }
    for (std::size_t i : again) {
      const PairInfo& p = *rates[i].pair;
      const PeerRate first = rates[i];
      replace_records(records, remeasure(p.src, p.dst));
      rates[i] = peer_rate(records, p);
      rates[i].remeasured = true;
      rates[i].first_write = first.write;
      rates[i].first_read = first.read;
    }
  }

  for (const auto& pr : rates) {
    const PairInfo& p = *pr.pair;
    const Record* w = headline_record(records, Method::ce_write, p.src, p.dst);
    const Record* r = headline_record(records, Method::ce_read, p.src, p.dst);
    if ((w != nullptr && overridden(e, *w)) || (r != nullptr && overridden(e, *r))) continue;
    Finding f;
    f.rule = "peer_bandwidth";
    f.subject = fmt::format("{}->{}", p.src, p.dst);
    f.src = p.src;
    f.dst = p.dst;
    f.suite = "peer";
    f.link_class = p.link.name;
    const Record* used = w != nullptr ? w : r;
    if (used != nullptr) f.bytes = used->test.bytes;
    f.what = "best of ce_write/ce_read" + (used != nullptr ? " " + format_bytes(used->test.bytes) : std::string());
    f.unit = "B/s";
    f.comparison = ">=";
    const std::string minimum_text = fmt::format(">= {:.0f}% of theoretical", s.peer_min_fraction * 100);
    if (!pr.rate) {
      f.verdict = CheckVerdict::fail;
      f.measured = "-";
      f.expected = minimum_text;
      f.note = pr.problem;
    } else {
      f.method = to_string(pr.method);
      f.measured = fmt::format("{} ({})", format_rate(*pr.rate), to_string(pr.method));
      f.measured_value = *pr.rate;
      if (!p.theoretical_bytes_per_s.has_value()) {
        f.verdict = CheckVerdict::warn;
        f.expected = minimum_text;
        f.note = "theoretical rate unknown: " + p.theoretical_bytes_per_s.reason;
      } else {
        const double theoretical = *p.theoretical_bytes_per_s;
        const double minimum = s.peer_min_fraction * theoretical;
        f.expected_value = minimum;
        f.expected = ">= " + format_rate(minimum);
        f.verdict = *pr.rate >= minimum ? CheckVerdict::pass : CheckVerdict::fail;
        f.note = fmt::format("{} of {} ({})", percent(*pr.rate / theoretical), format_rate(theoretical), p.link.name);
      }
    }
    if (pr.remeasured) f.note += "; " + remeasure_note(pr);
    out.push_back(std::move(f));
  }

  const auto medians = class_medians(rates);
  for (const auto& pr : rates) {
    const OutlierJudgement j = judge_outlier(pr, medians, keep);
    if (!j.judged) continue;
    const PairInfo& p = *pr.pair;
    Finding f;
    f.rule = "peer_outlier";
    f.subject = fmt::format("{}->{}", p.src, p.dst);
    f.src = p.src;
    f.dst = p.dst;
    f.suite = "peer";
    f.method = to_string(j.worst);
    f.link_class = p.link.name;
    f.what = fmt::format("vs {} median", p.link.name);
    f.unit = "B/s";
    f.comparison = ">";
    f.measured = fmt::format("{} ({})", format_rate(j.rate), to_string(j.worst));
    f.measured_value = j.rate;
    f.expected_value = keep * j.median;
    f.expected = "> " + format_rate(keep * j.median);
    f.note = j.detail;
    if (!j.outlier) {
      f.verdict = pr.remeasured ? CheckVerdict::warn : CheckVerdict::pass;
      if (pr.remeasured) {
        f.note += fmt::format("; was {:.0f}% or more below its class median, {}", s.outlier_fraction * 100,
                              remeasure_note(pr));
      }
    } else {
      f.verdict = CheckVerdict::fail;
      f.note += fmt::format("; {} is {:.0f}% or more below its median", to_string(j.worst), s.outlier_fraction * 100);
      if (pr.remeasured) f.note += "; " + remeasure_note(pr);
    }
    out.push_back(std::move(f));
  }
}

void host_findings(const SystemInfo& system, const std::vector<Record>& records, const Expectations& e,
                   const CheckSettings& s, std::vector<Finding>& out) {
  if (system.devices.empty()) return;
  const bool any_host =
      std::any_of(records.begin(), records.end(), [](const Record& r) { return r.test.suite == Suite::host; });
  if (!any_host) {
    if (!records.empty()) {
      Finding f;
      f.verdict = CheckVerdict::warn;
      f.rule = "host_bandwidth";
      f.subject = fmt::format("{} GPU(s)", system.devices.size());
      f.what = "host suite";
      f.measured = "not run";
      f.expected = "run";
      f.note = "no host records in this result: H2D/D2H bandwidth is not checked";
      out.push_back(std::move(f));
    }
    return;
  }
  for (const auto& d : system.devices) {
    for (Method m : {Method::h2d_pinned, Method::d2h_pinned}) {
      const bool to_gpu = m == Method::h2d_pinned;
      const Record* r = headline_record(records, m, to_gpu ? kHost : d.index, to_gpu ? d.index : kHost);
      if (r != nullptr && overridden(e, *r)) continue;
      Finding f;
      f.rule = "host_bandwidth";
      f.subject = fmt::format("GPU {}", d.index);
      f.gpu = d.index;
      f.suite = "host";
      f.method = to_string(m);
      f.link_class = "PCIe";
      f.unit = "B/s";
      f.comparison = ">=";
      f.what = r != nullptr ? what_of(r->test) : std::string(to_string(m));
      if (r != nullptr) f.bytes = r->test.bytes;
      const auto& max_rate = d.pcie.max_bytes_per_s;
      const std::string expected_text = fmt::format(">= {:.0f}% of PCIe max", s.host_min_fraction * 100);
      const auto rate = r != nullptr ? median_rate(*r) : std::nullopt;
      if (!rate) {
        f.verdict = CheckVerdict::fail;
        f.measured = "-";
        f.expected = expected_text;
        f.note = r == nullptr ? "no headline record for this GPU" : not_measured(*r);
        out.push_back(std::move(f));
        continue;
      }
      f.measured = format_rate(*rate);
      f.measured_value = *rate;
      if (!max_rate.has_value()) {
        f.verdict = CheckVerdict::warn;
        f.expected = expected_text;
        f.note = "PCIe rate unknown: " + max_rate.reason;
      } else {
        const double minimum = s.host_min_fraction * *max_rate;
        f.expected_value = minimum;
        f.expected = ">= " + format_rate(minimum);
        f.verdict = *rate >= minimum ? CheckVerdict::pass : CheckVerdict::fail;
        f.note = fmt::format("{} of {} (PCIe Gen{} x{})", percent(*rate / *max_rate), format_rate(*max_rate),
                             d.pcie.max_gen.has_value() ? std::to_string(*d.pcie.max_gen) : "?",
                             d.pcie.max_width.has_value() ? std::to_string(*d.pcie.max_width) : "?");
      }
      out.push_back(std::move(f));
    }
  }
}

// ---- expectation rules --------------------------------------------------------------------

void expectation_findings(const std::vector<Record>& records, const Expectations& e, std::vector<Finding>& out) {
  const std::size_t n = e.rules.size();
  std::vector<std::size_t> selected(n, 0);
  std::vector<std::vector<const Record*>> wins(n);
  for (const auto& r : records) {
    std::optional<std::size_t> best;
    for (std::size_t j = 0; j < n; ++j) {
      if (!rule_selects(e.rules[j], r)) continue;
      ++selected[j];
      // Higher level wins; among equals the later rule.
      if (!best || level_of(e.rules[j]) >= level_of(e.rules[*best])) best = j;
    }
    if (best) wins[*best].push_back(&r);
  }
  for (std::size_t j = 0; j < n; ++j) {
    const ExpectRule& rule = e.rules[j];
    const std::string name = fmt::format("expect rule {}", rule.number);
    const std::string text = describe_rule(rule);
    if (selected[j] == 0) {
      Finding f;
      f.verdict = CheckVerdict::fail;
      f.rule = name;
      f.subject = fmt::format("rule {}", rule.number);
      f.what = text;
      f.measured = "no record";
      f.expected = "selects >= 1 record";
      f.note = fmt::format("rule {} selects no record", rule.number);
      if (rule.threshold == ExpectThreshold::min_tflops) f.note += " (min_tflops applies to gemm records)";
      out.push_back(std::move(f));
      continue;
    }
    for (const Record* r : wins[j]) {
      Finding f = record_finding(*r, name);
      f.note = fmt::format("{} [{}]", text, to_string(level_of(rule)));
      if (rule.threshold == ExpectThreshold::max_us) {
        const double maximum = rule.value * 1e-6;
        f.unit = "s";
        f.comparison = "<=";
        f.expected_value = maximum;
        f.expected = "<= " + format_duration(maximum);
        if (r->status != Status::ok || !r->time) {
          f.verdict = CheckVerdict::fail;
          f.measured = std::string(to_string(r->status));
          f.note = not_measured(*r) + "; " + f.note;
        } else {
          f.measured_value = r->time->median;
          f.measured = format_duration(r->time->median);
          f.verdict = r->time->median <= maximum ? CheckVerdict::pass : CheckVerdict::fail;
        }
      } else {
        // A minimum rate: B/s of bandwidth records (min_gbps), FLOP/s of GEMMs (min_tflops).
        const bool flops = rule.threshold == ExpectThreshold::min_tflops;
        const double minimum = rule.value * (flops ? 1e12 : 1e9);
        const auto label = [flops](double v) {
          return flops ? fmt::format("{:.1f} TFLOP/s", v / 1e12) : format_rate(v);
        };
        f.unit = flops ? "FLOP/s" : "B/s";
        f.comparison = ">=";
        f.expected_value = minimum;
        f.expected = flops ? fmt::format(">= {} TFLOP/s", rule.value) : ">= " + format_rate(minimum);
        const auto rate = flops ? median_flop_rate(*r) : median_rate(*r);
        if (!rate) {
          f.verdict = CheckVerdict::fail;
          f.measured = std::string(to_string(r->status));
          f.note = not_measured(*r) + "; " + f.note;
        } else {
          f.measured_value = *rate;
          f.measured = label(*rate);
          f.verdict = *rate >= minimum ? CheckVerdict::pass : CheckVerdict::fail;
          if (const auto eff = efficiency(*r)) {
            f.note += fmt::format("; {} of {}", percent(*eff), flops ? "peak" : "theoretical");
          } else if (cache_resident(r->test)) {
            f.note += "; cache-resident (its working set fits in L2): not a memory-bandwidth figure";
          }
        }
      }
      out.push_back(std::move(f));
    }
  }
}

}  // namespace

// Transfers between the ranks of a multi-rank run: every GPU pair's NCCL rate against the median
// of the pairs with the same link class ("net" between hosts, "NV18" within one), so a slow
// host pair (a NIC, a cable, a switch port) or a slow pair within a host stands out. Judged per
// method (nccl_send, nccl_bidir); a class of one pair is not judged.
void nccl_findings(const std::vector<Record>& records, const CheckSettings& s, std::vector<Finding>& out) {
  const double keep = 1.0 - s.outlier_fraction;
  for (Method method : {Method::nccl_send, Method::nccl_bidir}) {
    std::map<std::string, std::vector<const Record*>> classes;
    for (const Record& r : records) {
      if (r.test.method == method && r.test.headline && r.status == Status::ok && median_rate(r)) {
        classes[r.test.link_class].push_back(&r);
      }
    }
    for (const auto& [link, group] : classes) {
      if (group.size() < 2) continue;
      std::vector<double> rates;
      for (const Record* r : group) rates.push_back(*median_rate(*r));
      std::vector<double> sorted = rates;
      std::sort(sorted.begin(), sorted.end());
      const std::size_t n = sorted.size();
      const double median = n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
      const std::string where = link == "net" ? "pairs on different hosts" : fmt::format("{} pairs", link);
      for (std::size_t i = 0; i < group.size(); ++i) {
        const Record& r = *group[i];
        Finding f;
        f.rule = "nccl_outlier";
        set_identity(f, r.test);
        f.subject = fmt::format("{}->{}", r.test.src, r.test.dst);
        f.what = fmt::format("{} vs median of {} {}", to_string(method), n, where);
        f.unit = "B/s";
        f.comparison = ">";
        f.measured = format_rate(rates[i]);
        f.measured_value = rates[i];
        f.expected_value = keep * median;
        f.expected = "> " + format_rate(keep * median);
        f.verdict = rates[i] > keep * median ? CheckVerdict::pass : CheckVerdict::fail;
        f.note = fmt::format("{} of the median {}", percent(rates[i] / median), format_rate(median));
        if (f.verdict == CheckVerdict::fail) {
          f.note += fmt::format("; {:.0f}% or more below it", s.outlier_fraction * 100);
          // A noisy pair (cv > 5 %: a shared NIC, a busy host) is a warning: one more run decides.
          if (noisy(r)) {
            f.verdict = CheckVerdict::warn;
            f.note += fmt::format("; noisy (cv {:.1f}%), so a warning", 100 * r.time->cv);
          }
        }
        out.push_back(std::move(f));
      }
    }
  }
}

CheckResult run_check(const SystemInfo& system, const std::vector<Record>& records, const Expectations& expectations,
                      const CheckSettings& settings, const RemeasureFn& remeasure) {
  CheckResult result;
  result.records = records;
  auto& out = result.findings;
  nvlink_findings(system, out);
  pcie_findings(system, result.records, settings, out);
  p2p_findings(system, settings, out);
  // Bandwidth before the records rule so that a re-measured record is the one reported.
  std::vector<Finding> bandwidth;
  peer_findings(system, result.records, expectations, settings, remeasure, bandwidth);
  host_findings(system, result.records, expectations, settings, bandwidth);
  nccl_findings(result.records, settings, bandwidth);
  compute_findings(system, result.records, expectations, ComputeSettings{}, out);
  record_findings(result.records, out);
  out.insert(out.end(), bandwidth.begin(), bandwidth.end());
  expectation_findings(result.records, expectations, out);
  // Health of the GPUs before and after the run, then clocks and throttling during the records.
  const std::vector<Finding> health = check_health(system.health, HealthCheckSettings{});
  out.insert(out.end(), health.begin(), health.end());
  telemetry_findings(system, result.records, TelemetryCheckSettings{}, out);
  explain_with_telemetry(result.records, out);
  return result;
}

CheckCounts count_findings(const std::vector<Finding>& findings) {
  CheckCounts c;
  for (const auto& f : findings) {
    switch (f.verdict) {
      case CheckVerdict::pass: ++c.pass; break;
      case CheckVerdict::warn: ++c.warn; break;
      case CheckVerdict::fail: ++c.fail; break;
      case CheckVerdict::info: ++c.info; break;
    }
  }
  return c;
}

std::string system_brief(const SystemInfo& system) {
  std::vector<std::pair<std::string, int>> models;
  for (const auto& d : system.devices) {
    auto it = std::find_if(models.begin(), models.end(), [&](const auto& m) { return m.first == d.name; });
    if (it == models.end()) {
      models.emplace_back(d.name, 1);
    } else {
      ++it->second;
    }
  }
  std::string text;
  for (const auto& [name, n] : models) text += fmt::format("{}{}x {}", text.empty() ? "" : " + ", n, name);
  if (text.empty()) text = "no GPU";
  if (!system.hostname.empty()) text += fmt::format(" ({})", system.hostname);
  return text;
}

std::string check_summary_line(const std::vector<Finding>& findings, const SystemInfo& system) {
  const CheckCounts c = count_findings(findings);
  const std::string info = c.info > 0 ? fmt::format(", {} INFO", c.info) : "";
  return fmt::format("check: {} FAIL, {} WARN, {} PASS{} on {}", c.fail, c.warn, c.pass, info, system_brief(system));
}

Table findings_table(const std::vector<Finding>& findings) {
  Table t;
  t.title = "Check";
  t.header = {"verdict", "rule", "subject", "what", "measured", "expected", "note"};
  for (const auto& f : findings) {
    t.rows.push_back({std::string(to_string(f.verdict)), f.rule, f.subject, f.what, f.measured, f.expected, f.note});
  }
  return t;
}

namespace {

Json optional_json(const std::optional<double>& v) {
  return v ? Json(*v) : Json(nullptr);
}
Json optional_json(const std::optional<int>& v) {
  return v ? Json(*v) : Json(nullptr);
}

}  // namespace

Json findings_json(const std::vector<Finding>& findings, const SystemInfo& system, const Json& source) {
  const CheckCounts c = count_findings(findings);
  Json list = Json::array();
  for (const auto& f : findings) {
    Json j;
    j["verdict"] = to_string(f.verdict);
    j["rule"] = f.rule;
    j["subject"] = f.subject;
    j["what"] = f.what;
    j["src"] = optional_json(f.src);
    j["dst"] = optional_json(f.dst);
    j["gpu"] = optional_json(f.gpu);
    j["suite"] = f.suite.empty() ? Json(nullptr) : Json(f.suite);
    j["method"] = f.method.empty() ? Json(nullptr) : Json(f.method);
    j["link_class"] = f.link_class.empty() ? Json(nullptr) : Json(f.link_class);
    j["bytes"] = f.bytes ? Json(*f.bytes) : Json(nullptr);
    j["measured"] = Json{{"text", f.measured}, {"value", optional_json(f.measured_value)}};
    j["expected"] = Json{{"text", f.expected}, {"value", optional_json(f.expected_value)}};
    j["unit"] = f.unit.empty() ? Json(nullptr) : Json(f.unit);
    j["comparison"] = f.comparison.empty() ? Json(nullptr) : Json(f.comparison);
    j["note"] = f.note;
    list.push_back(std::move(j));
  }
  Json doc;
  doc["schema"] = "gpuxfer.check";
  // 1.1: the INFO verdict and summary.info.
  doc["schema_version"] = Json{{"major", 1}, {"minor", 1}};
  doc["source"] = source;
  doc["system"] =
      Json{{"hostname", system.hostname}, {"gpus", system_brief(system)}, {"gpu_count", system.devices.size()}};
  doc["summary"] = Json{{"verdict", c.fail > 0 ? "FAIL" : "PASS"},
                        {"fail", c.fail},
                        {"warn", c.warn},
                        {"pass", c.pass},
                        {"line", check_summary_line(findings, system)}};
  // INFO findings (a health rule that could not judge), counted only where there are any.
  if (c.info > 0) doc["summary"]["info"] = c.info;
  doc["findings"] = std::move(list);
  return doc;
}

}  // namespace gx
