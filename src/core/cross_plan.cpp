#include "core/cross_plan.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"

namespace gx {
namespace {

void check_ranks(const std::vector<RankEndpoint>& ranks) {
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    const RankEndpoint& r = ranks[i];
    if (r.rank != static_cast<int>(i)) {
      throw UsageError(fmt::format("cross-rank plan: entry {} is rank {}; ranks must be 0..n-1 in order", i, r.rank));
    }
    if (r.node < 0 || r.device < 0) {
      throw UsageError(fmt::format("cross-rank plan: rank {} has node {} and device {}; both must be >= 0", r.rank,
                                   r.node, r.device));
    }
  }
}

// Distinct per (method, round, case): stale data of an earlier case never passes verification.
std::uint32_t case_seed(std::uint32_t base, Method method, int round, int index) {
  std::uint32_t x = base ^ (0x9e3779b9u * (static_cast<std::uint32_t>(method) + 1));
  x += 0x85ebca6bu * static_cast<std::uint32_t>(round + 1);
  x ^= 0xc2b2ae35u * static_cast<std::uint32_t>(index + 1);
  return x == 0 ? 1 : x;
}

void add_directed(std::vector<CrossRound>& out, const std::vector<RankEndpoint>& ranks, Method method,
                  CrossTransport transport, const std::vector<TransferRound>& schedule, std::uint32_t seed) {
  std::vector<CrossRound> rounds;
  for (const TransferRound& transfers : schedule) {
    CrossRound round;
    round.method = method;
    for (const DirectedPair& t : transfers) {
      const bool same_node = ranks[static_cast<std::size_t>(t.src)].node == ranks[static_cast<std::size_t>(t.dst)].node;
      if (transport == CrossTransport::ipc && !same_node) continue;  // IPC handles work within one host
      CrossCase c;
      c.method = method;
      c.transport = transport;
      c.src_rank = t.src;
      c.dst_rank = t.dst;
      c.same_node = same_node;
      round.cases.push_back(c);
    }
    if (!round.cases.empty()) rounds.push_back(std::move(round));
  }
  for (std::size_t i = 0; i < rounds.size(); ++i) {
    rounds[i].index = static_cast<int>(i);
    rounds[i].of = static_cast<int>(rounds.size());
    for (std::size_t k = 0; k < rounds[i].cases.size(); ++k) {
      rounds[i].cases[k].seed = case_seed(seed, method, static_cast<int>(i), static_cast<int>(k));
    }
    out.push_back(std::move(rounds[i]));
  }
}

void add_pairs(std::vector<CrossRound>& out, const std::vector<RankEndpoint>& ranks, Method method,
               const std::vector<PairRound>& schedule, std::uint32_t seed) {
  const int of = static_cast<int>(schedule.size());
  for (std::size_t i = 0; i < schedule.size(); ++i) {
    CrossRound round;
    round.method = method;
    round.index = static_cast<int>(i);
    round.of = of;
    for (std::size_t k = 0; k < schedule[i].size(); ++k) {
      const GpuPair& p = schedule[i][k];
      CrossCase c;
      c.method = method;
      c.transport = CrossTransport::nccl;
      c.src_rank = p.a;
      c.dst_rank = p.b;
      c.same_node = ranks[static_cast<std::size_t>(p.a)].node == ranks[static_cast<std::size_t>(p.b)].node;
      c.seed = case_seed(seed, method, static_cast<int>(i), static_cast<int>(k));
      round.cases.push_back(c);
    }
    out.push_back(std::move(round));
  }
}

}  // namespace

std::vector<CrossRound> plan_cross_rank(const std::vector<RankEndpoint>& ranks, const CrossPlanOptions& options) {
  check_ranks(ranks);
  std::vector<CrossRound> out;
  const int n = static_cast<int>(ranks.size());
  if (n < 2) return out;
  const std::vector<TransferRound> transfers = transfer_schedule(n, options.schedule);
  if (options.peer) {
    add_directed(out, ranks, Method::ce_write, CrossTransport::ipc, transfers, options.seed);
    add_directed(out, ranks, Method::sm_push, CrossTransport::ipc, transfers, options.seed);
    if (options.with_nccl) add_directed(out, ranks, Method::nccl_send, CrossTransport::nccl, transfers, options.seed);
  }
  if (options.async && options.with_nccl) {
    add_pairs(out, ranks, Method::nccl_bidir, pair_schedule(n, options.schedule), options.seed);
  }
  return out;
}

int case_of_rank(const CrossRound& round, int rank) {
  for (std::size_t k = 0; k < round.cases.size(); ++k) {
    if (round.cases[k].src_rank == rank || round.cases[k].dst_rank == rank) return static_cast<int>(k);
  }
  return -1;
}

std::string describe_rounds(const std::vector<CrossRound>& rounds, Method method) {
  int count = 0;
  std::size_t widest = 0;
  std::size_t cases = 0;
  for (const CrossRound& r : rounds) {
    if (r.method != method) continue;
    ++count;
    widest = std::max(widest, r.cases.size());
    cases += r.cases.size();
  }
  return fmt::format("{}: {} case{} in {} round{} of up to {} at once", to_string(method), cases, cases == 1 ? "" : "s",
                     count, count == 1 ? "" : "s", widest);
}

}  // namespace gx
