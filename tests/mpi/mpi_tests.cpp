// CPU tests of the MPI layer (src/dist) under `mpirun -np 2` and `-np 4` (tests/mpi/mpirun.sh):
// gathering documents to rank 0 and merging them, broadcasting, error propagation, placement,
// and that every rank computes the same pair schedule. No GPU.
//
// Every test runs on every rank and calls the same collectives in the same order; checks use
// EXPECT (never ASSERT before a collective), so a failure on one rank cannot leave the others
// waiting. main() agrees on the worst result, so every rank exits alike.
#include <gtest/gtest.h>

#include <cstdio>
#include <optional>
#include <string>

#include <fmt/format.h>

#include <cstdint>
#include <vector>

#include "core/cross_plan.hpp"
#include "core/error.hpp"
#include "core/merge.hpp"
#include "core/report_load.hpp"
#include "core/schedule.hpp"
#include "dist/collect.hpp"
#include "dist/mpi.hpp"
#include "dist/placement.hpp"
#include "synthetic_report.hpp"

namespace gx::dist {
namespace {

const Communicator* g_world = nullptr;
const Communicator& world() {
  return *g_world;
}

// What rank `rank` of `size` sends: a one-GPU rank report, larger with every rank.
std::string rank_text(int rank, int size) {
  return test::one_gpu_rank_report(rank, size, 40 * rank).dump();
}

TEST(MpiPlacement, OneHostHoldsEveryRank) {
  const Placement p = compute_placement(world());
  EXPECT_EQ(p.rank, world().rank());
  EXPECT_EQ(p.size, world().size());
  // mpirun on this one machine: every rank shares one node.
  EXPECT_EQ(p.local_size, p.size);
  EXPECT_EQ(p.local_rank, p.rank);
  EXPECT_EQ(p.node, 0);
  EXPECT_EQ(p.node_count, 1);
  EXPECT_FALSE(p.hostname.empty());
  // Every rank's view, on every rank: distinct local ranks, one hostname.
  const auto all = world().all_gather_strings(placement_to_json(p).dump());
  ASSERT_EQ(static_cast<int>(all.size()), p.size);
  std::vector<bool> seen(static_cast<std::size_t>(p.size), false);
  for (const auto& text : all) {
    const Placement q = placement_from_json(Json::parse(text));
    EXPECT_EQ(q.hostname, p.hostname);
    ASSERT_GE(q.local_rank, 0);
    ASSERT_LT(q.local_rank, p.size);
    EXPECT_FALSE(seen[static_cast<std::size_t>(q.local_rank)]);
    seen[static_cast<std::size_t>(q.local_rank)] = true;
  }
}

TEST(MpiPlacement, LocalRankWithinASubCommunicator) {
  // Even and odd ranks apart: the node-local rank is computed within the communicator given,
  // and a rank's device follows from it (core/schedule rank_device).
  const int rank = world().rank();
  const Communicator half = world().split(rank % 2, rank);
  const Placement p = compute_placement(half);
  EXPECT_EQ(p.size, (world().size() + 1 - rank % 2) / 2);
  EXPECT_EQ(p.rank, rank / 2);
  EXPECT_EQ(p.local_rank, rank / 2);
  EXPECT_EQ(p.local_size, p.size);
  EXPECT_EQ(rank_device(p.local_rank, p.local_size, p.local_size).device, rank / 2);
}

TEST(MpiGather, DocumentsOfDifferentSizesReachRankZeroIntact) {
  const int rank = world().rank();
  const int size = world().size();
  // Small pieces, so a document takes many messages.
  const auto texts = world().gather_strings(rank_text(rank, size), 0, Communicator::kMaxStringBytes, 4093);
  if (rank != 0) {
    EXPECT_TRUE(texts.empty());
    return;
  }
  ASSERT_EQ(static_cast<int>(texts.size()), size);
  std::vector<RankDocument> docs;
  for (int r = 0; r < size; ++r) {
    EXPECT_EQ(texts[static_cast<std::size_t>(r)], rank_text(r, size)) << "rank " << r;
    if (r > 0) {
      EXPECT_GT(texts[static_cast<std::size_t>(r)].size(), texts[static_cast<std::size_t>(r - 1)].size());
    }
    RankDocument d;
    d.rank = r;
    d.node = 0;
    d.local_rank = r;
    d.document = Json::parse(texts[static_cast<std::size_t>(r)]);
    docs.push_back(std::move(d));
  }
  const MergeResult merged = merge_rank_reports(docs);
  EXPECT_EQ(merged.exit_code, 0);
  const LoadedReport back = parse_report(merged.document.dump(), "merged");
  EXPECT_EQ(static_cast<int>(back.system.devices.size()), size);
  std::size_t records = 0;
  for (int r = 0; r < size; ++r) records += 2 + 40 * static_cast<std::size_t>(r);
  EXPECT_EQ(back.records.size(), records);
  EXPECT_EQ(merged.document["system"]["hosts"].size(), 1u);
}

TEST(MpiGather, ToAnyRootEmptyAndLargeStrings) {
  const int rank = world().rank();
  const int size = world().size();
  const int root = size - 1;
  // Rank 0 sends nothing, the others up to a few MiB with bytes of every value.
  std::string mine;
  if (rank > 0) {
    mine.resize(static_cast<std::size_t>(rank) << 20);
    for (std::size_t i = 0; i < mine.size(); ++i)
      mine[i] = static_cast<char>((i * 31 + static_cast<std::size_t>(rank)) & 0xff);
  }
  const auto texts = world().gather_strings(mine, root, Communicator::kMaxStringBytes, 1 << 18);
  if (rank == root) {
    ASSERT_EQ(static_cast<int>(texts.size()), size);
    EXPECT_TRUE(texts[0].empty());
    for (int r = 1; r < size; ++r) {
      const std::string& t = texts[static_cast<std::size_t>(r)];
      ASSERT_EQ(t.size(), static_cast<std::size_t>(r) << 20);
      bool same = true;
      for (std::size_t i = 0; i < t.size() && same; ++i)
        same = t[i] == static_cast<char>((i * 31 + static_cast<std::size_t>(r)) & 0xff);
      EXPECT_TRUE(same) << "rank " << r;
    }
  } else {
    EXPECT_TRUE(texts.empty());
  }
}

TEST(MpiGather, TooLargeIsRefusedOnEveryRank) {
  const int rank = world().rank();
  const std::string mine(rank == 1 ? 11 : 10, 'x');
  try {
    (void)world().gather_strings(mine, 0, 10);
    ADD_FAILURE() << "rank " << rank << ": an 11-byte string passed a 10-byte limit";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "rank 1's document is larger than the 10 bytes rank 0 accepts");
  }
  // Nobody was left in a send: the communicator still works.
  world().barrier();
  EXPECT_EQ(world().all_max(rank), world().size() - 1);
}

TEST(MpiBroadcast, StringFromAnyRoot) {
  const int rank = world().rank();
  const int size = world().size();
  const std::string text("gpuxfer \0 rank 0\n", 17);
  EXPECT_EQ(world().broadcast_string(rank == 0 ? text : "ignored"), text);
  const std::string big(100003, 'q');
  EXPECT_EQ(world().broadcast_string(rank == size - 1 ? big : "", size - 1, 4096), big);
  EXPECT_EQ(world().broadcast_string(""), "");
  EXPECT_THROW((void)world().broadcast_string("x", size), UsageError);
}

TEST(MpiAgreement, OneFailingRankSetsEveryExitCode) {
  const int rank = world().rank();
  const int size = world().size();
  const Agreement none = world().agree_exit_code(0);
  EXPECT_EQ(none.exit_code, 0);
  const Agreement one = world().agree_exit_code(rank == size - 1 ? 4 : 0);
  EXPECT_EQ(one.exit_code, 4);
  EXPECT_EQ(one.rank, size - 1);
  // The worst code wins; among equals the lowest rank is named.
  const Agreement mixed = world().agree_exit_code(rank == 0 ? 4 : 5);
  EXPECT_EQ(mixed.exit_code, 5);
  EXPECT_EQ(mixed.rank, 1);
  const Agreement tie = world().agree_exit_code(4);
  EXPECT_EQ(tie.rank, 0);
}

TEST(MpiCollect, OneDocumentAtRankZeroAndOneExitCode) {
  const Placement p = compute_placement(world());
  const int size = world().size();
  // The last rank could not run: an error document and exit code 4.
  const bool fails = p.rank == size - 1;
  const Json doc = fails ? error_document("CUDA error: an illegal memory access was encountered", 4, "device_error")
                         : test::one_gpu_rank_report(p.rank, size, p.rank);
  const Collected c = collect_reports(world(), p, doc, fails ? 4 : 0);
  EXPECT_EQ(c.exit_code, 4);
  // Rank 0 could not write its file: every rank learns it, the worse code wins.
  EXPECT_EQ(finish_run(world(), c.exit_code, p.rank == 0 ? 2 : 0), 4);
  EXPECT_EQ(finish_run(world(), 0, p.rank == 0 ? 2 : 0), 2);
  if (p.rank != 0) {
    EXPECT_FALSE(c.merged.has_value());
    return;
  }
  EXPECT_FALSE(c.merge_error);
  ASSERT_TRUE(c.merged.has_value());
  const Json& merged = c.merged->document;
  EXPECT_EQ(merged["run"]["ended_early"]["exit_code"], 4);
  EXPECT_EQ(merged["run"]["ranks"].size(), static_cast<std::size_t>(size));
  EXPECT_EQ(merged["run"]["ranks"][static_cast<std::size_t>(size - 1)]["status"], "error");
  EXPECT_EQ(merged["run"]["ranks"][static_cast<std::size_t>(size - 1)]["hostname"], p.hostname);
  EXPECT_EQ(merged["system"]["gpus"].size(), static_cast<std::size_t>(size - 1));
  (void)parse_report(merged.dump(), "merged");
}

TEST(MpiCollect, MergeFailureReachesEveryRank) {
  // Every rank claims the same GPU of the same node: rank 0 refuses to merge, and every rank
  // learns exit code 2 (an input error).
  const Placement p = compute_placement(world());
  const Json doc = test::one_gpu_rank_report(0, 1);
  const Collected c = collect_reports(world(), p, doc, 0);
  EXPECT_EQ(c.exit_code, 2);
  // Rank 0 passes 0 from its write; the run's code stays the worst.
  EXPECT_EQ(finish_run(world(), c.exit_code, 0), 2);
  EXPECT_FALSE(c.merged.has_value());
  if (p.rank == 0) {
    ASSERT_TRUE(c.merge_error);
    EXPECT_THROW(std::rethrow_exception(c.merge_error), InputError);
  } else {
    EXPECT_FALSE(c.merge_error);
  }
}

TEST(MpiSchedule, EveryRankComputesTheSameSchedule) {
  std::string mine;
  for (int n = 0; n <= 16; ++n) {
    mine += format_schedule(round_robin_rounds(n)) + "\n" + format_schedule(round_robin_transfer_rounds(n)) + "\n" +
            format_schedule(serial_schedule(n)) + "\n";
  }
  const std::string reference = world().broadcast_string(mine);
  EXPECT_EQ(mine, reference);
  // And agreement, so a rank that differs fails every rank's test.
  EXPECT_EQ(world().all_max(mine == reference ? 0 : 1), 0);
  // The schedule for this job's ranks (one GPU per rank): valid, no rank twice in a round.
  const int n = world().size();
  EXPECT_EQ(schedule_problem(n, round_robin_rounds(n)), std::nullopt);
  EXPECT_EQ(schedule_problem(n, round_robin_transfer_rounds(n)), std::nullopt);
}

// The cross-rank plan (core/cross_plan) is computed on every rank from the all-gathered
// endpoints; it must come out identical, or two ranks would wait for different partners.
TEST(MpiSchedule, EveryRankComputesTheSameCrossRankPlan) {
  const int n = world().size();
  std::vector<RankEndpoint> ranks;
  for (int r = 0; r < n; ++r) ranks.push_back(RankEndpoint{r, r / 2, r % 2});  // two ranks per node
  std::string mine;
  for (ScheduleKind kind : {ScheduleKind::serial, ScheduleKind::rounds}) {
    CrossPlanOptions options;
    options.schedule = kind;
    for (const CrossRound& round : plan_cross_rank(ranks, options)) {
      mine += std::string(to_string(round.method)) + ":";
      for (const CrossCase& c : round.cases) mine += fmt::format(" {}->{}#{}", c.src_rank, c.dst_rank, c.seed);
      mine += "\n";
    }
  }
  EXPECT_EQ(world().all_max(mine == world().broadcast_string(mine) ? 0 : 1), 0);
}

// exchange(): pairs (0,1), (2,3) swap values; it is also how the two ranks of an NCCL
// measurement stay in step, so it must work for any number of rounds in a row.
TEST(MpiExchange, PairsSwapValues) {
  const int me = world().rank();
  const int partner = me ^ 1;
  if (partner < world().size()) {
    for (int round = 0; round < 50; ++round) {
      EXPECT_DOUBLE_EQ(world().exchange(partner, 1000.0 * me + round), 1000.0 * partner + round);
      EXPECT_EQ(world().exchange(partner, static_cast<std::uint64_t>(me) << 40), static_cast<std::uint64_t>(partner)
                                                                                     << 40);
    }
  }
  world().barrier();
}

TEST(MpiErrors, FailingCallsThrowInsteadOfAborting) {
  // MPI_ERRORS_RETURN on gpuxfer's communicators: a bad rank is an MpiError (exit code 4), not
  // the end of the job.
  char byte = 0;
  try {
    GX_MPI(MPI_Send(&byte, 1, MPI_CHAR, -5, 0, world().handle()));
    ADD_FAILURE() << "MPI_Send to rank -5 succeeded";
  } catch (const MpiError& e) {
    EXPECT_EQ(e.exit_code(), ExitCode::device_error);
    EXPECT_NE(std::string(e.what()).find("MPI_Send"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)world().gather_strings("x", -1), UsageError);
  EXPECT_THROW((void)world().gather_strings("x", 0, 10, 0), UsageError);
  world().barrier();
}

TEST(MpiCommunicator, MovesOwnership) {
  Communicator a = world().split(0, world().rank());
  const MPI_Comm handle = a.handle();
  Communicator b = std::move(a);
  EXPECT_EQ(b.handle(), handle);
  EXPECT_EQ(a.handle(), MPI_COMM_NULL);  // NOLINT(bugprone-use-after-move): the point of the test
  EXPECT_EQ(b.size(), world().size());
  a = std::move(b);
  EXPECT_EQ(a.handle(), handle);
  EXPECT_FALSE(Environment::library_version().empty());
}

// On ranks other than 0, only failures are printed, prefixed with the rank.
class RankFailurePrinter : public ::testing::EmptyTestEventListener {
 public:
  explicit RankFailurePrinter(int rank) : rank_(rank) {}
  void OnTestPartResult(const ::testing::TestPartResult& r) override {
    if (!r.failed()) return;
    std::fprintf(stderr, "[rank %d] %s:%d: Failure\n%s\n", rank_, r.file_name() != nullptr ? r.file_name() : "?",
                 r.line_number(), r.summary());
  }
  void OnTestEnd(const ::testing::TestInfo& info) override {
    if (info.result()->Failed())
      std::fprintf(stderr, "[rank %d] FAILED %s.%s\n", rank_, info.test_suite_name(), info.name());
  }

 private:
  int rank_;
};

}  // namespace
}  // namespace gx::dist

int main(int argc, char** argv) {
  std::optional<gx::dist::Environment> mpi;
  try {
    mpi.emplace(&argc, &argv);
  } catch (const gx::Error& e) {
    std::fprintf(stderr, "gpuxfer_mpi_tests: %s\n", e.what());
    return 1;
  }
  int result = 1;
  try {
    const gx::dist::Communicator world = gx::dist::Communicator::world();
    gx::dist::g_world = &world;
    ::testing::InitGoogleTest(&argc, argv);
    if (world.rank() != 0) {
      auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
      delete listeners.Release(listeners.default_result_printer());
      listeners.Append(new gx::dist::RankFailurePrinter(world.rank()));
    }
    result = RUN_ALL_TESTS();
    // A failure on any rank fails every rank, so mpirun and ctest see it whichever exits first.
    result = world.agree_exit_code(result).exit_code;
    gx::dist::g_world = nullptr;
  } catch (const gx::Error& e) {
    std::fprintf(stderr, "gpuxfer_mpi_tests: %s\n", e.what());
    result = 1;
  }
  return result;
}
