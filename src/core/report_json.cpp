#include "core/report_json.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <limits>
#include <type_traits>

#include "core/build_info.hpp"
#include "core/error.hpp"
#include "core/health_json.hpp"
#include "core/known_json.hpp"

namespace gx {
namespace {

using ObjectWriter = KnownWriter;
using ObjectReader = KnownReader;

ObjectReader system_reader(const Json& object, std::string path) {
  return KnownReader(object, "system section", std::move(path));
}

Json pcie_to_json(const PcieLink& pcie) {
  Json j = Json::object();
  ObjectWriter w(j);
  w.known("current_gen", pcie.current_gen);
  w.known("current_width", pcie.current_width);
  w.known("max_gen", pcie.max_gen);
  w.known("max_width", pcie.max_width);
  w.known("max_bytes_per_s", pcie.max_bytes_per_s);
  w.known("current_bytes_per_s", pcie.current_bytes_per_s);
  return j;
}

PcieLink pcie_from_json(const ObjectReader& r) {
  PcieLink p;
  p.current_gen = r.known<int>("current_gen");
  p.current_width = r.known<int>("current_width");
  p.max_gen = r.known<int>("max_gen");
  p.max_width = r.known<int>("max_width");
  p.max_bytes_per_s = r.known<double>("max_bytes_per_s");
  p.current_bytes_per_s = r.known<double>("current_bytes_per_s");
  return p;
}

Json nvlink_to_json(const NvlinkState& nvlink) {
  Json j = Json::object();
  {
    ObjectWriter w(j);
    w.known("links_supported", nvlink.links_supported);
    w.known("links_up", nvlink.links_up);
    w.known("version", nvlink.version);
    w.known("per_link_bytes_per_s", nvlink.per_link_bytes_per_s);
  }
  Json lanes = Json::array();
  for (const auto& lane : nvlink.up) {
    lanes.push_back(
        Json{{"link", lane.link}, {"remote", to_string(lane.remote)}, {"remote_pci_bus_id", lane.remote_pci_bus_id}});
  }
  j["lanes"] = lanes;
  return j;
}

NvlinkState nvlink_from_json(const ObjectReader& r) {
  NvlinkState n;
  n.links_supported = r.known<int>("links_supported");
  n.links_up = r.known<int>("links_up");
  n.version = r.known<int>("version");
  n.per_link_bytes_per_s = r.known<double>("per_link_bytes_per_s");
  const Json& lanes = r.at("lanes");
  if (!lanes.is_array()) r.fail("lanes", "expected an array");
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    const ObjectReader lr = r.nested(lanes[i], fmt::format("{}.lanes[{}]", r.path(), i));
    n.up.push_back(NvlinkLane{lr.get<int>("link"), parse_nvlink_remote(lr.get<std::string>("remote")),
                              lr.get<std::string>("remote_pci_bus_id")});
  }
  return n;
}

Json device_to_json(const DeviceInfo& d) {
  Json j;
  j["index"] = d.index;
  j["name"] = d.name;
  j["uuid"] = d.uuid;
  j["pci_bus_id"] = d.pci_bus_id;
  if (!d.hostname.empty()) j["hostname"] = d.hostname;  // merged multi-host documents only
  j["compute_capability"] = fmt::format("{}.{}", d.cc_major, d.cc_minor);
  j["sm_count"] = d.sm_count;
  j["memory_total_bytes"] = d.memory_total_bytes;
  j["memory_free_bytes"] = d.memory_free_bytes;
  j["l2_bytes"] = d.l2_bytes;
  j["memory_bus_width_bits"] = d.memory_bus_width_bits;
  {
    ObjectWriter w(j);
    w.known("max_sm_clock_hz", d.max_sm_clock_hz);
    w.known("max_memory_clock_hz", d.max_memory_clock_hz);
    w.known("memory_bandwidth_bytes_per_s", d.memory_bandwidth_bytes_per_s);
    w.known("ecc_enabled", d.ecc_enabled);
    w.known("numa_node", d.numa_node);
    w.known("cpu_affinity", d.cpu_affinity);
  }
  j["pcie"] = pcie_to_json(d.pcie);
  j["nvlink"] = nvlink_to_json(d.nvlink);
  return j;
}

DeviceInfo device_from_json(const Json& json, std::size_t i) {
  const ObjectReader r = system_reader(json, fmt::format("gpus[{}]", i));
  DeviceInfo d;
  d.index = r.get<int>("index");
  d.name = r.get<std::string>("name");
  d.uuid = r.get<std::string>("uuid");
  // Written by the merge of multi-rank documents (core/merge), absent from one-host reports.
  if (json.contains("hostname") && json["hostname"].is_string()) d.hostname = json["hostname"].get<std::string>();
  d.pci_bus_id = r.get<std::string>("pci_bus_id");
  const auto cc = r.get<std::string>("compute_capability");
  if (std::sscanf(cc.c_str(), "%d.%d", &d.cc_major, &d.cc_minor) != 2) {
    r.fail("compute_capability", "expected MAJOR.MINOR");
  }
  d.sm_count = r.get<int>("sm_count");
  d.memory_total_bytes = r.get<std::uint64_t>("memory_total_bytes");
  d.memory_free_bytes = r.get<std::uint64_t>("memory_free_bytes");
  d.l2_bytes = r.get<std::uint64_t>("l2_bytes");
  d.memory_bus_width_bits = r.get<int>("memory_bus_width_bits");
  d.max_sm_clock_hz = r.known<double>("max_sm_clock_hz");
  d.max_memory_clock_hz = r.known<double>("max_memory_clock_hz");
  d.memory_bandwidth_bytes_per_s = r.known<double>("memory_bandwidth_bytes_per_s");
  d.ecc_enabled = r.known<bool>("ecc_enabled");
  d.numa_node = r.known<int>("numa_node");
  d.cpu_affinity = r.known<std::string>("cpu_affinity");
  d.pcie = pcie_from_json(r.nested(r.at("pcie"), r.path() + ".pcie"));
  d.nvlink = nvlink_from_json(r.nested(r.at("nvlink"), r.path() + ".nvlink"));
  return d;
}

Json pair_to_json(const PairInfo& p) {
  Json j;
  j["src"] = p.src;
  j["dst"] = p.dst;
  j["link_class"] = p.link.name;
  j["nvlinks"] = p.link.nvlinks;
  j["can_access_peer"] = p.can_access_peer;
  j["peer_enabled"] = p.peer_enabled;
  j["peer_error"] = p.peer_error.empty() ? Json(nullptr) : Json(p.peer_error);
  ObjectWriter w(j);
  w.known("performance_rank", p.performance_rank);
  w.known("native_atomics", p.native_atomics);
  w.known("theoretical_bytes_per_s", p.theoretical_bytes_per_s);
  j["link_reason"] = p.link_reason.empty() ? Json(nullptr) : Json(p.link_reason);
  return j;
}

PairInfo pair_from_json(const Json& json, std::size_t i) {
  const ObjectReader r = system_reader(json, fmt::format("pairs[{}]", i));
  PairInfo p;
  p.src = r.get<int>("src");
  p.dst = r.get<int>("dst");
  p.link.name = r.get<std::string>("link_class");
  p.link.nvlinks = r.get<int>("nvlinks");
  p.can_access_peer = r.get<bool>("can_access_peer");
  p.peer_enabled = r.get<bool>("peer_enabled");
  const Json& err = r.at("peer_error");
  if (err.is_string()) p.peer_error = err.get<std::string>();
  p.performance_rank = r.known<int>("performance_rank");
  p.native_atomics = r.known<bool>("native_atomics");
  p.theoretical_bytes_per_s = r.known<double>("theoretical_bytes_per_s");
  const auto link_reason = r.known<std::string>("link_reason");
  if (link_reason.has_value()) p.link_reason = *link_reason;
  return p;
}

}  // namespace

