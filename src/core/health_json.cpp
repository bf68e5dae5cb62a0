#include "core/health_json.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <limits>
#include <type_traits>

#include "core/error.hpp"
#include "core/known_json.hpp"

namespace gx {
namespace {

using Writer = KnownWriter;
using Reader = KnownReader;

// A field a file lacks was not recorded by the gpuxfer that wrote it (an older minor).
Reader health_reader(const Json& object, std::string path) {
  return KnownReader(object, "health section", std::move(path), "not recorded");
}

Json ecc_counts_to_json(const EccCounts& c) {
  Json j = Json::object();
  {
    Writer w(j);
    w.known("corrected", c.corrected);
    w.known("uncorrected", c.uncorrected);
  }
  return j;
}

EccCounts ecc_counts_from_json(const Reader& r) {
  return EccCounts{r.known<std::uint64_t>("corrected"), r.known<std::uint64_t>("uncorrected")};
}

constexpr std::pair<const char*, EccCounts EccHealth::*> kEccParts[] = {
    {"volatile", &EccHealth::volatile_total},     {"aggregate", &EccHealth::aggregate_total},
    {"volatile_sram", &EccHealth::volatile_sram}, {"aggregate_sram", &EccHealth::aggregate_sram},
    {"volatile_dram", &EccHealth::volatile_dram}, {"aggregate_dram", &EccHealth::aggregate_dram},
};

constexpr std::pair<const char*, Count NvlinkErrorCounters::*> kLinkCounters[] = {
    {"replay", &NvlinkErrorCounters::replay},
    {"recovery", &NvlinkErrorCounters::recovery},
    {"crc_flit", &NvlinkErrorCounters::crc_flit},
    {"crc_data", &NvlinkErrorCounters::crc_data},
};

constexpr std::pair<const char*, Count RowRemapHealth::*> kHistogram[] = {
    {"max", &RowRemapHealth::histogram_max},         {"high", &RowRemapHealth::histogram_high},
    {"partial", &RowRemapHealth::histogram_partial}, {"low", &RowRemapHealth::histogram_low},
    {"none", &RowRemapHealth::histogram_none},
};

}  // namespace

Json health_snapshot_to_json(const HealthSnapshot& s) {
  Json j = Json::object();
  j["read_utc"] = s.read_utc;
  {
    Writer w(j);
    w.known("ecc_mode", s.ecc_mode);
    Json ecc = Json::object();
    for (const auto& [key, part] : kEccParts) ecc[key] = ecc_counts_to_json(s.ecc.*part);
    j["ecc"] = ecc;
    // Each Writer adds its "unknown" map when its scope ends: objects are copied in after that.
    Json rows = Json::object();
    {
      Writer rw(rows);
      rw.known("corrected", s.remapped_rows.corrected);
      rw.known("uncorrected", s.remapped_rows.uncorrected);
      rw.known("pending", s.remapped_rows.pending);
      rw.known("failure", s.remapped_rows.failure);
      Json histogram = Json::object();
      {
        Writer hw(histogram);
        for (const auto& [key, field] : kHistogram) hw.known(key, s.remapped_rows.*field);
      }
      rows["histogram"] = histogram;
    }
    j["remapped_rows"] = rows;
    Json pages = Json::object();
    {
      Writer pw(pages);
      pw.known("single_bit", s.retired_pages.single_bit);
      pw.known("double_bit", s.retired_pages.double_bit);
      pw.known("pending", s.retired_pages.pending);
    }
    j["retired_pages"] = pages;
    if (s.nvlink.has_value()) {
      Json links = Json::array();
      for (const auto& l : *s.nvlink) {
        Json link = Json{{"link", l.link}};
        {
          Writer lw(link);
          for (const auto& [key, counter] : kLinkCounters) lw.known(key, l.*counter);
        }
        links.push_back(link);
      }
      j["nvlink"] = links;
    } else {
      w.known("nvlink", Known<int>::unknown(s.nvlink.reason));
    }
    w.known("pcie_replay", s.pcie_replay);
    w.known("persistence_mode", s.persistence_mode);
    w.known("power_limit_w", s.power_limit_w);
    w.known("default_power_limit_w", s.default_power_limit_w);
    w.known("app_sm_clock_hz", s.app_sm_clock_hz);
    w.known("max_sm_clock_hz", s.max_sm_clock_hz);
    w.known("app_memory_clock_hz", s.app_memory_clock_hz);
    w.known("max_memory_clock_hz", s.max_memory_clock_hz);
    w.known("mig_mode", s.mig_mode);
    w.known("mig_mode_pending", s.mig_mode_pending);
    w.known("recovery_action", s.recovery_action);
    w.known("vbios_version", s.vbios_version);
    w.known("inforom_image_version", s.inforom_image_version);
  }
  return j;
}

HealthSnapshot health_snapshot_from_json(const Json& json, const std::string& path) {
  const Reader r = health_reader(json, path);
  HealthSnapshot s;
  if (const Json* t = r.find("read_utc"); t != nullptr) s.read_utc = r.value<std::string>("read_utc", *t);
  s.ecc_mode = r.known<bool>("ecc_mode");
  const Reader ecc = r.child("ecc");
  for (const auto& [key, part] : kEccParts) s.ecc.*part = ecc_counts_from_json(ecc.child(key));
  const Reader rows = r.child("remapped_rows");
  s.remapped_rows.corrected = rows.known<std::uint64_t>("corrected");
  s.remapped_rows.uncorrected = rows.known<std::uint64_t>("uncorrected");
  s.remapped_rows.pending = rows.known<bool>("pending");
  s.remapped_rows.failure = rows.known<bool>("failure");
  const Reader histogram = rows.child("histogram");
  for (const auto& [key, field] : kHistogram) s.remapped_rows.*field = histogram.known<std::uint64_t>(key);
  const Reader pages = r.child("retired_pages");
  s.retired_pages.single_bit = pages.known<std::uint64_t>("single_bit");
  s.retired_pages.double_bit = pages.known<std::uint64_t>("double_bit");
  s.retired_pages.pending = pages.known<bool>("pending");
  const Json* links = r.find("nvlink");
  if (links == nullptr || links->is_null()) {
    s.nvlink = Known<std::vector<NvlinkErrorCounters>>::unknown(links == nullptr ? "not recorded" : r.reason("nvlink"));
  } else {
    if (!links->is_array()) r.fail("nvlink", "expected an array or null");
    std::vector<NvlinkErrorCounters> list;
    for (std::size_t i = 0; i < links->size(); ++i) {
      const Reader l = r.nested((*links)[i], fmt::format("{}.nvlink[{}]", r.path(), i));
      NvlinkErrorCounters c;
      const Json* index = l.find("link");
      if (index == nullptr) l.fail("link", "missing");
      c.link = l.value<int>("link", *index);
      for (const auto& [key, counter] : kLinkCounters) c.*counter = l.known<std::uint64_t>(key);
      list.push_back(c);
    }
    s.nvlink = list;
  }
  s.pcie_replay = r.known<std::uint64_t>("pcie_replay");
  s.persistence_mode = r.known<bool>("persistence_mode");
  s.power_limit_w = r.known<double>("power_limit_w");
  s.default_power_limit_w = r.known<double>("default_power_limit_w");
  s.app_sm_clock_hz = r.known<double>("app_sm_clock_hz");
  s.max_sm_clock_hz = r.known<double>("max_sm_clock_hz");
  s.app_memory_clock_hz = r.known<double>("app_memory_clock_hz");
  s.max_memory_clock_hz = r.known<double>("max_memory_clock_hz");
  s.mig_mode = r.known<bool>("mig_mode");
  s.mig_mode_pending = r.known<bool>("mig_mode_pending");
  s.recovery_action = r.known<int>("recovery_action");
  s.vbios_version = r.known<std::string>("vbios_version");
  s.inforom_image_version = r.known<std::string>("inforom_image_version");
  return s;
}

Json health_to_json(const std::vector<GpuHealth>& gpus) {
  Json list = Json::array();
  for (const auto& g : gpus) {
    Json j = Json::object();
    j["index"] = g.index ? Json(*g.index) : Json(nullptr);
    j["uuid"] = g.uuid;
    j["pci_bus_id"] = g.pci_bus_id;
    j["name"] = g.name;
    if (g.before) j["before"] = health_snapshot_to_json(*g.before);
    if (g.after) j["after"] = health_snapshot_to_json(*g.after);
    if (g.before && g.after) {
      if (g.xid_events.has_value()) {
        Json events = Json::array();
        for (const auto& e : *g.xid_events) {
          Json event{{"xid", e.xid}, {"time_utc", e.time_utc}};
          const std::string meaning = critical_xid_meaning(e.xid);
          if (!meaning.empty()) event["meaning"] = meaning;
          events.push_back(event);
        }
        j["xid_events"] = events;
      } else {
        j["xid_events"] = nullptr;
        j["unknown"] = Json{{"xid_events", g.xid_events.reason}};
      }
    }
    list.push_back(j);
  }
  return Json{{"gpus", list}};
}

std::vector<GpuHealth> health_from_json(const Json& json) {
  const Reader top = health_reader(json, "health");
  const Json* gpus = top.find("gpus");
  if (gpus == nullptr || !gpus->is_array()) top.fail("gpus", "expected an array");
  std::vector<GpuHealth> out;
  for (std::size_t i = 0; i < gpus->size(); ++i) {
    const std::string path = fmt::format("gpus[{}]", i);
    const Reader r = top.nested((*gpus)[i], path);
    GpuHealth g;
    if (const Json* index = r.find("index"); index != nullptr && !index->is_null())
      g.index = r.value<int>("index", *index);
    if (const Json* v = r.find("uuid"); v != nullptr) g.uuid = r.value<std::string>("uuid", *v);
    if (const Json* v = r.find("pci_bus_id"); v != nullptr) g.pci_bus_id = r.value<std::string>("pci_bus_id", *v);
    if (const Json* v = r.find("name"); v != nullptr) g.name = r.value<std::string>("name", *v);
    if (const Json* v = r.find("before"); v != nullptr) g.before = health_snapshot_from_json(*v, path + ".before");
    if (const Json* v = r.find("after"); v != nullptr) g.after = health_snapshot_from_json(*v, path + ".after");
    const Json* events = r.find("xid_events");
    if (events == nullptr) {
      g.xid_events = Known<std::vector<XidEvent>>::unknown("not recorded");
    } else if (events->is_null()) {
      g.xid_events = Known<std::vector<XidEvent>>::unknown(r.reason("xid_events"));
    } else {
      if (!events->is_array()) r.fail("xid_events", "expected an array or null");
      std::vector<XidEvent> list;
      for (std::size_t k = 0; k < events->size(); ++k) {
        const Reader e = r.nested((*events)[k], fmt::format("{}.xid_events[{}]", path, k));
        XidEvent x;
        const Json* xid = e.find("xid");
        if (xid == nullptr) e.fail("xid", "missing");
        x.xid = e.value<std::uint64_t>("xid", *xid);
        if (const Json* t = e.find("time_utc"); t != nullptr) x.time_utc = e.value<std::string>("time_utc", *t);
        list.push_back(x);
      }
      g.xid_events = list;
    }
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace gx
