// gpuxfer fleet: many nodes' result files -> the GPUs, links and nodes that stand out from
// their fleet (docs/fleet.md). Never touches CUDA.
// Exit 0: every node judged ok; 1: an outlier or failed node, or an unreadable file (the fleet
// is incomplete); 2: bad flags, no readable result at all, or groups mixed without --mix-groups.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <thread>

#include "cli/commands.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/fleet.hpp"
#include "core/fleet_output.hpp"

namespace gx::cli {
namespace {

struct FleetCliOptions {
  std::vector<std::string> inputs;
  std::string threshold = "5%";
  std::string mad_k = "4";
  bool mix_groups = false;
  std::string junit;
  std::string prom;
  std::string threads = "auto";
};

double parse_threshold(const std::string& text) {
  const auto bad = [&](std::string_view why) {
    return UsageError(
        fmt::format("invalid --threshold '{}': {}; write a percentage (5%) or a fraction (0.05)", text, why));
  };
  std::string s = text;
  const bool percent = !s.empty() && s.back() == '%';
  if (percent) s.pop_back();
  if (s.empty() || s.find_first_not_of("0123456789.") != std::string::npos) {
    throw bad(!s.empty() && s.front() == '-' ? "negative" : "not a number");
  }
  char* end = nullptr;
  const double value = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(value)) throw bad("not a number");
  const double fraction = percent ? value / 100 : value;
  if (!percent && value >= 1) throw bad("a fraction must be below 1 (did you mean " + s + "%?)");
  if (!(fraction > 0) || fraction >= 1) throw bad("must be above 0 and below 100%");
  return fraction;
}

double parse_mad_k(const std::string& text) {
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || text.find_first_not_of("0123456789.") != std::string::npos || end != text.c_str() + text.size() ||
      !std::isfinite(value) || !(value > 0) || value > 100) {
    throw UsageError(fmt::format("invalid --mad-k '{}': give a number above 0 and at most 100 (default 4)", text));
  }
  return value;
}

unsigned parse_threads(const std::string& text) {
  if (text == "auto") return std::max(2u, std::thread::hardware_concurrency());
  if (text.empty() || text.size() > 3 || text.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(text) < 1 || std::stoi(text) > 256) {
    throw UsageError(fmt::format("invalid --threads '{}': give auto or a count from 1 to 256", text));
  }
  return static_cast<unsigned>(std::stoi(text));
}

int run_fleet(const GlobalOptions& options, const FleetCliOptions& cli) {
  FleetSettings settings;
  settings.threshold = parse_threshold(cli.threshold);
  settings.mad_k = parse_mad_k(cli.mad_k);
  settings.mix_groups = cli.mix_groups;
  const unsigned threads = parse_threads(cli.threads);
  if (cli.inputs.empty()) throw UsageError("fleet needs result files or folders of them (FILE|DIR ...)");
  if (options.devices_text != "all") {
    throw UsageError("--devices chooses GPUs to run on; fleet reads files and runs nothing");
  }
  NamedPaths inputs;
  for (const auto& path : cli.inputs) inputs.emplace_back("input", path);
  refuse_same_file({{"--output", options.output_path}, {"--junit", cli.junit}, {"--prom", cli.prom}}, inputs);
  for (const std::string* path : {&cli.junit, &cli.prom}) {
    if (!path->empty()) ensure_writable(*path);
  }

  const std::vector<std::string> files = fleet_files(cli.inputs);
  if (files.empty()) {
    throw InputError(fmt::format("no result files (*.json) in {}", fmt::join(cli.inputs, ", ")));
  }
  FleetInput input = load_fleet(files, threads);
  detail(options, fmt::format("gpuxfer: fleet: {} files read on {} threads, {} nodes, {} unreadable", files.size(),
                              threads, input.nodes.size(), input.unreadable.size()));
  if (input.nodes.empty()) {
    const FleetUnreadable& first = input.unreadable.front();
    throw InputError(fmt::format("no readable gpuxfer result among {} file{} (first: {}: {})", files.size(),
                                 files.size() == 1 ? "" : "s", first.path, first.reason));
  }
  const FleetResult result = judge_fleet(std::move(input), settings);

  switch (options.format) {
    case OutputFormat::json: emit_json(options, fleet_json(result)); break;
    case OutputFormat::csv: emit(options, fleet_csv(result)); break;
    case OutputFormat::markdown: emit(options, fleet_markdown(result)); break;
    default: emit(options, fleet_text(result)); break;
  }
  if (!cli.junit.empty()) {
    write_file_atomically(cli.junit, fleet_junit(result));
    inform(options, fmt::format("gpuxfer: wrote {}", cli.junit));
  }
  if (!cli.prom.empty()) {
    write_file_atomically(cli.prom, fleet_prometheus(result));
    inform(options, fmt::format("gpuxfer: wrote {}", cli.prom));
  }
  const FleetCounts counts = count_nodes(result);
  if (options.format != OutputFormat::table) inform(options, fleet_summary_line(result));
  return counts.outlier + counts.failed > 0 || fleet_incomplete(result) ? static_cast<int>(ExitCode::check_failed) : 0;
}

}  // namespace

void register_fleet(CLI::App& app, GlobalOptions& options, int& exit_code) {
  auto cli = std::make_shared<FleetCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "fleet", "Judge many nodes' results against each other: the GPUs, links and nodes that stand out");
  sub->add_option("inputs", cli->inputs,
                  "Result JSON files of gpuxfer bench, and folders searched recursively for *.json")
      ->type_name("FILE|DIR");
  sub->add_option("--threshold", cli->threshold,
                  "An outlier is at least this much worse than the fleet median: a percentage (5%) or a fraction "
                  "(0.05)")
      ->capture_default_str();
  sub->add_option("--mad-k", cli->mad_k,
                  "... and beyond this many robust standard deviations (1.4826 x MAD) of the fleet")
      ->capture_default_str();
  sub->add_flag("--mix-groups", cli->mix_groups,
                "Judge nodes of different GPU models, GPU counts or link topologies, each group on its own "
                "(default: refuse a mixed fleet)");
  sub->add_option("--junit", cli->junit, "Also write JUnit XML: one testcase per node, failure for outlier/failed")
      ->type_name("FILE");
  sub->add_option("--prom", cli->prom, "Also write a Prometheus textfile (gpuxfer_fleet_outlier{host,gpu,metric}, ...)")
      ->type_name("FILE");
  sub->add_option("--threads", cli->threads, "Files parsed at once: auto (the cores, at least 2) or a count")
      ->capture_default_str();
  sub->footer(
      "Exit 0: every node ok; 1: an outlier or failed node, or an unreadable file (the fleet is\n"
      "incomplete: said on the summary line); 2: bad flags, no readable result, or a mixed fleet\n"
      "without --mix-groups. Duplicate hosts: the newest run is judged, the others listed.\n"
      "Examples:\n"
      "  gpuxfer fleet results/\n"
      "  gpuxfer fleet node*.json --threshold 3% --junit fleet.xml --prom fleet.prom\n"
      "  gpuxfer fleet results/ --format json -o fleet.json && gpuxfer report fleet.json -o fleet.html");
  sub->callback([&options, &exit_code, cli] { exit_code = run_fleet(options, *cli); });
}

}  // namespace gx::cli
