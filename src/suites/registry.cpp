#include "suites/suites.hpp"

namespace gx {

const std::vector<SuiteEntry>& suite_registry() {
  static const std::vector<SuiteEntry> registry{
      {Suite::peer, run_peer},   {Suite::staged, run_staged},   {Suite::host, run_host},
      {Suite::async, run_async}, {Suite::latency, run_latency}, {Suite::elementwise, run_elementwise},
      {Suite::gemm, run_gemm},   {Suite::overlap, run_overlap},
  };
  return registry;
}

}  // namespace gx
