#pragma once
// One run function per suite family (one file each); registry.cpp lists them in one table.
#include "core/bench_model.hpp"
#include "suites/context.hpp"

namespace gx {

[[nodiscard]] Record run_peer(Context& context, const Case& c);
[[nodiscard]] Record run_staged(Context& context, const Case& c);
[[nodiscard]] Record run_host(Context& context, const Case& c);
[[nodiscard]] Record run_async(Context& context, const Case& c);
[[nodiscard]] Record run_latency(Context& context, const Case& c);
[[nodiscard]] Record run_elementwise(Context& context, const Case& c);
[[nodiscard]] Record run_gemm(Context& context, const Case& c);
[[nodiscard]] Record run_overlap(Context& context, const Case& c);

using SuiteRunner = Record (*)(Context&, const Case&);
struct SuiteEntry {
  Suite suite;
  SuiteRunner run;
};
// In the order suites run and print.
[[nodiscard]] const std::vector<SuiteEntry>& suite_registry();

// Buffer slots in Context's pools, named so suites do not collide.
namespace slot {
inline constexpr int send = 0;          // a GPU's source buffer
inline constexpr int receive = 1;       // first destination buffer; receive + k for the k-th peer
inline constexpr int chase = 40;        // pointer-chase chain
inline constexpr int host_send = 0;     // pinned/pageable: host source (per GPU: + 2 * gpu)
inline constexpr int host_receive = 1;  // host destination (per GPU: + 2 * gpu)
inline constexpr int staging = 100;     // staged copies' pinned ring / bounce buffer
}  // namespace slot

}  // namespace gx
