// gpuxfer compare: BASE.json against one or more NEW.json reports; never touches CUDA.
#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "core/atomic_file.hpp"
#include "core/compare.hpp"
#include "core/error.hpp"
#include "core/report_load.hpp"

namespace gx::cli {
namespace {

struct CompareCliOptions {
  std::vector<std::string> files;
  std::string tolerance = "5%";
  std::string fail_on = "never";
  std::string suites;
  std::string methods;
  std::string sizes = "all";
  std::string noise_model;
};

// The filters of the command line; a filter that leaves a report without records is an error.
RecordFilter record_filter(const CompareCliOptions& cli) {
  RecordFilter filter = parse_size_selection(cli.sizes);
  if (!cli.suites.empty()) filter.suites = parse_suite_list(cli.suites);
  if (!cli.methods.empty()) filter.methods = parse_method_list(cli.methods);
  return filter;
}

int run_compare(const GlobalOptions& options, const CompareCliOptions& cli) {
  // Flag values first, so a bad flag is reported before any file is read.
  CompareOptions compare;
  compare.tolerance = parse_tolerance(cli.tolerance);
  const FailOn fail_on = parse_fail_on(cli.fail_on);
  const RecordFilter filter = record_filter(cli);
  const bool filtered = !cli.suites.empty() || !cli.methods.empty() || cli.sizes != "all";
  if (cli.noise_model == "none") {
    compare.noise = NoiseModel::none();
  } else if (!cli.noise_model.empty()) {
    compare.noise = NoiseModel::from_file(cli.noise_model);
  }
  if (cli.files.size() < 2) {
    throw UsageError(
        fmt::format("compare needs at least two reports, BASE.json and NEW.json; got {}", cli.files.size()));
  }
  if (options.devices_text != "all") {
    throw UsageError("--devices chooses GPUs to run on; compare reads files and runs nothing");
  }
  NamedPaths inputs;
  for (const auto& path : cli.files) inputs.emplace_back("report", path);
  refuse_same_file({{"--output", options.output_path}}, inputs);
  std::vector<LoadedReport> reports;
  reports.reserve(cli.files.size());
  for (const auto& path : cli.files) {
    reports.push_back(load_report(path));
    if (reports.back().records.empty()) {
      throw InputError(fmt::format("{}: has no benchmark records (a `gpuxfer list` report?)", path));
    }
    if (filtered) {
      reports.back() = filter_report(reports.back(), filter);
      if (reports.back().records.empty()) {
        throw InputError(fmt::format("{}: no record matches --suites '{}' --methods '{}' --sizes '{}'", path,
                                     cli.suites.empty() ? "all" : cli.suites, cli.methods.empty() ? "all" : cli.methods,
                                     cli.sizes));
      }
    }
  }

  std::vector<Comparison> comparisons;
  for (std::size_t i = 1; i < reports.size(); ++i) {
    comparisons.push_back(compare_reports(reports.front(), reports[i], compare));
    const Comparison& c = comparisons.back();
    detail(options,
           fmt::format("gpuxfer: {} vs {}: {} matched, {} only in BASE, {} only in NEW ({})", c.newer.path, c.base.path,
                       c.rows.size(), c.only_in_base.size(), c.only_in_new.size(), to_string(c.matching)));
  }

  if (options.format == OutputFormat::json) {
    emit_json(options, compare_to_json(comparisons, fail_on));
  } else {
    emit(options, render_comparisons(comparisons, options.format, options.color));
  }

  std::size_t failures = 0;
  for (const auto& c : comparisons) {
    const std::size_t n = count_failures(c, fail_on);
    failures += n;
    if (n > 0) {
      inform(options, fmt::format("gpuxfer: {}: {} {} against {} (--fail-on {}, tolerance {:g}%)", c.newer.path, n,
                                  fail_on == FailOn::any ? "slower or missing" : "slower", c.base.path,
                                  to_string(fail_on), compare.tolerance * 100));
    }
  }
  return failures > 0 ? static_cast<int>(ExitCode::check_failed) : 0;
}

}  // namespace

void register_compare(CLI::App& app, GlobalOptions& options, int& exit_code) {
  auto cli = std::make_shared<CompareCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "compare", "Compare benchmark reports: NEW/BASE ratio per match with a confidence interval and a verdict");
  sub->add_option("reports", cli->files,
                  "BASE.json NEW.json [more.json ...]: reports written by `gpuxfer bench --save-json`; "
                  "each NEW is compared with BASE (the first)");
  sub->add_option("--tolerance", cli->tolerance,
                  "A change within +-this is no change: a percentage (5%) or a fraction (0.05)")
      ->capture_default_str();
  sub->add_option("--fail-on", cli->fail_on,
                  "Exit 1 when a match is slower beyond the tolerance (slower), or slower or present in BASE "
                  "but missing or not measured in NEW (any); never: exit 0 whatever the verdicts")
      ->capture_default_str();
  sub->add_option("--suites", cli->suites,
                  "Compare only these suites (comma list: host,gemm,...); default: every suite");
  sub->add_option("--methods", cli->methods,
                  "Compare only these methods (comma list: copy,triad,gemm_bf16,...); default: every method");
  sub->add_option("--sizes", cli->sizes,
                  "headline (each suite's headline size; latency keeps all), all, or a size "
                  "list (4KiB,400MB or 1K:400M:x4)")
      ->capture_default_str();
  sub->add_option("--noise-model", cli->noise_model,
                  "Run-to-run noise model (gpuxfer.noise JSON) instead of the compiled-in one; none: "
                  "within-run intervals only; default: the compiled-in model")
      ->type_name("FILE");
  sub->footer(
      "Ratio NEW/BASE > 1 means NEW is faster (bandwidth: rates; latency: times inverted).\n"
      "Same machine (same GPU UUIDs): records match by exact pair; otherwise by suite, method,\n"
      "direction, link class (NV18, PIX, SYS, PCIe...), endpoint kinds, dtype and size, pooling the\n"
      "records of one key. Interval: 95% bootstrap CI widened by the method's run-to-run spread\n"
      "(learned from A/A runs, docs/compare.md). same: interval within the tolerance; slower/faster:\n"
      "interval beyond 1, reaching past the tolerance, ratio past half of it; noisy: otherwise.\n"
      "Examples:\n"
      "  gpuxfer compare base.json new.json\n"
      "  gpuxfer compare base.json new.json --tolerance 2% --fail-on slower\n"
      "  gpuxfer compare h200x4.json h200x2.json --format markdown > compare.md\n"
      "  gpuxfer compare base.json run1.json run2.json --format json -o compare.json");
  sub->callback([&options, &exit_code, cli] { exit_code = run_compare(options, *cli); });
}

}  // namespace gx::cli
