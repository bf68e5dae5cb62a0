#include "core/health_view.hpp"

#include <fmt/format.h>

#include "core/check_health.hpp"
#include "core/unknown_cells.hpp"

namespace gx {
namespace {

class Cells : public UnknownCells {
 public:
  // "a/b" of two counters; "?" for an unknown part.
  std::string pair(const Count& a, const Count& b) { return cell(a, number) + "/" + cell(b, number); }
  static std::string number(std::uint64_t v) { return std::to_string(v); }
};

// The growth of a counter over the run, "+N" when it grew.
std::string grown(std::uint64_t v) {
  return v == 0 ? "0" : "+" + std::to_string(v);
}

std::string yes_no(bool v) {
  return v ? "yes" : "no";
}
std::string mhz(double hz) {
  return fmt::format("{:.0f}", hz / 1e6);
}
std::string watts(double w) {
  return fmt::format("{:.0f}", w);
}

}  // namespace

Table health_table(const std::vector<GpuHealth>& health) {
  Table t = make_table(
      "Health (NVML; ECC corrected/uncorrected)",
      {"GPU",          "PCI bus",       "ECC volatile",    "ECC aggregate", "SRAM agg",      "DRAM agg",
       "Remapped c/u", "Remap pending", "Remap failed",    "Retired pages", "NVLink replay", "NVLink recovery",
       "NVLink CRC",   "PCIe replay",   "Persistence",     "Power limit W", "Default W",     "App SM MHz",
       "Max SM MHz",   "MIG",           "Recovery action", "VBIOS"},
      2);
  Cells u;
  for (const auto& g : health) {
    if (!g.before && !g.after) continue;
    const HealthSnapshot& s = g.after ? *g.after : *g.before;
    const Count crc_flit = nvlink_total(s.nvlink, &NvlinkErrorCounters::crc_flit);
    const Count crc_data = nvlink_total(s.nvlink, &NvlinkErrorCounters::crc_data);
    Count crc = crc_flit;
    if (crc_flit.has_value() && crc_data.has_value()) crc = *crc_flit + *crc_data;
    if (crc_flit.has_value() && !crc_data.has_value()) crc = crc_data;
    const std::string retired = u.pair(s.retired_pages.single_bit, s.retired_pages.double_bit);
    t.rows.push_back({g.index ? std::to_string(*g.index) : "-",
                      g.pci_bus_id,
                      u.pair(s.ecc.volatile_total.corrected, s.ecc.volatile_total.uncorrected),
                      u.pair(s.ecc.aggregate_total.corrected, s.ecc.aggregate_total.uncorrected),
                      u.pair(s.ecc.aggregate_sram.corrected, s.ecc.aggregate_sram.uncorrected),
                      u.pair(s.ecc.aggregate_dram.corrected, s.ecc.aggregate_dram.uncorrected),
                      u.pair(s.remapped_rows.corrected, s.remapped_rows.uncorrected),
                      u.cell(s.remapped_rows.pending, yes_no),
                      u.cell(s.remapped_rows.failure, yes_no),
                      retired,
                      u.cell(nvlink_total(s.nvlink, &NvlinkErrorCounters::replay), Cells::number),
                      u.cell(nvlink_total(s.nvlink, &NvlinkErrorCounters::recovery), Cells::number),
                      u.cell(crc, Cells::number),
                      u.cell(s.pcie_replay, Cells::number),
                      u.cell(s.persistence_mode, [](bool v) { return std::string(v ? "on" : "off"); }),
                      u.cell(s.power_limit_w, watts),
                      u.cell(s.default_power_limit_w, watts),
                      u.cell(s.app_sm_clock_hz, mhz),
                      u.cell(s.max_sm_clock_hz, mhz),
                      u.cell(s.mig_mode, [](bool v) { return std::string(v ? "on" : "off"); }),
                      u.cell(s.recovery_action, recovery_action_name),
                      u.cell(s.vbios_version, [](const std::string& v) { return v; })});
    if (g.xid_events.has_value()) {
      for (const auto& e : *g.xid_events) {
        const std::string meaning = critical_xid_meaning(e.xid);
        t.notes.push_back(fmt::format("{}: XID {} at {}{}", g.pci_bus_id, e.xid, e.time_utc,
                                      meaning.empty() ? "" : " (" + meaning + ")"));
      }
    }
  }
  t.notes.push_back(
      "Retired pages: multiple single-bit / double-bit; NVLink counters summed over the GPU's links; "
      "the snapshot after the run where there is one");
  u.add_notes(t);
  return t;
}

Table health_change_table(const std::vector<GpuHealth>& health) {
  Table t = make_table("Health during the run (after - before; ECC corrected/uncorrected)",
                       {"GPU", "PCI bus", "Seconds", "ECC volatile", "ECC aggregate", "Remapped c/u", "Retired pages",
                        "NVLink replay", "NVLink recovery", "NVLink CRC", "PCIe replay", "Critical XIDs"},
                       2);
  Cells u;
  auto change = [&](const Count& before, const Count& after) { return u.cell(counter_growth(before, after), grown); };
  auto link_change = [&](const HealthSnapshot& b, const HealthSnapshot& a, Count NvlinkErrorCounters::*counter) {
    return change(nvlink_total(b.nvlink, counter), nvlink_total(a.nvlink, counter));
  };
  for (const auto& g : health) {
    if (!g.before || !g.after) continue;
    const HealthSnapshot& b = *g.before;
    const HealthSnapshot& a = *g.after;
    const auto seconds = health_interval_seconds(g);
    const Count crc_before = nvlink_total(b.nvlink, &NvlinkErrorCounters::crc_flit);
    const Count crc_after = nvlink_total(a.nvlink, &NvlinkErrorCounters::crc_flit);
    std::string xids = u.cell(g.xid_events, [](const std::vector<XidEvent>& events) {
      if (events.empty()) return std::string("none");
      std::vector<std::string> ids;
      for (const auto& e : events) ids.push_back(std::to_string(e.xid));
      return fmt::format("{}", fmt::join(ids, ", "));
    });
    t.rows.push_back(
        {g.index ? std::to_string(*g.index) : "-", g.pci_bus_id, seconds ? fmt::format("{:.0f}", *seconds) : "?",
         change(b.ecc.volatile_total.corrected, a.ecc.volatile_total.corrected) + "/" +
             change(b.ecc.volatile_total.uncorrected, a.ecc.volatile_total.uncorrected),
         change(b.ecc.aggregate_total.corrected, a.ecc.aggregate_total.corrected) + "/" +
             change(b.ecc.aggregate_total.uncorrected, a.ecc.aggregate_total.uncorrected),
         change(b.remapped_rows.corrected, a.remapped_rows.corrected) + "/" +
             change(b.remapped_rows.uncorrected, a.remapped_rows.uncorrected),
         change(b.retired_pages.single_bit, a.retired_pages.single_bit) + "/" +
             change(b.retired_pages.double_bit, a.retired_pages.double_bit),
         link_change(b, a, &NvlinkErrorCounters::replay), link_change(b, a, &NvlinkErrorCounters::recovery),
         change(crc_before, crc_after), change(b.pcie_replay, a.pcie_replay), std::move(xids)});
  }
  if (t.rows.empty()) return t;
  t.notes.push_back("NVLink counters summed over the GPU's links (CRC: flit errors); check's findings judge them");
  u.add_notes(t);
  return t;
}

}  // namespace gx
