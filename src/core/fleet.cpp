#include "core/fleet.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>

#include "core/error.hpp"
#include "core/host.hpp"
#include "core/stats.hpp"

namespace gx {
namespace {

namespace fs = std::filesystem;

std::string gpu_entity(int gpu) {
  return fmt::format("GPU{}", gpu);
}
std::string pair_entity(int src, int dst) {
  return fmt::format("GPU{}->GPU{}", src, dst);
}

// Where a record lands: its metric name and the GPU or link it measures. nullopt: not a fleet
// figure (sweep sizes, tuning cells, aggregates over all GPUs, overlap).
struct Slot {
  std::string metric;
  std::string entity;
  int gpu = -1;
};

std::string with_link(std::string base, const Case& c) {
  if (!c.link_class.empty()) base += "." + c.link_class;
  return base;
}

std::optional<Slot> slot_of(const Record& r) {
  const Case& c = r.test;
  const Method m = c.method;
  const std::string name(to_string(m));
  if (c.suite == Suite::latency) {  // latency records are not headline; the caller picks the smallest size
    if (c.src != kHost && c.dst != kHost && c.src != c.dst) {
      return Slot{with_link("latency." + name, c), pair_entity(c.src, c.dst), c.src};
    }
    const int gpu = host_gpu(c);
    if (gpu == kHost) return std::nullopt;
    return Slot{"latency." + name, gpu_entity(gpu), gpu};
  }
  if (!c.headline || c.tuning || !c.devices.empty()) return std::nullopt;
  switch (c.suite) {
    case Suite::peer:
      if (c.src == kHost || c.dst == kHost) return std::nullopt;
      return Slot{with_link((m == Method::nccl_send ? "nccl." : "peer.") + name, c), pair_entity(c.src, c.dst), c.src};
    case Suite::async:
      if (!is_bidir(m) || c.src == kHost || c.dst == kHost) return std::nullopt;
      return Slot{with_link((m == Method::nccl_bidir ? "nccl." : "async.") + name, c), pair_entity(c.src, c.dst),
                  c.src};
    case Suite::staged:
      if (c.src == kHost || c.dst == kHost) return std::nullopt;
      return Slot{"staged." + name, pair_entity(c.src, c.dst), c.src};
    case Suite::host: {
      if (!is_host_gpu_method(m)) return std::nullopt;
      const int gpu = host_gpu(c);
      return Slot{"host." + name, gpu_entity(gpu), gpu};
    }
    case Suite::elementwise:
      // copy and triad are the HBM headline (BabelStream's); the others move the same bytes.
      if ((m != Method::copy && m != Method::triad) || c.src == kHost) return std::nullopt;
      return Slot{"hbm." + name, gpu_entity(c.src), c.src};
    case Suite::gemm:
      if (c.src == kHost) return std::nullopt;
      return Slot{"gemm." + name, gpu_entity(c.src), c.src};
    default: return std::nullopt;
  }
}

std::optional<double> value_of(const Record& r) {
  switch (metric_of(r.test.method)) {
    case Metric::latency:
      if (r.time && r.time->median > 0) return r.time->median;
      return std::nullopt;
    case Metric::throughput: return median_flop_rate(r);
    case Metric::bandwidth: return median_rate(r);
    default: return std::nullopt;
  }
}

std::string short_number(double v) {
  if (std::fabs(v) >= 100 || v == std::floor(v)) return fmt::format("{:.0f}", v);
  return fmt::format("{:.3g}", v);
}

// A section added to the schema later (telemetry, health) in a few words: its scalar leaves as
// path=value, at most `limit`. Written against no particular layout, so a field renamed or
// added does not break the fleet; an absent or empty section gives "".
void flatten(const Json& j, const std::string& path, std::vector<std::string>& out, std::size_t limit, int depth) {
  if (out.size() >= limit || depth > 4) return;
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end() && out.size() < limit; ++it) {
      flatten(it.value(), path.empty() ? it.key() : path + "." + it.key(), out, limit, depth + 1);
    }
  } else if (j.is_array()) {
    for (std::size_t i = 0; i < j.size() && out.size() < limit; ++i) {
      flatten(j[i], fmt::format("{}[{}]", path, i), out, limit, depth + 1);
    }
  } else if (j.is_number()) {
    const double v = j.get<double>();
    if (std::isfinite(v)) out.push_back(path + "=" + short_number(v));
  } else if (j.is_boolean()) {
    out.push_back(path + "=" + (j.get<bool>() ? "true" : "false"));
  } else if (j.is_string()) {
    std::string s = j.get<std::string>();
    if (s.size() > 40) s = s.substr(0, 40) + "...";
    out.push_back(path + "=" + s);
  }
}

