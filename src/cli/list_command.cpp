// gpuxfer list: the GPUs, their links and the pair matrix; enables P2P where it can.
#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/libraries.hpp"
#include "core/host.hpp"
#include "core/inventory_view.hpp"
#include "gpu/devices.hpp"

namespace gx::cli {
namespace {

struct ListOptions {
  bool no_enable = false;
};

int run_list(GlobalOptions& options, const ListOptions& list) {
  const std::string started = utc_now_iso8601();
  const DeviceSpec spec = parse_device_spec(options.devices_text);
  const std::vector<int> selected = resolve_devices(spec, visible_devices());
  SystemInfo system = inventory(selected);
  detail(options, fmt::format("gpuxfer: {} GPU(s) selected; NVML {}", selected.size(),
                              system.nvml_version.has_value() ? *system.nvml_version : system.nvml_version.reason));
  if (!list.no_enable) enable_peer_access(system);

  switch (options.format) {
    case OutputFormat::json: {
      Json resolved{{"devices", selected}, {"enable_peer_access", !list.no_enable}};
      Json report = make_report(make_run_info(options, started, resolved), system);
      report["system"]["libraries"] = libraries_json(runtime_libraries());
      emit_json(options, report);
      break;
    }
    case OutputFormat::csv:
      emit(options, render_tables(inventory_flat_tables(system), OutputFormat::csv, false));
      break;
    default:
      emit(options, render_tables(inventory_tables(system), options.format, options.color, options.terminal_columns) +
                        "\nLibraries loaded at run time (GPUXFER_LIBRARY_PATH first):\n" +
                        libraries_text(runtime_libraries(), "  "));
      break;
  }
  return 0;
}

}  // namespace

void register_list(CLI::App& app, GlobalOptions& options, int& exit_code) {
  auto list = std::make_shared<ListOptions>();
  CLI::App* sub = app.add_subcommand(
      "list", "List GPUs with topology (NVLink, PCIe, NUMA) and enable peer-to-peer access");
  sub->add_flag("--no-enable-peer", list->no_enable,
                "Only report whether P2P could be enabled; leave peer access untouched");
  sub->footer(
      "Examples:\n"
      "  gpuxfer list                       # tables: GPUs, links, pair matrices\n"
      "  gpuxfer list --format json -o sys.json\n"
      "  gpuxfer list --devices 0,GPU-1a2b --format csv\n"
      "  CUDA_VISIBLE_DEVICES=2,3 gpuxfer list");
  sub->callback([&options, &exit_code, list] { exit_code = run_list(options, *list); });
}

}  // namespace gx::cli
