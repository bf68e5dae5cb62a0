#pragma once
// Pair scheduling for multi-GPU and multi-rank runs (docs/distributed.md): which GPU
// pairs are measured together. A round is a set of transfers that run at the same time; rounds
// run one after another. Host-only and deterministic, so every MPI rank computes the same
// schedule from the GPU count alone and no schedule has to be sent around.
//
// GPUs are numbered 0..n-1: global GPU ids in a multi-rank run (core/merge), CUDA ordinals in
// one process.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gx {

// An unordered pair, a < b: both directions of it are measured (one after the other, or at once
// by a bidirectional method).
struct GpuPair {
  int a = 0;
  int b = 0;
  friend bool operator==(const GpuPair& x, const GpuPair& y) { return x.a == y.a && x.b == y.b; }
};

// One direction: src sends to dst.
struct DirectedPair {
  int src = 0;
  int dst = 0;
  friend bool operator==(const DirectedPair& x, const DirectedPair& y) { return x.src == y.src && x.dst == y.dst; }
};

using PairRound = std::vector<GpuPair>;           // disjoint pairs measured at the same time
using TransferRound = std::vector<DirectedPair>;  // transfers measured at the same time

// `serial`: one pair (or one transfer) at a time, as nvbandwidth and the single-process suites
// do: O(n^2) rounds. `rounds`: a round-robin tournament, n/2 disjoint pairs at a time: O(n).
enum class ScheduleKind { serial, rounds };

[[nodiscard]] std::string_view to_string(ScheduleKind kind);
// "serial" or "rounds"; throws UsageError naming the accepted values otherwise.
[[nodiscard]] ScheduleKind parse_schedule_kind(std::string_view text);

// The round-robin tournament by the circle method: GPU n-1 stays put while the others rotate
// one place per round. Even n: n-1 rounds of n/2 pairs. Odd n: a phantom GPU n is added and
// whoever meets it sits the round out (a bye), so n rounds of (n-1)/2 pairs, every GPU idle in
// exactly one. Every unordered pair occurs exactly once; no GPU is in two pairs of a round.
// Pairs of a round are sorted by a. n <= 1: no rounds. Throws UsageError for n < 0.
[[nodiscard]] std::vector<PairRound> round_robin_rounds(int n);

// Every pair alone, in row-major order (0-1, 0-2, ..., 1-2, ...): n(n-1)/2 rounds of one pair.
[[nodiscard]] std::vector<PairRound> serial_pair_rounds(int n);

// Ordered rounds: both directions of every pair, each exactly once, and no GPU in two transfers
// of a round (neither as sender nor as receiver), so a transfer shares neither its source's nor
// its destination's copy engines, SMs or link with another transfer of the round. Each
// round-robin round becomes two sub-rounds: first every pair's a -> b, then every b -> a. A
// round measuring both directions at once is a different measurement (bidirectional, like
// bidir_ce); use round_robin_rounds() and run each pair both ways for that.
// Even n: 2(n-1) rounds of n/2 transfers.
[[nodiscard]] std::vector<TransferRound> round_robin_transfer_rounds(int n);

// Every ordered pair alone, row-major (0->1, 0->2, ..., 1->0, 1->2, ...): the order the
// single-process peer suite plans its cases in. n(n-1) rounds of one transfer.
[[nodiscard]] std::vector<TransferRound> serial_schedule(int n);

// The schedule of that kind: serial_pair_rounds / round_robin_rounds, serial_schedule /
// round_robin_transfer_rounds.
[[nodiscard]] std::vector<PairRound> pair_schedule(int n, ScheduleKind kind);
[[nodiscard]] std::vector<TransferRound> transfer_schedule(int n, ScheduleKind kind);

// What is wrong with a schedule for n GPUs, or nullopt when it is valid: every GPU id within
// 0..n-1; no pair of a GPU with itself; no GPU twice in one round; no empty round; every
// unordered pair (ordered pair, for transfers) exactly once. The first problem found is named
// ("round 3: GPU 2 is in two pairs (0-2, 2-5)").
[[nodiscard]] std::optional<std::string> schedule_problem(int n, const std::vector<PairRound>& rounds);
[[nodiscard]] std::optional<std::string> schedule_problem(int n, const std::vector<TransferRound>& rounds);

// The GPUs of 0..n-1 that take no part in the round (the bye of an odd n), ascending.
[[nodiscard]] std::vector<int> idle_gpus(int n, const PairRound& round);

// One line per schedule, for logs and for comparing the schedules of several ranks:
// "0-3 1-2 | 0-2 1-3 | ..." and "0->1 2->3 | 1->0 3->2 | ...".
[[nodiscard]] std::string format_schedule(const std::vector<PairRound>& rounds);
[[nodiscard]] std::string format_schedule(const std::vector<TransferRound>& rounds);

// Which CUDA device a rank drives: one rank per GPU, the node-local rank picks the device among
// the GPUs the rank can see. `warning` is non-empty when the layout works but hides something
// (each rank sees one GPU, as under Slurm --gpus-per-task=1: P2P and CUDA IPC between the
// ranks' GPUs are then impossible). Throws CannotRunError when the node has more ranks than
// visible GPUs (two ranks would share a GPU and disturb each other's measurements) or none is
// visible, UsageError for a negative or inconsistent local rank.
struct RankDevice {
  int device = 0;       // CUDA ordinal in the rank's process
  std::string warning;  // empty, or why the layout limits what can be measured
};
[[nodiscard]] RankDevice rank_device(int local_rank, int local_size, int visible_gpus);

}  // namespace gx