std::string summarize_section(const Json& j, std::size_t limit) {
  std::vector<std::string> parts;
  flatten(j, "", parts, limit, 0);
  std::string text;
  for (const auto& p : parts) text += (text.empty() ? "" : ", ") + p;
  return text;
}

std::string topology_of(const SystemInfo& system, const std::set<int>& gpus) {
  std::map<std::string, int> classes;
  for (const PairInfo& p : system.pairs) {
    if (gpus.count(p.src) && gpus.count(p.dst)) ++classes[p.link.name.empty() ? "unknown" : p.link.name];
  }
  if (classes.empty()) return "none";
  std::string text;
  for (const auto& [name, n] : classes) text += fmt::format("{}{} x{}", text.empty() ? "" : ", ", name, n);
  return text;
}

std::vector<std::string> notes_of(const DeviceInfo& d) {
  std::vector<std::string> notes;
  const PcieLink& p = d.pcie;
  if (p.current_gen.has_value() && p.max_gen.has_value() && p.current_width.has_value() && p.max_width.has_value() &&
      (*p.current_gen < *p.max_gen || *p.current_width < *p.max_width)) {
    notes.push_back(fmt::format("GPU{} PCIe Gen{} x{} (max Gen{} x{})", d.index, *p.current_gen, *p.current_width,
                                *p.max_gen, *p.max_width));
  }
  const NvlinkState& n = d.nvlink;
  if (n.links_up.has_value() && n.links_supported.has_value() && *n.links_up < *n.links_supported) {
    notes.push_back(fmt::format("GPU{} NVLinks up {} of {}", d.index, *n.links_up, *n.links_supported));
  }
  return notes;
}

std::string host_of(const DeviceInfo& d, const std::string& fallback) {
  return d.hostname.empty() ? fallback : d.hostname;
}

// Strips the "<path>: " an InputError starts with: the listing names the path once.
std::string reason_without_path(const std::string& message, const std::string& path) {
  const std::string prefix = path + ": ";
  return message.rfind(prefix, 0) == 0 ? message.substr(prefix.size()) : message;
}

int severity(FleetVerdict v) {
  return static_cast<int>(v);
}

}  // namespace

std::string_view to_string(FleetVerdict verdict) {
  switch (verdict) {
    case FleetVerdict::ok: return "ok";
    case FleetVerdict::noisy: return "noisy";
    case FleetVerdict::outlier: return "outlier";
    case FleetVerdict::failed: return "failed";
  }
  return "ok";
}

bool fleet_lower_is_better(const std::string& metric) {
  return metric.rfind("latency.", 0) == 0;
}

std::string fleet_unit(const std::string& metric) {
  if (fleet_lower_is_better(metric)) return "s";
  if (metric.rfind("gemm.", 0) == 0) return "FLOP/s";
  return "B/s";
}

