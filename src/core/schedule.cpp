#include "core/schedule.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "core/error.hpp"

namespace gx {
namespace {

void require_count(int n) {
  if (n < 0) throw UsageError(fmt::format("a schedule needs a GPU count >= 0, not {}", n));
}

// Endpoints of a pair or a transfer, for the shared checks of schedule_problem.
std::pair<int, int> ends(const GpuPair& p) {
  return {p.a, p.b};
}
std::pair<int, int> ends(const DirectedPair& t) {
  return {t.src, t.dst};
}
std::string name(const GpuPair& p) {
  return fmt::format("{}-{}", p.a, p.b);
}
std::string name(const DirectedPair& t) {
  return fmt::format("{}->{}", t.src, t.dst);
}

template <class Item>
std::optional<std::string> problem(int n, const std::vector<std::vector<Item>>& rounds, bool ordered) {
  if (n < 0) return fmt::format("GPU count {} is negative", n);
  const auto count = static_cast<std::size_t>(n);
  // seen[x * n + y]: how often x-y (ordered: x->y) occurred.
  std::vector<int> seen(count * count, 0);
  std::vector<int> used_in_round(count, -1);
  std::vector<std::string> user(count);
  for (std::size_t r = 0; r < rounds.size(); ++r) {
    if (rounds[r].empty()) return fmt::format("round {}: empty", r);
    for (const Item& item : rounds[r]) {
      const auto [x, y] = ends(item);
      if (x < 0 || x >= n || y < 0 || y >= n) {
        return fmt::format("round {}: {} names a GPU outside 0..{}", r, name(item), n - 1);
      }
      if (x == y) return fmt::format("round {}: {} pairs GPU {} with itself", r, name(item), x);
      if (!ordered && x > y) return fmt::format("round {}: pair {} is not written low-high", r, name(item));
      for (int gpu : {x, y}) {
        const auto g = static_cast<std::size_t>(gpu);
        if (used_in_round[g] == static_cast<int>(r)) {
          return fmt::format("round {}: GPU {} is in two {} ({}, {})", r, gpu, ordered ? "transfers" : "pairs", user[g],
                             name(item));
        }
        used_in_round[g] = static_cast<int>(r);
        user[g] = name(item);
      }
      int& times = seen[static_cast<std::size_t>(x) * count + static_cast<std::size_t>(y)];
      if (++times > 1) return fmt::format("round {}: {} occurs a second time", r, name(item));
    }
  }
  for (int x = 0; x < n; ++x) {
    for (int y = ordered ? 0 : x + 1; y < n; ++y) {
      if (x == y) continue;
      if (seen[static_cast<std::size_t>(x) * count + static_cast<std::size_t>(y)] == 0) {
        return ordered ? fmt::format("transfer {}->{} is missing", x, y) : fmt::format("pair {}-{} is missing", x, y);
      }
    }
  }
  return std::nullopt;
}

template <class Item>
std::string format(const std::vector<std::vector<Item>>& rounds) {
  std::vector<std::string> parts;
  parts.reserve(rounds.size());
  for (const auto& round : rounds) {
    std::vector<std::string> items;
    items.reserve(round.size());
    for (const Item& item : round) items.push_back(name(item));
    parts.push_back(fmt::format("{}", fmt::join(items, " ")));
  }
  return fmt::format("{}", fmt::join(parts, " | "));
}

}  // namespace

std::string_view to_string(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::serial: return "serial";
    case ScheduleKind::rounds: return "rounds";
  }
  return "?";
}

ScheduleKind parse_schedule_kind(std::string_view text) {
  if (text == "serial") return ScheduleKind::serial;
  if (text == "rounds") return ScheduleKind::rounds;
  throw UsageError(fmt::format("invalid schedule '{}': expected serial or rounds", text));
}

std::vector<PairRound> round_robin_rounds(int n) {
  require_count(n);
  if (n < 2) return {};
  // The circle method: seats 0..m-1 with m even; seat m-1 is fixed, the others rotate. An odd n
  // adds the phantom GPU n, and its partner of the round has a bye.
  const int m = n % 2 == 0 ? n : n + 1;
  std::vector<int> seat(static_cast<std::size_t>(m));
  std::iota(seat.begin(), seat.end(), 0);
  std::vector<PairRound> rounds;
  rounds.reserve(static_cast<std::size_t>(m - 1));
  for (int r = 0; r < m - 1; ++r) {
    PairRound round;
    for (int i = 0; i < m / 2; ++i) {
      const int x = seat[static_cast<std::size_t>(i)];
      const int y = seat[static_cast<std::size_t>(m - 1 - i)];
      if (x == n || y == n) continue;  // the phantom: a bye
      round.push_back(GpuPair{std::min(x, y), std::max(x, y)});
    }
    std::sort(round.begin(), round.end(), [](const GpuPair& p, const GpuPair& q) { return p.a < q.a; });
    rounds.push_back(std::move(round));
    // Rotate seats 0..m-2 by one; seat m-1 stays.
    std::rotate(seat.begin(), seat.begin() + (m - 2), seat.begin() + (m - 1));
  }
  return rounds;
}