Json tool_to_json() {
  const auto& b = build_info();
  return Json{{"name", "gpuxfer"},
              {"version", b.version},
              {"git_sha", b.git_sha},
              {"build_type", b.build_type},
              {"cuda_build_version", b.cuda_build_version}};
}

Json run_to_json(const RunInfo& run) {
  return Json{{"started_utc", run.started_utc},
              {"finished_utc", run.finished_utc},
              {"hostname", run.hostname},
              {"argv", run.argv},
              {"options", run.options}};
}

Json system_to_json(const SystemInfo& s) {
  Json j;
  j["hostname"] = s.hostname;
  j["cpu_model"] = s.cpu_model;
  {
    ObjectWriter w(j);
    w.known("driver_release", s.driver_release);
    w.known("cuda_driver_version", s.cuda_driver_version);
    w.known("cuda_runtime_version", s.cuda_runtime_version);
    w.known("nvml_version", s.nvml_version);
  }
  Json gpus = Json::array();
  for (const auto& d : s.devices) gpus.push_back(device_to_json(d));
  j["gpus"] = gpus;
  Json pairs = Json::array();
  for (const auto& p : s.pairs) pairs.push_back(pair_to_json(p));
  j["pairs"] = pairs;
  return j;
}

SystemInfo system_from_json(const Json& json) {
  const ObjectReader r = system_reader(json, "system");
  SystemInfo s;
  s.hostname = r.get<std::string>("hostname");
  s.cpu_model = r.get<std::string>("cpu_model");
  s.driver_release = r.known<std::string>("driver_release");
  s.cuda_driver_version = r.known<int>("cuda_driver_version");
  s.cuda_runtime_version = r.known<int>("cuda_runtime_version");
  s.nvml_version = r.known<std::string>("nvml_version");
  const Json& gpus = r.at("gpus");
  if (!gpus.is_array()) r.fail("gpus", "expected an array");
  for (std::size_t i = 0; i < gpus.size(); ++i) s.devices.push_back(device_from_json(gpus[i], i));
  const Json& pairs = r.at("pairs");
  if (!pairs.is_array()) r.fail("pairs", "expected an array");
  for (std::size_t i = 0; i < pairs.size(); ++i) s.pairs.push_back(pair_from_json(pairs[i], i));
  return s;
}

Json make_report(const RunInfo& run, const SystemInfo& system, Json records) {
  Json j;
  j["schema"] = kReportSchema;
  j["schema_version"] = Json{{"major", kReportSchemaMajor}, {"minor", kReportSchemaMinor}};
  j["tool"] = tool_to_json();
  j["run"] = run_to_json(run);
  j["system"] = system_to_json(system);
  if (!system.health.empty()) j["health"] = health_to_json(system.health);
  j["records"] = std::move(records);
  return j;
}

Json error_document(std::string_view message, int exit_code, std::string_view kind) {
  Json j;
  j["schema"] = kReportSchema;
  j["schema_version"] = Json{{"major", kReportSchemaMajor}, {"minor", kReportSchemaMinor}};
  j["tool"] = tool_to_json();
  j["error"] = Json{{"kind", kind}, {"message", message}, {"exit_code", exit_code}};
  return j;
}

}  // namespace gx
