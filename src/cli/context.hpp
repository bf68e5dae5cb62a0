#pragma once
// What every subcommand shares: the global options and how results and messages leave the
// process. Machine formats put only data on stdout; messages go to stderr.
#include <optional>
#include <string>
#include <vector>

#include "core/report_json.hpp"
#include "core/table.hpp"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace gx::cli {

struct GlobalOptions {
  std::string format_text = "table";
  std::string output_path;  // empty: stdout
  std::string devices_text = "all";
  bool quiet = false;
  bool verbose = false;
  std::vector<std::string> argv;

  // Resolved before a command runs.
  OutputFormat format = OutputFormat::table;
  bool format_given = false;  // --format was on the command line (report: tables instead of HTML)
  bool color = false;
  // Columns of the terminal stdout is; 0 when stdout is not a terminal (files and pipes get
  // whole tables). Text tables wider than this are split by columns (an 8- or 16-GPU matrix).
  std::size_t terminal_columns = 0;
  // Under an MPI launcher: this process's rank among those of its node, and how many there are;
  // the GPU is then chosen by rank (core/schedule rank_device) once the flags are validated.
  std::optional<std::pair<int, int>> node_local_rank;
};

void add_global_options(CLI::App& app, GlobalOptions& options);
// Help of every subcommand lists the global options too (under "Global options", after its own)
// and every option shows its default. Call before the subcommands are added: they inherit it.
void install_help_formatter(CLI::App& app);
// --detail summary|compact|full of bench and show (core/bench_view BenchDetail), in `group`.
CLI::Option* add_detail_option(CLI::App& sub, std::string& detail_text, const std::string& group);
// Validates and resolves the global options (format, output path, color); throws UsageError
// or InputError.
void resolve_global_options(GlobalOptions& options);

// Result text to --output (atomically) or stdout.
void emit(const GlobalOptions& options, const std::string& text);
void emit_json(const GlobalOptions& options, const Json& json);

// A line on stderr unless --quiet.
void inform(const GlobalOptions& options, const std::string& line);
// A line on stderr only with --verbose.
void detail(const GlobalOptions& options, const std::string& line);

// The run section of a report from the options and the time the command started.
[[nodiscard]] RunInfo make_run_info(const GlobalOptions& options, std::string started_utc, Json resolved_options);

}  // namespace gx::cli
