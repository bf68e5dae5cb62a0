// gpuxfer entry point: parses the command line, runs one subcommand, and is the only place that
// turns errors into messages and exit codes (docs/failure.md).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "cli/commands.hpp"
#include "cli/version.hpp"
#include "core/build_info.hpp"
#include "core/error.hpp"

namespace {

// Error messages quote user input; a newline or other control character in a value must not
// turn the one-line error into several (scripts read exactly one line).
std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;
    }
  }
  return out;
}

// An option given with an empty value ("--sizes ''", "-o ''") is a mistake, not "not given".
void refuse_empty_values(const CLI::App& app) {
  std::vector<const CLI::App*> apps{&app};
  for (const CLI::App* sub : app.get_subcommands()) apps.push_back(sub);
  for (const CLI::App* a : apps) {
    for (const CLI::Option* opt : a->get_options()) {
      if (opt->count() == 0 || opt->get_type_size() == 0) continue;  // not given, or a flag
      for (const std::string& value : opt->results()) {
        if (value.empty()) {
          throw gx::UsageError(
              fmt::format("empty value for {}: give a value or leave the option out", opt->get_name()));
        }
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  gx::cli::GlobalOptions options;
  options.argv.assign(argv, argv + argc);
  int exit_code = 0;
  bool show_version = false;

  CLI::App app{"gpuxfer: how fast data moves between GPUs, and how fast each GPU computes."};
  app.name("gpuxfer");
  app.fallthrough();  // global options may follow the subcommand: gpuxfer list --format json
  app.require_subcommand(0, 1);
  app.add_flag("-V,--version", show_version,
               "Tool version, git sha and whether tracked files had uncommitted changes, build type, "
               "compiler, CUDA build version; driver versions found. --format text (default) or json");
  gx::cli::install_help_formatter(app);
  gx::cli::add_global_options(app, options);
  app.footer(
      "Exit codes: 0 ok, 1 check failed / regression, 2 usage or input error, 3 cannot run\n"
      "(no driver, no GPU, too few GPUs), 4 CUDA error, 5 watchdog, 130/143 interrupted.\n"
      "Examples:\n"
      "  gpuxfer list\n"
      "  gpuxfer bench --quick\n"
      "  gpuxfer compare base.json new.json --fail-on slower\n"
      "  gpuxfer check --quick --junit check.xml\n"
      "  gpuxfer fleet results/ --junit fleet.xml\n"
      "  gpuxfer show result.json --detail summary\n"
      "  gpuxfer report result.json -o report.html\n"
      "  gpuxfer list --format json --output system.json");
  gx::cli::register_list(app, options, exit_code);
  gx::cli::register_bench(app, options, exit_code);
  gx::cli::register_compare(app, options, exit_code);
  gx::cli::register_check(app, options, exit_code);
  gx::cli::register_fleet(app, options, exit_code);
  gx::cli::register_report(app, options, exit_code);
  gx::cli::register_show(app, options, exit_code);
  // Global options are validated before any subcommand callback runs.
  // --version takes only --format (text or json); the other global options do not apply to it.
  gx::cli::VersionFormat version_format = gx::cli::VersionFormat::text;
  app.parse_complete_callback([&options, &app, &version_format] {
    refuse_empty_values(app);
    if (app.count("--version") > 0) {
      version_format = gx::cli::parse_version_format(options.format_text);
      return;
    }
    options.format_given = app.count("--format") > 0;
    gx::cli::resolve_global_options(options);
  });

  try {
    app.parse(argc, argv);
    if (show_version) {
      const std::string text = version_format == gx::cli::VersionFormat::json ? gx::cli::version_json().dump(2) + "\n"
                                                                              : gx::cli::version_text();
      std::fputs(text.c_str(), stdout);
      return 0;
    }
    if (app.get_subcommands().empty()) {
      throw gx::UsageError(
          "a subcommand is required: list, bench, compare, check, fleet, report or show (see gpuxfer --help)");
    }
    return exit_code;
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "gpuxfer: error: %s (see gpuxfer --help)\n", printable(e.what()).c_str());
    return static_cast<int>(gx::ExitCode::usage);
  } catch (const gx::Error& e) {
    std::fprintf(stderr, "gpuxfer: error: %s\n", printable(e.what()).c_str());
    const int code = static_cast<int>(e.exit_code());
    // The JSON error document is for commands whose output is JSON; report writes HTML or
    // tables, show tables.
    const std::string sub = app.get_subcommands().empty() ? "" : app.get_subcommands().front()->get_name();
    if (options.format == gx::OutputFormat::json && sub != "report" && sub != "show") {
      std::fputs((gx::error_document(e.what(), code, gx::error_kind_name(e.exit_code())).dump(2) + "\n").c_str(),
                 stdout);
    }
    return code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gpuxfer: internal error: %s\n", printable(e.what()).c_str());
    return static_cast<int>(gx::ExitCode::device_error);
  }
}