std::vector<std::string> fleet_files(const std::vector<std::string>& inputs) {
  std::vector<std::string> files;
  for (const std::string& input : inputs) {
    std::error_code ec;
    const fs::file_status st = fs::status(input, ec);
    if (ec || !fs::exists(st)) throw InputError(fmt::format("{}: no such file or folder", input));
    if (!fs::is_directory(st)) {
      files.push_back(input);
      continue;
    }
    std::vector<std::string> found;
    fs::recursive_directory_iterator it(input, fs::directory_options::skip_permission_denied, ec), end;
    if (ec) throw InputError(fmt::format("{}: cannot read the folder ({})", input, ec.message()));
    for (; it != end; it.increment(ec)) {
      if (ec) throw InputError(fmt::format("{}: cannot read the folder ({})", input, ec.message()));
      std::error_code fec;
      if (it->is_regular_file(fec) && it->path().extension() == ".json") found.push_back(it->path().string());
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

std::vector<FleetNodeData> extract_fleet_nodes(const LoadedReport& report, const Json* doc) {
  const SystemInfo& system = report.system;
  const std::string fallback = !system.hostname.empty() ? system.hostname : report.run.hostname;
  std::vector<std::string> hosts;
  std::unordered_map<int, std::string> host_by_gpu;
  std::unordered_map<int, const DeviceInfo*> device_by_gpu;
  for (const DeviceInfo& d : system.devices) {
    const std::string h = host_of(d, fallback);
    if (std::find(hosts.begin(), hosts.end(), h) == hosts.end()) hosts.push_back(h);
    host_by_gpu[d.index] = h;
    device_by_gpu[d.index] = &d;
  }
  if (hosts.empty()) hosts.push_back(fallback);

  std::string health;
  const Json* records_json = nullptr;
  if (doc != nullptr && doc->is_object()) {
    if (const auto h = doc->find("health"); h != doc->end() && !h->is_null()) health = summarize_section(*h, 10);
    if (const auto r = doc->find("records"); r != doc->end() && r->is_array() && r->size() == report.records.size()) {
      records_json = &*r;
    }
  }

  std::vector<FleetNodeData> nodes(hosts.size());
  std::unordered_map<std::string, std::size_t> node_of_host;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    FleetNodeData& n = nodes[i];
    node_of_host[hosts[i]] = i;
    n.host = hosts[i];
    n.path = report.path;
    n.started_utc = report.run.started_utc;
    n.driver = system.driver_release.has_value() ? *system.driver_release : "unknown";
    n.cuda = fmt::format(
        "driver {}, runtime {}",
        system.cuda_driver_version.has_value() ? format_cuda_version(*system.cuda_driver_version) : "unknown",
        system.cuda_runtime_version.has_value() ? format_cuda_version(*system.cuda_runtime_version) : "unknown");
    n.health = health;
    std::set<int> gpus;
    std::vector<std::string> names;
    for (const DeviceInfo& d : system.devices) {
      if (host_of(d, fallback) != hosts[i]) continue;
      gpus.insert(d.index);
      if (std::find(names.begin(), names.end(), d.name) == names.end()) names.push_back(d.name);
      for (auto& note : notes_of(d)) n.notes.push_back(std::move(note));
    }
    for (const auto& name : names) n.gpu_model += (n.gpu_model.empty() ? "" : " + ") + name;
    if (n.gpu_model.empty()) n.gpu_model = "unknown";
    n.gpu_count = static_cast<int>(gpus.size());
    n.topology = topology_of(system, gpus);
  }

  // Latency is measured over a size sweep; the fleet judges the smallest size (the latency proper).
  std::map<std::tuple<Method, int, int>, std::size_t> smallest;
  for (std::size_t i = 0; i < report.records.size(); ++i) {
    const Case& c = report.records[i].test;
    if (c.suite != Suite::latency) continue;
    const auto key = std::make_tuple(c.method, c.src, c.dst);
    const auto it = smallest.find(key);
    if (it == smallest.end() || c.bytes < report.records[it->second].test.bytes) smallest[key] = i;
  }

  for (std::size_t i = 0; i < report.records.size(); ++i) {
    const Record& r = report.records[i];
    if (r.test.suite == Suite::latency && smallest[std::make_tuple(r.test.method, r.test.src, r.test.dst)] != i) {
      continue;
    }
    const std::optional<Slot> slot = slot_of(r);
    if (!slot) continue;
    FleetFigure f;
    f.metric = slot->metric;
    f.entity = slot->entity;
    f.gpu = slot->gpu;
    if (const auto d = device_by_gpu.find(f.gpu); d != device_by_gpu.end()) f.uuid = d->second->uuid;
    f.status = r.status;
    f.reason = r.reason;
    if (r.time) f.cv = std::isfinite(r.time->cv) ? r.time->cv : 0;
    f.noisy = noisy(r);
    if (f.status == Status::ok) {
      const std::optional<double> v = value_of(r);
      if (!v || !std::isfinite(*v) || *v <= 0) {
        f.status = Status::failed;
        f.reason = "no usable figure in the record";
      } else {
        f.value = *v;
      }
    }
    if (records_json != nullptr) {
      const Json& rj = (*records_json)[i];
      if (rj.is_object()) {
        if (const auto t = rj.find("telemetry"); t != rj.end() && !t->is_null()) f.telemetry = summarize_section(*t, 8);
      }
    }
    // The record belongs to the host of each GPU it touches (a link across hosts to both).
    std::set<std::size_t> owners;
    for (const int g : {r.test.src, r.test.dst}) {
      if (g == kHost) continue;
      const auto h = host_by_gpu.find(g);
      owners.insert(h != host_by_gpu.end() ? node_of_host[h->second] : 0);
    }
    if (owners.empty()) owners.insert(0);
    for (const std::size_t o : owners) nodes[o].figures.push_back(f);
  }
  return nodes;
}

FleetInput load_fleet(const std::vector<std::string>& files, unsigned threads) {
  struct Outcome {
    std::vector<FleetNodeData> nodes;
    std::string error;
  };
  std::vector<Outcome> outcomes(files.size());
  std::atomic<std::size_t> next{0};
  // Each worker holds one document at a time and keeps only its figures.
  const auto work = [&] {
    for (std::size_t i = next++; i < files.size(); i = next++) {
      try {
        const std::string text = read_file_capped(files[i]);
        const Json doc = parse_json_capped(text, files[i]);
        const LoadedReport report = parse_report_document(doc, files[i]);
        outcomes[i].nodes = extract_fleet_nodes(report, &doc);
      } catch (const Error& e) {
        outcomes[i].error = reason_without_path(e.what(), files[i]);
      } catch (const std::exception& e) {
        outcomes[i].error = fmt::format("cannot be read ({})", e.what());
      }
    }
  };
  const unsigned n =
      std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(std::max<std::size_t>(files.size(), 1))));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < n; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();

  FleetInput input;
  input.files = files.size();
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (!outcomes[i].error.empty()) {
      input.unreadable.push_back({files[i], outcomes[i].error});
    } else {
      for (auto& node : outcomes[i].nodes) input.nodes.push_back(std::move(node));
    }
  }
  return input;
}