std::vector<PairRound> serial_pair_rounds(int n) {
  require_count(n);
  std::vector<PairRound> rounds;
  for (int a = 0; a < n; ++a) {
    for (int b = a + 1; b < n; ++b) rounds.push_back(PairRound{GpuPair{a, b}});
  }
  return rounds;
}

std::vector<TransferRound> round_robin_transfer_rounds(int n) {
  std::vector<TransferRound> rounds;
  for (const PairRound& round : round_robin_rounds(n)) {
    TransferRound forward;
    TransferRound backward;
    for (const GpuPair& p : round) {
      forward.push_back(DirectedPair{p.a, p.b});
      backward.push_back(DirectedPair{p.b, p.a});
    }
    rounds.push_back(std::move(forward));
    rounds.push_back(std::move(backward));
  }
  return rounds;
}

std::vector<TransferRound> serial_schedule(int n) {
  require_count(n);
  std::vector<TransferRound> rounds;
  for (int src = 0; src < n; ++src) {
    for (int dst = 0; dst < n; ++dst) {
      if (src != dst) rounds.push_back(TransferRound{DirectedPair{src, dst}});
    }
  }
  return rounds;
}

std::vector<PairRound> pair_schedule(int n, ScheduleKind kind) {
  return kind == ScheduleKind::serial ? serial_pair_rounds(n) : round_robin_rounds(n);
}

std::vector<TransferRound> transfer_schedule(int n, ScheduleKind kind) {
  return kind == ScheduleKind::serial ? serial_schedule(n) : round_robin_transfer_rounds(n);
}

std::optional<std::string> schedule_problem(int n, const std::vector<PairRound>& rounds) {
  return problem(n, rounds, false);
}

std::optional<std::string> schedule_problem(int n, const std::vector<TransferRound>& rounds) {
  return problem(n, rounds, true);
}

std::vector<int> idle_gpus(int n, const PairRound& round) {
  std::vector<bool> busy(static_cast<std::size_t>(std::max(n, 0)), false);
  for (const GpuPair& p : round) {
    for (int gpu : {p.a, p.b}) {
      if (gpu >= 0 && gpu < n) busy[static_cast<std::size_t>(gpu)] = true;
    }
  }
  std::vector<int> idle;
  for (int g = 0; g < n; ++g) {
    if (!busy[static_cast<std::size_t>(g)]) idle.push_back(g);
  }
  return idle;
}

std::string format_schedule(const std::vector<PairRound>& rounds) {
  return format(rounds);
}
std::string format_schedule(const std::vector<TransferRound>& rounds) {
  return format(rounds);
}

RankDevice rank_device(int local_rank, int local_size, int visible_gpus) {
  if (local_size < 1 || local_rank < 0 || local_rank >= local_size) {
    throw UsageError(fmt::format("invalid node-local rank {} of {}", local_rank, local_size));
  }
  if (visible_gpus < 1) {
    throw CannotRunError(fmt::format(
        "node-local rank {} sees no GPU (CUDA_VISIBLE_DEVICES, or the launcher's GPU binding)", local_rank));
  }
  if (visible_gpus >= local_size) {
    RankDevice out{local_rank, ""};
    if (visible_gpus > local_size) {
      out.warning =
          fmt::format("{} GPUs visible but {} rank(s) on this node: one rank per GPU, so GPUs {}..{} are not measured",
                      visible_gpus, local_size, local_size, visible_gpus - 1);
    }
    return out;
  }
  if (visible_gpus == 1) {
    // The launcher bound each rank to its own GPU (Slurm --gpus-per-task=1, or a wrapper setting
    // CUDA_VISIBLE_DEVICES per rank). Whether the GPUs really differ shows only when the ranks'
    // UUIDs are compared (merge refuses two ranks on one GPU).
    return RankDevice{
        0, fmt::format("each of the {} ranks on this node sees only one GPU: the peers are hidden, so P2P and "
                       "CUDA IPC between them are impossible (let every rank see all the node's GPUs, e.g. "
                       "Slurm --gpus-per-node instead of --gpus-per-task=1)",
                       local_size)};
  }
  throw CannotRunError(
      fmt::format("{} ranks on this node but only {} GPUs visible: one rank per GPU, so start at most {} "
                  "ranks per node",
                  local_size, visible_gpus, visible_gpus));
}

}  // namespace gx
