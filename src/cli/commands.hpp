#pragma once
// One registration function per subcommand; each sets `exit_code` when it runs.
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

}  // namespace gx::cli
