// gpuxfer check: judge a RESULT file, or a bench run made on the spot, against acceptance rules
// (defaults from the topology, plus an expectations file) and give PASS / WARN / FAIL per finding.
// Exit 0 when nothing FAILs (warnings allowed), 1 when something does.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "cli/bench_run.hpp"
#include "cli/commands.hpp"
#include "core/atomic_file.hpp"
#include "core/check.hpp"
#include "core/check_output.hpp"
#include "core/error.hpp"
#include "core/expectations.hpp"
#include "core/host.hpp"
#include "core/metrics_output.hpp"
#include "core/report_load.hpp"

namespace gx::cli {
namespace {

struct CheckCliOptions {
  std::string result;
  std::string expect;
  bool quick = false;
  bool full = false;
  bool strict_pcie = false;
  std::string emit_expect;
  std::string margin = "auto";
  bool margin_given = false;
  std::string junit;
  std::string prom;
  std::string save_json;
};

// The headline ce_write / ce_read cases of one ordered pair, as planned.
std::vector<Case> peer_cases_of(const std::vector<Case>& cases, int src, int dst) {
  std::vector<Case> out;
  for (const auto& c : cases) {
    if (c.suite == Suite::peer && (c.method == Method::ce_write || c.method == Method::ce_read) && c.src == src &&
        c.dst == dst && c.headline && c.skip_reason.empty()) {
      out.push_back(c);
    }
  }
  return out;
}

// --junit and --prom when no bench could run: one <error> testcase; gpuxfer_up 0.
void write_could_not_run(const CheckCliOptions& o, int exit_code, const std::string& why, const std::string& started) {
  SystemInfo node;
  node.hostname = host_name();
  if (!o.junit.empty()) {
    JunitRun junit;
    junit.timestamp = started;
    junit.run_error = why;
    junit.run_error_type = fmt::format("exit {}", exit_code);
    write_file_atomically(o.junit, junit_xml({}, {}, node, junit));
  }
  if (!o.prom.empty()) {
    MetricsRun metrics;
    metrics.host = node.hostname;
    metrics.up = false;
    metrics.exit_code = exit_code;
    metrics.started_unix_s = parse_utc_iso8601(started);
    write_file_atomically(o.prom, prometheus_down_text(metrics));
  }
}

int run_check_command(GlobalOptions& options, const CheckCliOptions& o) {
  const std::string started = utc_now_iso8601();
  const bool from_file = !o.result.empty();
  // Everything is validated before a file is judged or a GPU touched.
  if (o.quick && o.full) throw UsageError("--quick and --full cannot be used together");
  if (from_file && (o.quick || o.full)) {
    throw UsageError(fmt::format("{} chooses the bench run check makes; it does not apply to RESULT file {}",
                                 o.quick ? "--quick" : "--full", o.result));
  }
  if (from_file && options.devices_text != "all") {
    throw UsageError(fmt::format(
        "--devices chooses the GPUs check runs the bench on; it does not apply to RESULT file {}", o.result));
  }
  if (from_file && !o.save_json.empty()) {
    throw UsageError(
        fmt::format("--save-json saves the bench run check makes; it does not apply to RESULT file {}", o.result));
  }
  if (o.margin_given && o.emit_expect.empty()) throw UsageError("--margin applies only with --emit-expect FILE");
  const std::optional<double> margin =
      o.margin == "auto" ? std::nullopt : std::optional<double>(parse_margin(o.margin));
  refuse_same_file({{"--output", options.output_path},
                    {"--emit-expect", o.emit_expect},
                    {"--junit", o.junit},
                    {"--prom", o.prom},
                    {"--save-json", o.save_json}},
                   {{"RESULT", o.result}, {"--expect", o.expect}});
  for (const std::string* path : {&o.emit_expect, &o.junit, &o.prom, &o.save_json}) {
    if (!path->empty()) ensure_writable(*path);
  }
  Expectations expectations;
  if (!o.expect.empty()) expectations = load_expectations(o.expect);

  CheckSettings settings;
  settings.strict_pcie = o.strict_pcie;
  SystemInfo system;
  CheckResult result;
  Json source;
  ExitCode bench_exit = ExitCode::ok;
  std::string bench_message;
  std::string run_started = started;  // of the bench judged
  std::string run_finished;
  int file_ended_early = 0;
  if (from_file) {
    LoadedReport report = load_report(o.result);
    const Json& run_options = report.run.options;
    if (run_options.is_object() && run_options.contains("enable_peer_access") &&
        run_options["enable_peer_access"].is_boolean()) {
      settings.peer_enable_attempted = run_options["enable_peer_access"].get<bool>();
    }
    system = std::move(report.system);
    result = run_check(system, report.records, expectations, settings);
    source = Json{{"result", o.result}, {"started_utc", report.run.started_utc}, {"hostname", report.run.hostname}};
    run_started = report.run.started_utc;
    run_finished = report.run.finished_utc;
    if (report.ended_early_exit_code != 0) {
      bench_message = report.ended_early_reason;
      // A judged file's early end is reported in the outputs, not as this command's exit code.
      file_ended_early = report.ended_early_exit_code;
    }
  } else {
    BenchCliOptions bench;
    bench.quick = !o.full;
    detail(options, fmt::format("gpuxfer: check: running bench{} on the selected GPUs", bench.quick ? " --quick" : ""));
    BenchRun run;
    try {
      run = run_bench_cases(options, bench, [&](BenchRun& r, const RerunFn& rerun) {
        RemeasureFn remeasure;
        if (r.exit == ExitCode::ok) {
          remeasure = [&](int src, int dst) {
            const std::vector<Case> again = peer_cases_of(r.cases, src, dst);
            inform(options, fmt::format("gpuxfer: check: {}->{} is an outlier of its link class; re-measuring it once",
                                        src, dst));
            return again.empty() ? std::vector<Record>{} : rerun(again);
          };
        }
        result = run_check(r.system, r.records, expectations, settings, remeasure);
      });
    } catch (const Error& e) {
      // No bench could run (no driver, no GPU) or it broke before any record: the outputs a
      // collector or CI reads say so, instead of keeping the last good run's numbers.
      if (e.exit_code() != ExitCode::usage) write_could_not_run(o, static_cast<int>(e.exit_code()), e.what(), started);
      throw;
    }
    system = run.system;
    bench_exit = run.exit;
    bench_message = run.message;
    if (!o.save_json.empty()) {
      write_file_atomically(o.save_json, run.report.dump(2) + "\n");
      inform(options, fmt::format("gpuxfer: wrote {}", o.save_json));
    }
    source = Json{{"bench", bench.quick ? "--quick" : "--full"},
                  {"started_utc", run.report.at("run").value("started_utc", std::string())},
                  {"hostname", run.report.at("run").value("hostname", std::string())}};
    run_started = run.report.at("run").value("started_utc", started);
    run_finished = run.report.at("run").value("finished_utc", std::string());
  }

  const std::vector<Finding>& findings = result.findings;
  const CheckCounts counts = count_findings(findings);
  const std::string summary = check_summary_line(findings, system);
  if (!o.emit_expect.empty()) {
    const Json doc = emit_expectations(result.records, margin, source);
    write_file_atomically(o.emit_expect, doc.dump(2) + "\n");
    inform(options,
           fmt::format("gpuxfer: wrote {} ({} rules, margin {})", o.emit_expect, doc["rules"].size(), o.margin));
    if (counts.fail > 0) {
      inform(options,
             fmt::format("gpuxfer: warning: {} has {} FAIL finding(s); expectations drawn from it may be too lax",
                         from_file ? o.result : "this run", counts.fail));
    }
  }
  const int run_exit = bench_exit != ExitCode::ok ? static_cast<int>(bench_exit) : file_ended_early;
  if (!o.junit.empty()) {
    JunitRun junit;
    junit.timestamp = run_started;
    const auto begin = parse_utc_iso8601(run_started);
    const auto end = parse_utc_iso8601(run_finished);
    if (begin && end && *end >= *begin) junit.duration_s = *end - *begin;
    if (run_exit != 0) {
      junit.run_error = bench_message.empty() ? "the bench ended early" : bench_message;
      junit.run_error_type = fmt::format("exit {}", run_exit);
    }
    write_file_atomically(o.junit, junit_xml(findings, result.records, system, junit));
    inform(options, fmt::format("gpuxfer: wrote {}", o.junit));
  }
  if (!o.prom.empty()) {
    MetricsRun metrics;
    metrics.host = system.hostname;
    metrics.up = run_exit == 0;
    metrics.exit_code = run_exit != 0 ? run_exit : (counts.fail > 0 ? static_cast<int>(ExitCode::check_failed) : 0);
    metrics.started_unix_s = parse_utc_iso8601(run_started);
    write_file_atomically(o.prom, prometheus_text(findings, result.records, system, metrics));
    inform(options, fmt::format("gpuxfer: wrote {}", o.prom));
  }
  const Table table = findings_table(findings);
  switch (options.format) {
    case OutputFormat::json:
      emit_json(options, findings_json(findings, system, source));
      inform(options, summary);
      break;
    case OutputFormat::csv:
      emit(options, render_csv(table));
      inform(options, summary);
      break;
    case OutputFormat::markdown: emit(options, render_markdown(table) + "\n" + summary + "\n"); break;
    default: emit(options, render_text(table, options.color) + "\n" + summary + "\n"); break;
  }
  if (bench_exit != ExitCode::ok) {
    std::fprintf(stderr, "gpuxfer: error: %s; the findings cover what was measured\n", bench_message.c_str());
    return static_cast<int>(bench_exit);
  }
  return counts.fail > 0 ? static_cast<int>(ExitCode::check_failed) : 0;
}

}  // namespace

void register_check(CLI::App& app, GlobalOptions& options, int& exit_code) {
  auto o = std::make_shared<CheckCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "check", "Acceptance check: judge a RESULT file, or run the bench, against rules; PASS / WARN / FAIL");
  sub->add_option("RESULT", o->result,
                  "A gpuxfer bench (or list) JSON report to judge; without it check runs the bench itself")
      ->type_name("FILE");
  sub->add_option("--expect", o->expect, "Expectations file (gpuxfer.expect JSON) overriding or adding minimums")
      ->type_name("FILE");
  auto* quick = sub->add_flag("--quick", o->quick, "Run bench --quick (the default when no RESULT is given)");
  auto* full = sub->add_flag("--full", o->full, "Run the full default bench instead of --quick");
  quick->excludes(full);
  full->excludes(quick);
  sub->add_flag("--strict-pcie", o->strict_pcie,
                "A PCIe link below its max gen/width is a FAIL, not a WARN (links downtrain at idle)");
  sub->add_option("--emit-expect", o->emit_expect, "Write an expectations file from this (known-good) run, atomically")
      ->type_name("FILE");
  CLI::Option* margin =
      sub->add_option("--margin", o->margin,
                      "With --emit-expect: headroom: min x (1 - m), latency max x (1 + m); auto: per rule the "
                      "method's run-to-run spread + the run's cv; or a fixed percentage such as 10%");
  margin->type_name("PCT")->capture_default_str();
  sub->add_option("--junit", o->junit,
                  "Also write the findings as JUnit XML to FILE (one testcase per finding, WARN as skipped)")
      ->type_name("FILE");
  sub->add_option("--prom", o->prom,
                  "Also write a Prometheus node-exporter textfile (figures, findings, gpuxfer_up) to FILE")
      ->type_name("FILE");
  sub->add_option("--save-json", o->save_json, "When check runs the bench: also write its JSON report to FILE")
      ->type_name("FILE");
  sub->footer(
      "Default rules (no file needed): every NVLink up; PCIe at max gen/width (WARN, or FAIL with\n"
      "--strict-pcie); P2P enabled wherever can-access-peer; no record failed/error/timeout, all verified;\n"
      "per ordered pair the best of ce_write/ce_read at the headline size >= 75% of theoretical, and\n"
      "neither ce_write nor ce_read >= 5% below its median over the pairs of the same link class\n"
      "(re-measured once before failing when check runs the bench);\n"
      "h2d/d2h pinned >= 80% of the PCIe rate.\n"
      "Expectation rules select records by suite, method, link_class, src/dst/gpu, bytes, with one of\n"
      "min_gbps, max_us, min_tflops. Precedence per record: pair > link class > method > suite >\n"
      "topology default (the later rule wins a tie). A rule that selects no record is a FAIL.\n"
      "Exit: 0 no FAIL (warnings allowed), 1 a FAIL, 2 bad flag or input file, 3 no GPU to run on.\n"
      "Examples:\n"
      "  gpuxfer check                                  # bench --quick on every GPU, then judge\n"
      "  gpuxfer check result.json --expect node.expect.json --junit check.xml\n"
      "  gpuxfer check good.json --emit-expect node.expect.json --margin 5%\n"
      "  gpuxfer check --full --prom /var/lib/node_exporter/gpuxfer.prom");
  sub->callback([&options, &exit_code, o, margin] {
    o->margin_given = margin->count() > 0;
    exit_code = run_check_command(options, *o);
  });
}

}  // namespace gx::cli
