#pragma once
// Transfers between the ranks of `mpirun ... gpuxfer bench` (docs/distributed.md):
// every pair of ranks' GPUs, scheduled by core/cross_plan (serial or round-robin rounds).
//  - ce_write, sm_push: same node, CUDA IPC. The source rank maps the destination rank's buffer
//    and runs the single-process path on it (suites/transfer run_transfer_set): the same copy,
//    the same measure function, the same pattern verification (its GPU reads the mapped
//    destination through P2P).
//  - nccl_send, nccl_bidir: ncclSend / ncclRecv on one world communicator, every pair (on one
//    node, for comparison with IPC, and across nodes). Both ranks time the transfer on their own
//    stream behind their own spin gate; a pairwise MPI exchange releases the gates together and
//    each sample keeps the slower side's time. The receiver verifies the pattern and guards.
// The rank that sends (for bidir: the lower rank) owns the record, with src_rank / dst_rank for
// the merge. MPI carries only control; no GPU data moves through it.
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "core/bench_model.hpp"
#include "core/model.hpp"
#include "core/schedule.hpp"
#include "dist/mpi.hpp"
#include "dist/placement.hpp"
#include "suites/context.hpp"

namespace gx::dist {

struct CrossRankOptions {
  ScheduleKind schedule = ScheduleKind::rounds;
  std::uint64_t bytes = 0;  // per transfer (per direction); the run's headline size
  bool peer = true;         // ce_write, sm_push, nccl_send
  bool async = true;        // nccl_bidir
};

struct MethodTiming {
  Method method = Method::ce_write;
  int rounds = 0;
  int cases = 0;
  double wall_seconds = 0;  // from the first round's start to the last round's end, on rank 0
};

struct CrossRankOutcome {
  std::vector<Record> records;  // the cases this rank owns
  int rounds = 0;
  int cases = 0;
  double wall_seconds = 0;  // rank 0's clock, every round of every method
  std::vector<MethodTiming> methods;
  ExitCode exit = ExitCode::ok;  // device_error, watchdog or interrupted when this phase ended early
  std::string message;
  std::vector<std::string> notes;  // for stderr (rank 0 prints its own)
};

// True when this binary has NCCL (GPUXFER_WITH_NCCL).
[[nodiscard]] bool built_with_nccl() noexcept;

// Collective over `world`; every rank calls it once. `context` is null on a rank that could not
// set up its GPU: it only tells the others, and nobody measures (the lowest ready rank records
// why). `node_system` is the inventory of every GPU the rank sees (its node's, for link classes
// and theoretical rates); `device` the CUDA ordinal the rank drives. `stop_requested` (may be
// null) is polled between rounds; every rank stops at the same round.
[[nodiscard]] CrossRankOutcome run_cross_rank(Context* context, const SystemInfo* node_system, int device,
                                              const Communicator& world, const Placement& me,
                                              const CrossRankOptions& options, const std::atomic<int>* stop_requested);

}  // namespace gx::dist
