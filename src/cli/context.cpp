#include "cli/context.hpp"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/host.hpp"

namespace gx::cli {

void add_global_options(CLI::App& app, GlobalOptions& options) {
  app.add_option("--format", options.format_text,
                 "Output format: table (default), json, csv, markdown");
  app.add_option("-o,--output", options.output_path,
                 "Write the result to FILE (atomically: temp file + rename) instead of stdout");
  app.add_option("-d,--devices", options.devices_text,
                 "GPUs to use: all (default), or a comma list of CUDA indices, GPU UUIDs or "
                 "UUID prefixes, PCI bus ids. CUDA_VISIBLE_DEVICES applies first.");
  app.add_flag("-q,--quiet", options.quiet, "No messages on stderr except errors");
  app.add_flag("-v,--verbose", options.verbose, "More detail on stderr");
}

void resolve_global_options(GlobalOptions& options) {
  options.format = parse_output_format(options.format_text);
  if (options.quiet && options.verbose) {
    throw UsageError("--quiet and --verbose cannot be used together");
  }
  if (!options.output_path.empty()) ensure_writable(options.output_path);
  const bool to_tty = options.output_path.empty() && ::isatty(STDOUT_FILENO) == 1;
  if (to_tty) {
    winsize size{};
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col >= 40) options.terminal_columns = size.ws_col;
  }
  options.color = use_color(to_tty, std::getenv("NO_COLOR") != nullptr, options.format);
}

void emit(const GlobalOptions& options, const std::string& text) {
  if (!options.output_path.empty()) {
    write_file_atomically(options.output_path, text);
    inform(options, fmt::format("gpuxfer: wrote {}", options.output_path));
    return;
  }
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

void emit_json(const GlobalOptions& options, const Json& json) { emit(options, json.dump(2) + "\n"); }

void inform(const GlobalOptions& options, const std::string& line) {
  if (!options.quiet) std::fprintf(stderr, "%s\n", line.c_str());
}

void detail(const GlobalOptions& options, const std::string& line) {
  if (options.verbose) std::fprintf(stderr, "%s\n", line.c_str());
}

RunInfo make_run_info(const GlobalOptions& options, std::string started_utc, Json resolved_options) {
  RunInfo run;
  run.started_utc = std::move(started_utc);
  run.finished_utc = utc_now_iso8601();
  run.hostname = host_name();
  run.argv = options.argv;
  const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
  resolved_options["cuda_visible_devices"] = visible != nullptr ? Json(visible) : Json(nullptr);
  run.options = std::move(resolved_options);
  return run;
}

}  // namespace gx::cli
