// gpuxfer report: one self-contained HTML page (inline SVG, no script) from result files; with
// --format table|markdown|csv the same text as `gpuxfer show` instead.
#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/report_load.hpp"
#include "report/fleet_heatmap.hpp"
#include "report/html_report.hpp"

namespace gx::cli {
namespace {

struct ReportOptions {
  std::vector<std::string> inputs;
  std::string title;
  std::string detail = "compact";
};

int run_report(const GlobalOptions& options, const ReportOptions& report, bool detail_given) {
  if (options.format_given) {
    if (options.format == OutputFormat::json) {
      throw UsageError(
          "report writes HTML, or tables with --format table, markdown or csv; --format json does not apply");
    }
    if (!report.title.empty()) throw UsageError("--title names the HTML page; --format prints tables, which have none");
    return render_saved_results(options, report.inputs, report.detail, "report");
  }
  if (detail_given) {
    throw UsageError(
        "--detail chooses what tables show (with --format table, markdown or csv); the HTML page draws "
        "every size");
  }
  if (options.devices_text != "all") {
    throw UsageError("--devices chooses GPUs to run on; report reads files and runs nothing");
  }
  NamedPaths inputs;
  for (const auto& path : report.inputs) inputs.emplace_back("result", path);
  refuse_same_file({{"--output", options.output_path}}, inputs);
  // Each file is read once: a fleet document is drawn as its node x metric heatmap, on a page
  // of its own; result files become the sources of the bench report.
  std::vector<gx::report::ReportSource> sources;
  for (const auto& path : report.inputs) {
    const std::string text = read_file_capped(path);
    const Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (gx::report::is_fleet_document(doc)) {
      if (report.inputs.size() != 1) {
        throw UsageError(
            fmt::format("{} is a fleet document; report draws it on its own, not beside other files", path));
      }
      emit(options, gx::report::render_fleet_heatmap(doc, path, report.title));
      return 0;
    }
    sources.push_back(gx::report::parse_report_source(text, path));
    detail(options, fmt::format("gpuxfer: {}: {} records", path, sources.back().report.records.size()));
  }
  gx::report::disambiguate_labels(sources);
  gx::report::HtmlReportOptions html;
  html.title = report.title;
  emit(options, gx::report::render_html_report(sources, html));
  return 0;
}

}  // namespace

void register_report(CLI::App& app, GlobalOptions& options, int& exit_code) {
  auto report = std::make_shared<ReportOptions>();
  CLI::App* sub = app.add_subcommand(
      "report", "Render result files as one self-contained HTML page (inline SVG charts, no script)");
  sub->add_option("results", report->inputs,
                  "Result JSON files of gpuxfer bench; several are overlaid (one dash style per file); "
                  "or one gpuxfer fleet --format json document, drawn as a node x metric heatmap")
      ->required()
      ->type_name("RESULT.json");
  sub->add_option("--title", report->title, "Page title; default: the file names");
  add_detail_option(*sub, report->detail, "Options");
  sub->footer(
      "Writes HTML to stdout, or atomically to the file given with -o/--output. With --format\n"
      "table, markdown or csv: the tables of gpuxfer show instead (the same rendering).\n"
      "Examples:\n"
      "  gpuxfer report result.json -o report.html\n"
      "  gpuxfer report h200x4.json h200x2.json -o compare.html   # overlaid sweeps\n"
      "  gpuxfer report result.json --title 'node 17 after the BIOS update' > report.html\n"
      "  gpuxfer report result.json --format markdown > result.md     # as gpuxfer show\n"
      "  gpuxfer fleet results/ --format json -o fleet.json && gpuxfer report fleet.json -o fleet.html");
  sub->callback(
      [&options, &exit_code, report, sub] { exit_code = run_report(options, *report, sub->count("--detail") > 0); });
}

}  // namespace gx::cli
