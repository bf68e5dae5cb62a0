#include "suites/suites.hpp"

namespace gx {

const std::vector<SuiteEntry>& suite_registry() {
  static const std::vector<SuiteEntry> registry{
      {Suite::peer, run_peer},   {Suite::staged, run_staged},   {Suite::host, run_host},
      {Suite::async, run_async}, {Suite::latency, run_latency},
  };
  return registry;
}

}  // namespace gx
