#include "core/chase.hpp"

#include <algorithm>
#include <numeric>
#include <random>

namespace gx {

std::uint64_t chase_lines(std::uint64_t working_set_bytes) {
  return std::max<std::uint64_t>(2, working_set_bytes / kChaseStrideBytes);
}

std::vector<std::uint64_t> chase_cycle(std::uint64_t lines, std::uint64_t seed) {
  lines = std::max<std::uint64_t>(2, lines);
  // Sattolo's algorithm: a uniformly random cyclic permutation, so the walk from any slot visits
  // every slot before it returns; no stride or prefetcher can follow it.
  std::vector<std::uint64_t> order(lines);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  for (std::uint64_t i = lines - 1; i > 0; --i) {
    std::uniform_int_distribution<std::uint64_t> pick(0, i - 1);
    std::swap(order[i], order[pick(rng)]);
  }
  std::vector<std::uint64_t> next(lines);
  for (std::uint64_t i = 0; i < lines; ++i) next[order[i]] = order[(i + 1) % lines];
  return next;
}

void write_chase_chain(const std::vector<std::uint64_t>& next, std::uint64_t* words) {
  std::fill(words, words + next.size() * kChaseWordsPerLine, std::uint64_t{0});
  for (std::uint64_t i = 0; i < next.size(); ++i) words[i * kChaseWordsPerLine] = next[i] * kChaseWordsPerLine;
}

std::uint64_t chase_walk(const std::vector<std::uint64_t>& next, std::uint64_t start, std::uint64_t steps) {
  std::uint64_t slot = start;
  for (std::uint64_t s = 0; s < steps; ++s) slot = next[slot];
  return slot;
}

std::uint64_t chase_warm_ops(std::uint64_t lines, std::uint64_t steps_per_op) {
  if (steps_per_op == 0) return 1;
  const std::uint64_t loads = std::min(lines, kChaseWarmLoadsMax);
  return std::max<std::uint64_t>(1, (loads + steps_per_op - 1) / steps_per_op);
}

std::uint64_t ChaseCursor::slot() {
  if (walked_ops_ < ops_) {
    slot_ = chase_walk(next_, slot_, (ops_ - walked_ops_) * steps_);
    walked_ops_ = ops_;
  }
  return slot_;
}

}  // namespace gx
