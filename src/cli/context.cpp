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

namespace {

// CLI11's formatter, with the parent's options appended to a subcommand's help: a user reading
// `gpuxfer bench --help` sees --devices, --format and -o without also reading `gpuxfer --help`.
class HelpFormatter : public CLI::Formatter {
 public:
  // CLI11 2.1 separates option groups by two blank lines; one reads better.
  std::string make_help(const CLI::App* app, std::string name, CLI::AppFormatMode mode) const override {
    std::string text = CLI::Formatter::make_help(app, std::move(name), mode);
    for (auto at = text.find("\n\n\n"); at != std::string::npos; at = text.find("\n\n\n", at)) text.erase(at, 1);
    return text;
  }
  std::string make_footer(const CLI::App* app) const override {
    std::string globals;
    if (const CLI::App* parent = app->get_parent(); parent != nullptr) {
      const std::vector<const CLI::Option*> options = parent->get_options([parent](const CLI::Option* o) {
        return o->nonpositional() && o != parent->get_help_ptr() && o != parent->get_help_all_ptr() &&
               !o->check_lname("version");  // --version only precedes a subcommand
      });
      if (!options.empty()) {
        globals = make_group("Global options", false, options);
        globals = globals.substr(1) + "\n";  // make_help already put a blank line before the footer
      }
    }
    return globals + CLI::Formatter::make_footer(app);
  }
};

}  // namespace

void install_help_formatter(CLI::App& app) {
  auto formatter = std::make_shared<HelpFormatter>();
  formatter->column_width(34);
  app.formatter(formatter);
}

CLI::Option* add_detail_option(CLI::App& sub, std::string& detail_text, const std::string& group) {
  return sub
      .add_option("--detail", detail_text,
                  "What the tables show: summary (the one-screen summary only), compact (the summary, GPU x GPU "
                  "matrices, each size sweep as one row per method at a few sizes), full (every size of every "
                  "sweep). csv and json are complete whatever this says")
      ->capture_default_str()
      ->type_name("LEVEL")
      ->group(group);
}

void add_global_options(CLI::App& app, GlobalOptions& options) {
  app.add_option("--format", options.format_text, "Output format: table, json, csv, markdown")
      ->capture_default_str()
      ->type_name("FORMAT");
  app.add_option("-o,--output", options.output_path,
                 "Write the result to FILE (atomically: temp file + rename); default: stdout")
      ->type_name("FILE");
  app.add_option("-d,--devices", options.devices_text,
                 "GPUs to use: all, or a comma list of CUDA indices, GPU UUIDs or "
                 "UUID prefixes, PCI bus ids. CUDA_VISIBLE_DEVICES applies first.")
      ->capture_default_str()
      ->type_name("LIST");
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

void emit_json(const GlobalOptions& options, const Json& json) {
  emit(options, json.dump(2) + "\n");
}

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
