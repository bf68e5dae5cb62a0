// gpuxfer list: the GPUs, their links and the pair matrix; enables P2P where it can.
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/libraries.hpp"
#include "core/error.hpp"
#include "core/health_json.hpp"
#include "core/health_view.hpp"
#include "core/host.hpp"
#include "core/inventory_view.hpp"
#include "gpu/devices.hpp"
#include "gpu/health.hpp"

namespace gx::cli {
namespace {

struct ListOptions {
  bool no_enable = false;
};

// CUDA cannot run (no driver, no device) but NVML may still see GPUs (a GPU CUDA cannot use, a
// broken CUDA install, the fake NVML of the tests): their health is printed first, the error
// stays, exit code 3. JSON: the error document carries the "health" section. NVML does not
// honour CUDA_VISIBLE_DEVICES: where it is set, the user chose the GPUs to see, and GPUs hidden
// on purpose are not listed.
int list_without_cuda(GlobalOptions& options, const Error& error) {
  if (std::getenv("CUDA_VISIBLE_DEVICES") != nullptr) throw;  // NOLINT: rethrows the CannotRunError
  const std::vector<GpuHealth> health = read_health_nvml_only();
  if (health.empty()) throw;  // NOLINT: rethrows the CannotRunError being handled
  std::fprintf(stderr, "gpuxfer: error: %s\n", error.what());
  const int code = static_cast<int>(error.exit_code());
  if (options.format == OutputFormat::json) {
    Json doc = error_document(error.what(), code, error_kind_name(ExitCode::cannot_run));
    doc["health"] = health_to_json(health);
    emit_json(options, doc);
  } else {
    Table table = health_table(health);
    table.title += ": GPUs NVML sees, CUDA cannot use";
    emit(options, render_tables({table}, options.format == OutputFormat::csv ? OutputFormat::table : options.format,
                                options.color, options.terminal_columns));
  }
  return code;
}

int run_list(GlobalOptions& options, const ListOptions& list) {
  const std::string started = utc_now_iso8601();
  const DeviceSpec spec = parse_device_spec(options.devices_text);
  std::vector<DeviceIdentity> visible;
  try {
    visible = visible_devices();
  } catch (const CannotRunError& e) {
    return list_without_cuda(options, e);
  }
  const std::vector<int> selected = resolve_devices(spec, visible);
  SystemInfo system = inventory(selected);
  // Read on every list, benchmark or not: a few NVML queries per GPU.
  system.health = read_health_now(system);
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
  CLI::App* sub =
      app.add_subcommand("list", "List GPUs with topology (NVLink, PCIe, NUMA) and enable peer-to-peer access");
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
