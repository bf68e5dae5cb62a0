#pragma once
// One registration function per subcommand; each sets `exit_code` when it runs.
#include <string>
#include <string_view>
#include <vector>

#include "cli/context.hpp"

namespace CLI {
class App;
}

namespace gx::cli {

void register_list(CLI::App& app, GlobalOptions& options, int& exit_code);
void register_bench(CLI::App& app, GlobalOptions& options, int& exit_code);
void register_compare(CLI::App& app, GlobalOptions& options, int& exit_code);
void register_check(CLI::App& app, GlobalOptions& options, int& exit_code);
void register_fleet(CLI::App& app, GlobalOptions& options, int& exit_code);
void register_report(CLI::App& app, GlobalOptions& options, int& exit_code);
void register_show(CLI::App& app, GlobalOptions& options, int& exit_code);

// show, and report with --format table|markdown|csv: saved results as text tables (the summary
// first), markdown or CSV on stdout or -o. `command` names the subcommand in error messages.
int render_saved_results(const GlobalOptions& options, const std::vector<std::string>& paths,
                         const std::string& detail_text, std::string_view command);

}  // namespace gx::cli
