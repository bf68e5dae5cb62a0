#pragma once
// The pointer chase of the latency suite (chase_local, chase_peer, chase_host), host side: the
// chain's layout, the random cycle, where each operation starts, and what a record's walk
// covered. Host-only, so every rule here is unit tested without a GPU (docs/method.md,
// "Pointer chase").
//
// The chain is one random cycle through `lines` slots of kChaseStrideBytes; the first word of a
// slot holds the word index of the next slot on the cycle. One operation is one kernel that walks
// kChaseSteps links with one thread. It reads its start from a cursor word in the runner's device
// memory and stores its end there, so every operation, warm-up and sample continues the walk
// where the previous one stopped and keeps touching lines it has not touched for a whole cycle.
// (Until 2026-12 every operation restarted at slot 0 and revisited the same 10,000 slots, which
// then sat in L2: 147 ns per load on H200 whatever the working set.)
#include <cstdint>
#include <vector>

namespace gx {

// Dependent loads per operation: ~3 ms at DRAM latency, long enough to dwarf the launch.
inline constexpr std::uint64_t kChaseSteps = 10000;
// One link per 256 bytes: every load is a new 128-byte L2 line and a new 32-byte sector, and
// consecutive loads land in unrelated DRAM pages.
inline constexpr std::uint64_t kChaseStrideBytes = 256;
inline constexpr std::uint64_t kChaseWordsPerLine = kChaseStrideBytes / 8;
// Before the samples the walk goes once round the whole cycle (at most this many loads), so the
// timed loads find the working set as a steady walk leaves it: none of the lines the upload of the
// chain left in L2, no first-touch TLB misses of a part of the set the walk never reached.
inline constexpr std::uint64_t kChaseWarmLoadsMax = 1ull << 20;

// Slots of a chain over `working_set_bytes` (at least 2: a cycle needs two).
[[nodiscard]] std::uint64_t chase_lines(std::uint64_t working_set_bytes);

// The cycle as a successor table: next[i] is the slot after slot i. One cycle through every
// slot (Sattolo's algorithm), drawn from `seed`; deterministic for a seed.
[[nodiscard]] std::vector<std::uint64_t> chase_cycle(std::uint64_t lines, std::uint64_t seed);

// Writes the chain as the kernel reads it into `words` (lines * kChaseWordsPerLine words): the
// first word of slot i holds next[i] * kChaseWordsPerLine, every other word 0.
void write_chase_chain(const std::vector<std::uint64_t>& next, std::uint64_t* words);

// The slot reached after `steps` links from slot `start` (the host's reference walk).
[[nodiscard]] std::uint64_t chase_walk(const std::vector<std::uint64_t>& next, std::uint64_t start,
                                       std::uint64_t steps);

// Operations walked before the samples: enough for one whole cycle, at most kChaseWarmLoadsMax
// loads; at least 1.
[[nodiscard]] std::uint64_t chase_warm_ops(std::uint64_t lines, std::uint64_t steps_per_op);

// What one record's walk covered (report schema 1.7, records[].chase).
struct ChaseWalk {
  std::uint64_t stride_bytes = kChaseStrideBytes;
  std::uint64_t lines = 0;                 // slots of the cycle (the working set / the stride)
  std::uint64_t steps_per_op = 0;          // links one operation walks
  std::uint64_t loads_before_samples = 0;  // verification, the pass round the cycle, warm-up, ops estimate
  std::uint64_t loads_timed = 0;           // samples x ops per sample x steps per op

  // Distinct slots the timed loads touched: all of them are distinct until the walk wraps.
  [[nodiscard]] std::uint64_t distinct_lines_timed() const { return loads_timed < lines ? loads_timed : lines; }
  // How often the timed walk went round the cycle (fractional).
  [[nodiscard]] double passes_timed() const {
    return lines == 0 ? 0.0 : static_cast<double>(loads_timed) / static_cast<double>(lines);
  }
  friend bool operator==(const ChaseWalk& a, const ChaseWalk& b) {
    return a.stride_bytes == b.stride_bytes && a.lines == b.lines && a.steps_per_op == b.steps_per_op &&
           a.loads_before_samples == b.loads_before_samples && a.loads_timed == b.loads_timed;
  }
};

// The host's mirror of the device cursor: operations are counted as they are enqueued (cheap, so
// counting inside a sample's enqueue loop costs nothing) and the reference walk catches up only
// when asked where the cursor is.
class ChaseCursor {
 public:
  ChaseCursor(const std::vector<std::uint64_t>& next, std::uint64_t steps_per_op) : next_(next), steps_(steps_per_op) {}
  // One operation enqueued (steps_per_op links from where the previous one stopped).
  void advance() { ++ops_; }
  [[nodiscard]] std::uint64_t ops() const { return ops_; }
  [[nodiscard]] std::uint64_t loads() const { return ops_ * steps_; }
  // The slot the next operation starts at: where the walk from slot 0 is after loads().
  [[nodiscard]] std::uint64_t slot();
  // The same as the word index the device cursor holds.
  [[nodiscard]] std::uint64_t word() { return slot() * kChaseWordsPerLine; }

 private:
  const std::vector<std::uint64_t>& next_;
  std::uint64_t steps_;
  std::uint64_t ops_ = 0;
  std::uint64_t walked_ops_ = 0;  // ops the reference walk has followed
  std::uint64_t slot_ = 0;
};

}  // namespace gx