FleetCounts count_nodes(const FleetResult& result) {
  FleetCounts c;
  for (const FleetNode& n : result.nodes) {
    switch (n.verdict) {
      case FleetVerdict::ok: ++c.ok; break;
      case FleetVerdict::noisy: ++c.noisy; break;
      case FleetVerdict::outlier: ++c.outlier; break;
      case FleetVerdict::failed: ++c.failed; break;
    }
  }
  return c;
}

FleetResult judge_fleet(FleetInput input, const FleetSettings& settings) {
  FleetResult result;
  result.settings = settings;
  result.files = input.files;
  result.unreadable = std::move(input.unreadable);

  // Duplicate hosts: the newest run is the node's state; the older one is listed, not judged.
  std::unordered_map<std::string, std::size_t> kept;  // host -> index into input.nodes
  std::vector<bool> drop(input.nodes.size(), false);
  const auto start_of = [](const FleetNodeData& n) { return parse_utc_iso8601(n.started_utc).value_or(-1.0); };
  for (std::size_t i = 0; i < input.nodes.size(); ++i) {
    const auto [it, fresh] = kept.emplace(input.nodes[i].host, i);
    if (fresh) continue;
    const std::size_t old = it->second;
    const bool newer = start_of(input.nodes[i]) > start_of(input.nodes[old]);
    const std::size_t keep = newer ? i : old;
    const std::size_t lose = newer ? old : i;
    drop[lose] = true;
    it->second = keep;
    result.duplicates.push_back({input.nodes[i].host, input.nodes[keep].path, input.nodes[lose].path});
  }
  for (std::size_t i = 0; i < input.nodes.size(); ++i) {
    if (drop[i]) continue;
    FleetNode node;
    node.data = std::move(input.nodes[i]);
    result.nodes.push_back(std::move(node));
  }
  if (result.nodes.empty()) throw InputError("no readable gpuxfer result among the inputs");

  // Groups: like nodes only (GPU model, GPU count, link topology), in order of first appearance.
  std::map<std::string, std::size_t> group_of_key;
  for (std::size_t i = 0; i < result.nodes.size(); ++i) {
    FleetNode& n = result.nodes[i];
    const std::string key = fmt::format("{} | {} GPUs | {}", n.data.gpu_model, n.data.gpu_count, n.data.topology);
    auto [it, fresh] = group_of_key.emplace(key, result.groups.size());
    if (fresh) {
      FleetGroup g;
      g.id = fmt::format("g{}", result.groups.size() + 1);
      g.gpu_model = n.data.gpu_model;
      g.gpu_count = n.data.gpu_count;
      g.topology = n.data.topology;
      result.groups.push_back(std::move(g));
    }
    n.group = it->second;
    result.groups[it->second].nodes.push_back(i);
  }
  if (result.groups.size() > 1 && !settings.mix_groups) {
    std::string list;
    for (const FleetGroup& g : result.groups) {
      list += fmt::format("{}{}: {} x{} GPUs, {} ({} node{})", list.empty() ? "" : "; ", g.id, g.gpu_model, g.gpu_count,
                          g.topology, g.nodes.size(), g.nodes.size() == 1 ? "" : "s");
    }
    throw InputError(
        fmt::format("the nodes form {} groups that cannot be judged together ({}); give like nodes, or "
                    "--mix-groups to judge each group on its own",
                    result.groups.size(), list));
  }

  for (FleetGroup& g : result.groups) {
    // Driver and CUDA versions, counted.
    std::map<std::pair<std::string, std::string>, std::size_t> versions;
    for (const std::size_t i : g.nodes) ++versions[{result.nodes[i].data.driver, result.nodes[i].data.cuda}];
    for (const auto& [v, count] : versions) g.versions.push_back({v.first, v.second, count});

    // Figures by metric, in order of first appearance (the plan's order).
    std::vector<std::string> order;
    std::unordered_map<std::string, std::vector<std::pair<std::size_t, std::size_t>>> members;
    for (const std::size_t i : g.nodes) {
      FleetNode& n = result.nodes[i];
      n.judgements.assign(n.data.figures.size(), FleetJudgement{});
      for (std::size_t f = 0; f < n.data.figures.size(); ++f) {
        auto& list = members[n.data.figures[f].metric];
        if (list.empty()) order.push_back(n.data.figures[f].metric);
        list.emplace_back(i, f);
      }
    }
    for (const std::string& name : order) {
      const auto& list = members[name];
      FleetMetric m;
      m.metric = name;
      m.unit = fleet_unit(name);
      m.lower_is_better = fleet_lower_is_better(name);
      std::vector<double> values;
      std::set<std::size_t> ok_nodes, all_nodes;
      for (const auto& [i, f] : list) {
        const FleetFigure& fig = result.nodes[i].data.figures[f];
        all_nodes.insert(i);
        if (fig.status != Status::ok) continue;
        values.push_back(fig.value);
        ok_nodes.insert(i);
      }
      m.nodes = ok_nodes.size();
      m.values = values.size();
      if (!values.empty()) {
        m.median = median_of(values);
        std::vector<double> dev;
        dev.reserve(values.size());
        for (const double v : values) dev.push_back(std::fabs(v - m.median));
        m.mad = median_of(std::move(dev));
      }
      m.judged = m.nodes >= settings.min_nodes && m.median > 0;
      // A floor under the spread keeps z finite where every node measured the same figure; the
      // relative threshold, not z, decides there.
      const double scale = std::max(1.4826 * m.mad, 1e-3 * m.median);
      // A figure that did not come out ok is a node's failure where most nodes measured it.
      const bool most_ok = 2 * ok_nodes.size() >= all_nodes.size() && !ok_nodes.empty();
      for (const auto& [i, f] : list) {
        const FleetFigure& fig = result.nodes[i].data.figures[f];
        FleetJudgement& j = result.nodes[i].judgements[f];
        j.judged = m.judged;
        if (fig.status != Status::ok) {
          if (most_ok) {
            j.verdict = FleetVerdict::failed;
            ++m.failed;
          }
          continue;
        }
        if (m.median <= 0) continue;
        j.deviation = (fig.value - m.median) / m.median;
        j.worse = m.lower_is_better ? j.deviation : -j.deviation;
        j.z = (fig.value - m.median) / scale;
        if (!m.judged) continue;
        const double z_worse = m.lower_is_better ? j.z : -j.z;
        if (j.worse >= settings.threshold && z_worse >= settings.mad_k) {
          // Beyond the threshold but inside the record's own noise: shown, never an outlier alone.
          const double margin = settings.threshold + settings.cv_factor * fig.cv;
          j.verdict = j.worse >= margin ? FleetVerdict::outlier : FleetVerdict::noisy;
          if (j.verdict == FleetVerdict::outlier) ++m.outliers;
        }
      }
      g.metrics.push_back(std::move(m));
    }
  }

  for (FleetNode& n : result.nodes) {
    for (std::size_t f = 0; f < n.judgements.size(); ++f) {
      const FleetJudgement& j = n.judgements[f];
      if (severity(j.verdict) > severity(n.verdict)) n.verdict = j.verdict;
      if (j.verdict == FleetVerdict::outlier || j.verdict == FleetVerdict::noisy) n.worst = std::max(n.worst, j.worse);
    }
  }
  return result;
}

std::vector<std::size_t> nodes_worst_first(const FleetResult& result) {
  std::vector<std::size_t> order(result.nodes.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const FleetNode& x = result.nodes[a];
    const FleetNode& y = result.nodes[b];
    if (x.verdict != y.verdict) return severity(x.verdict) > severity(y.verdict);
    if (x.worst != y.worst) return x.worst > y.worst;
    return x.data.host < y.data.host;
  });
  return order;
}

}  // namespace gx
