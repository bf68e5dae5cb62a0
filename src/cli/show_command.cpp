// gpuxfer show: a saved bench result printed as the tables bench printed when it ran (the
// summary first), or as markdown or CSV. `gpuxfer report --format table|markdown|csv` is the
// same rendering (core/bench_output); both read files only and never touch CUDA.
#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "core/atomic_file.hpp"
#include "core/bench_output.hpp"
#include "core/error.hpp"
#include "core/report_load.hpp"

namespace gx::cli {

int render_saved_results(const GlobalOptions& options, const std::vector<std::string>& paths,
                         const std::string& detail_text, std::string_view command) {
  if (options.format == OutputFormat::json) {
    throw UsageError(
        fmt::format("{} prints tables (--format table, markdown or csv); --format json does not apply: "
                    "the JSON is the file itself",
                    command));
  }
  if (options.devices_text != "all") {
    throw UsageError(fmt::format("--devices chooses GPUs to run on; {} reads files and runs nothing", command));
  }
  BenchRenderOptions render;
  render.format = options.format;
  render.detail = parse_bench_detail(detail_text);
  render.color = options.color;
  render.max_width = options.terminal_columns;
  NamedPaths inputs;
  for (const auto& path : paths) inputs.emplace_back("result", path);
  refuse_same_file({{"--output", options.output_path}}, inputs);
  std::vector<LoadedReport> reports;
  for (const auto& path : paths) {
    const Json doc = parse_json_capped(read_file_capped(path), path);
    if (doc.is_object() && doc.value("schema", "") == "gpuxfer.fleet") {
      throw InputError(
          fmt::format("{}: a fleet document, not a bench result; gpuxfer report draws it as a heatmap", path));
    }
    reports.push_back(parse_report_document(doc, path));
    detail(options, fmt::format("gpuxfer: {}: {} records", path, reports.back().records.size()));
  }
  emit(options, render_saved_reports(reports, render));
  return 0;
}

namespace {

struct ShowOptions {
  std::vector<std::string> inputs;
  std::string detail = "compact";
};

}  // namespace

void register_show(CLI::App& app, GlobalOptions& options, int& exit_code) {
  auto show = std::make_shared<ShowOptions>();
  CLI::App* sub = app.add_subcommand(
      "show", "Print saved bench results as the tables bench printed (summary first), or as markdown or CSV");
  sub->add_option("results", show->inputs,
                  "Result JSON files of gpuxfer bench (--save-json, --format json); several are printed one after "
                  "the other, each under a heading")
      ->required()
      ->type_name("RESULT.json");
  add_detail_option(*sub, show->detail, "Options");
  sub->footer(
      "--format table (default) or markdown: the summary and tables bench prints; csv: one row per\n"
      "record with every statistic (a \"file\" column first when several files are given).\n"
      "Exit: 0 printed; 2 bad flag, or a file unreadable, malformed, not a bench result or of a newer\n"
      "schema major version (one line on stderr names the file and the problem).\n"
      "Examples:\n"
      "  gpuxfer show result.json\n"
      "  gpuxfer show result.json --detail summary\n"
      "  gpuxfer show result.json --detail full --format markdown > result.md\n"
      "  gpuxfer show base.json new.json --format csv -o both.csv");
  sub->callback(
      [&options, &exit_code, show] { exit_code = render_saved_results(options, show->inputs, show->detail, "show"); });
}

}  // namespace gx::cli
