#pragma once
// Which transfers between ranks a multi-rank run measures, in which rounds
// (docs/distributed.md). Host-only and deterministic: every rank computes the same plan from the
// same facts (every rank's node and GPU, the suites, the schedule), so ranks agree on who sends
// to whom in each round without sending the plan around.
//
// One GPU per rank, so a rank's global GPU id is its rank (core/merge numbers GPUs rank-major).
#include <cstdint>
#include <string>
#include <vector>

#include "core/bench_model.hpp"
#include "core/schedule.hpp"

namespace gx {

// Where a rank runs: its node (dist::Placement::node) and its CUDA ordinal there.
struct RankEndpoint {
  int rank = 0;
  int node = 0;
  int device = 0;
};

// How the bytes of a cross-rank case move.
enum class CrossTransport {
  ipc,   // CUDA IPC: the source rank copies into the destination's buffer (same node only)
  nccl,  // ncclSend / ncclRecv, within a node or across nodes
};

// One transfer (or one bidirectional pair) of a round.
struct CrossCase {
  Method method = Method::ce_write;  // ce_write, sm_push (IPC); nccl_send, nccl_bidir (NCCL)
  CrossTransport transport = CrossTransport::ipc;
  int src_rank = 0;  // nccl_bidir: the lower rank of the pair
  int dst_rank = 0;
  bool same_node = true;
  std::uint32_t seed = 0;  // of the source's verification pattern (and of dst's, bidir: seed + 1)
};

// Cases that run at the same time; rounds run one after another, separated by barriers.
struct CrossRound {
  Method method = Method::ce_write;
  int index = 0;  // within this method's rounds, from 0
  int of = 0;     // how many rounds this method has
  std::vector<CrossCase> cases;
};

struct CrossPlanOptions {
  ScheduleKind schedule = ScheduleKind::rounds;
  // Which methods: ce_write and sm_push need `peer` in the suites, nccl_send too; nccl_bidir
  // needs `async`. NCCL methods only when the binary has NCCL.
  bool peer = true;
  bool async = true;
  bool with_nccl = true;
  std::uint32_t seed = 0x6a09e667u;
};

// Methods in order ce_write, sm_push (same-node pairs only: CUDA IPC), nccl_send (every ordered
// pair), nccl_bidir (every unordered pair, both ways at once). Each method's transfers follow
// the schedule (core/schedule transfer_schedule / pair_schedule over the ranks), with
// cross-node transfers removed from IPC rounds and rounds left empty dropped. Seeds differ per
// case. Throws UsageError when ranks are not numbered 0..n-1 in order, or a rank's node or
// device is negative.
[[nodiscard]] std::vector<CrossRound> plan_cross_rank(const std::vector<RankEndpoint>& ranks,
                                                      const CrossPlanOptions& options);

// The case of `rank` in `round`: the index of the case it sends or receives in, or -1 when it
// sits the round out.
[[nodiscard]] int case_of_rank(const CrossRound& round, int rank);

// What the rounds of one method look like, for logs: "nccl_send: 12 cases in 6 rounds of up to 2 at once".
[[nodiscard]] std::string describe_rounds(const std::vector<CrossRound>& rounds, Method method);

}  // namespace gx
