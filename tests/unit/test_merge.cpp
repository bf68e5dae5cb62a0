// Merging the ranks' documents of a multi-rank run into one (core/merge), on synthetic rank
// reports (tests/mpi/synthetic_report.hpp). The merged document must read back with the same
// reader compare/check/report use; scripts/validate_schema.py checks the documents
// MergeOutput writes (ctest merge_schema_validation).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "../mpi/synthetic_report.hpp"
#include "core/check_health.hpp"
#include "core/error.hpp"
#include "core/health_json.hpp"
#include "core/merge.hpp"
#include "core/report_load.hpp"

namespace gx {
namespace {

using test::copy_record;
using test::one_gpu_rank_report;
using test::rank_report;
using test::SyntheticRank;

// Ranks 0..n-1, `per_host` to a host, one GPU each, rank r with r extra records.
std::vector<RankDocument> one_gpu_ranks(int n, int per_host) {
  std::vector<RankDocument> out;
  for (int r = 0; r < n; ++r) {
    RankDocument d;
    d.rank = r;
    d.node = r / per_host;
    d.local_rank = r % per_host;
    d.document = one_gpu_rank_report(r, per_host, r);
    out.push_back(std::move(d));
  }
  return out;
}

// Ranks of `hosts` hosts with `per_host` GPUs each; every rank sees its node's whole inventory
// and owns the GPU of its local rank.
std::vector<RankDocument> inventory_ranks(int hosts, int per_host) {
  std::vector<RankDocument> out;
  for (int h = 0; h < hosts; ++h) {
    for (int l = 0; l < per_host; ++l) {
      SyntheticRank spec;
      spec.hostname = "node-" + std::to_string(h);
      spec.host = h;
      spec.inventory.clear();
      for (int o = 0; o < per_host; ++o) spec.inventory.push_back(o);
      spec.owned = {l};
      spec.records.push_back(copy_record(Method::h2d_pinned, kHost, l, 55e9));
      RankDocument d;
      d.rank = h * per_host + l;
      d.node = h;
      d.local_rank = l;
      d.document = rank_report(spec);
      out.push_back(std::move(d));
    }
  }
  return out;
}

LoadedReport read_back(const Json& doc) {
  return parse_report(doc.dump(), "merged.json");
}

TEST(Merge, OneGpuPerRankOnTwoHosts) {
  const MergeResult m = merge_rank_reports(one_gpu_ranks(4, 2));
  EXPECT_EQ(m.exit_code, 0);
  EXPECT_TRUE(m.warnings.empty());
  const Json& doc = m.document;
  EXPECT_EQ(doc["schema"], "gpuxfer.report");
  EXPECT_FALSE(doc["run"].contains("ended_early"));
  EXPECT_EQ(doc["run"]["options"]["devices"], Json::parse("[0,1,2,3]"));
  EXPECT_EQ(doc["run"]["hostname"], "node-0");
  EXPECT_EQ(doc["system"]["hostname"], "node-0");

  const Json& gpus = doc["system"]["gpus"];
  ASSERT_EQ(gpus.size(), 4u);
  for (int g = 0; g < 4; ++g) {
    SCOPED_TRACE(g);
    EXPECT_EQ(gpus[g]["index"], g);  // global id = rank with one GPU per rank
    EXPECT_EQ(gpus[g]["rank"], g);
    EXPECT_EQ(gpus[g]["local_index"], g % 2);
    EXPECT_EQ(gpus[g]["host"], g / 2);
    EXPECT_EQ(gpus[g]["hostname"], "node-" + std::to_string(g / 2));
  }
  // Each rank saw only its own GPU: no pair is described.
  EXPECT_TRUE(doc["system"]["pairs"].empty());

  const Json& hosts = doc["system"]["hosts"];
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts[1]["hostname"], "node-1");
  EXPECT_EQ(hosts[1]["ranks"], Json::parse("[2,3]"));
  EXPECT_EQ(hosts[1]["gpus"], Json::parse("[2,3]"));
  EXPECT_EQ(hosts[0]["driver_release"], "580.159.04");
  EXPECT_FALSE(hosts[0].contains("pairs"));

  const Json& ranks = doc["run"]["ranks"];
  ASSERT_EQ(ranks.size(), 4u);
  EXPECT_EQ(ranks[3]["rank"], 3);
  EXPECT_EQ(ranks[3]["local_rank"], 1);
  EXPECT_EQ(ranks[3]["gpus"], Json::parse("[3]"));
  EXPECT_EQ(ranks[3]["local_devices"], Json::parse("[1]"));
  EXPECT_EQ(ranks[3]["status"], "ok");
  EXPECT_EQ(ranks[3]["records"], 5);  // 2 + 3 extra

  // Records of every rank, in rank order, re-indexed: rank 3's GPU is CUDA ordinal 1 there.
  const LoadedReport back = read_back(doc);
  ASSERT_EQ(back.records.size(), 2u + 3u + 4u + 5u);  // rank r: 2 + r records
  EXPECT_EQ(back.system.devices.size(), 4u);
  const Record& last = back.records.back();
  EXPECT_EQ(last.test.dst, 3);
  EXPECT_EQ(last.directions.at(0).name, "h2d 3");
  const Record& rank2_d2h = back.records[2 + 3 + 1];
  EXPECT_EQ(rank2_d2h.test.method, Method::d2h_pinned);
  EXPECT_EQ(rank2_d2h.test.src, 2);
  EXPECT_EQ(rank2_d2h.directions.at(0).name, "d2h 2");
}

TEST(Merge, NodeInventoriesKeepSameHostPairs) {
  const MergeResult m = merge_rank_reports(inventory_ranks(2, 4));
  const LoadedReport back = read_back(m.document);
  ASSERT_EQ(back.system.devices.size(), 8u);
  // 4 x 3 ordered pairs on each host, none across hosts.
  ASSERT_EQ(back.system.pairs.size(), 24u);
  for (const auto& p : back.system.pairs) {
    EXPECT_EQ(p.src / 4, p.dst / 4) << p.src << "->" << p.dst;
    EXPECT_EQ(p.link.name, "NV18");
  }
  EXPECT_NE(find_pair(back.system, 5, 7), nullptr);
  EXPECT_EQ(find_pair(back.system, 3, 4), nullptr);
  // Global GPU 6 is host 1's CUDA ordinal 2, owned by rank 6.
  const Json& g6 = m.document["system"]["gpus"][6];
  EXPECT_EQ(g6["local_index"], 2);
  EXPECT_EQ(g6["rank"], 6);
  EXPECT_EQ(back.system.devices[6].uuid, test::synthetic_gpu(1, 2).uuid);
  EXPECT_EQ(back.records[6].test.dst, 6);
}

// Each rank reads the health of the GPU it owns; the merged document keeps every rank's entry
// under the GPU's global id, so check judges a multi-rank run GPU by GPU.
TEST(Merge, EveryRanksHealthUnderGlobalIds) {
  std::vector<RankDocument> ranks = inventory_ranks(2, 2);
  for (RankDocument& d : ranks) {
    const int local = d.local_rank;
    HealthSnapshot s;
    s.read_utc = "2026-11-26T21:40:00.000Z";
    s.remapped_rows.pending = false;
    GpuHealth g;
    g.index = local;
    g.uuid = test::synthetic_gpu(d.node, local).uuid;
    g.pci_bus_id = test::synthetic_gpu(d.node, local).pci_bus_id;
    g.name = "NVIDIA H200";
    g.before = s;
    s.read_utc = "2026-11-26T21:41:00.000Z";
    s.remapped_rows.pending = d.rank == 3;  // the last rank's GPU now waits for a reset
    g.after = s;
    g.xid_events = std::vector<XidEvent>{};
    d.document["health"] = health_to_json({g});
  }
  ranks[1].document.erase("health");  // a rank of an older build: its GPU has no entry
  const MergeResult m = merge_rank_reports(ranks);
  ASSERT_TRUE(m.document.contains("health"));
  const Json& entries = m.document["health"]["gpus"];
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0]["index"], 0);
  EXPECT_EQ(entries[1]["index"], 2);
  EXPECT_EQ(entries[2]["index"], 3);
  EXPECT_EQ(entries[2]["uuid"], m.document["system"]["gpus"][3]["uuid"]);

  const LoadedReport back = read_back(m.document);
  ASSERT_EQ(back.system.health.size(), 3u);
  const auto findings = check_health(back.system.health, HealthCheckSettings{});
  int pending_fails = 0;
  for (const Finding& f : findings) {
    if (f.rule != "remap_pending") continue;
    if (f.verdict == CheckVerdict::fail) {
      ++pending_fails;
      EXPECT_EQ(f.gpu, 3) << f.subject;
    }
  }
  EXPECT_EQ(pending_fails, 1);
}

TEST(Merge, ARanksBrokenHealthSectionNamesTheRank) {
  std::vector<RankDocument> ranks = one_gpu_ranks(2, 2);
  ranks[1].document["health"] = Json{{"gpus", Json::array({Json{{"index", "zero"}}})}};
  try {
    (void)merge_rank_reports(ranks);
    FAIL() << "accepted a broken health section";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("rank 1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("health"), std::string::npos) << e.what();
  }
}

TEST(Merge, RecordsBetweenRanksAreResolved) {
  // Rank 0 sees GPUs 0 and 1 of node-0 and owns 0; rank 1 owns 1; rank 2 is on node-1.
  SyntheticRank r0;
  r0.inventory = {0, 1};
  r0.owned = {0};
  r0.records.push_back(copy_record(Method::ce_write, 0, 1, 380e9));  // to rank 1's GPU, via the inventory
  r0.records.push_back(copy_record(Method::ce_write, 0, 0, 40e9));   // to rank 2's GPU: dst_rank
  r0.records.push_back(copy_record(Method::bidir_ce, 0, 1, 700e9));
  SyntheticRank r1;
  r1.inventory = {0, 1};
  r1.owned = {1};
  SyntheticRank r2;
  r2.hostname = "node-1";
  r2.host = 1;
  std::vector<RankDocument> in(3);
  in[0].rank = 0;
  in[0].node = 0;
  in[0].document = rank_report(r0);
  in[0].document["records"][1]["dst_rank"] = 2;
  in[1].rank = 1;
  in[1].node = 0;
  in[1].document = rank_report(r1);
  in[2].rank = 2;
  in[2].node = 1;
  in[2].document = rank_report(r2);

  const MergeResult m = merge_rank_reports(in);
  const LoadedReport back = read_back(m.document);
  ASSERT_EQ(back.records.size(), 3u);
  EXPECT_EQ(back.records[0].test.src, 0);
  EXPECT_EQ(back.records[0].test.dst, 1);
  EXPECT_EQ(back.records[0].directions[0].name, "0->1");
  EXPECT_EQ(back.records[1].test.src, 0);
  EXPECT_EQ(back.records[1].test.dst, 2);
  EXPECT_EQ(back.records[1].directions[0].name, "0->2");  // "0->0" positionally
  EXPECT_EQ(back.records[2].directions[0].name, "0->1+1->0");
  EXPECT_FALSE(m.document["records"][1].contains("dst_rank"));
  // The pair 0-1 of node-0 is known from rank 0's (and rank 1's) inventory.
  EXPECT_NE(find_pair(back.system, 0, 1), nullptr);
  EXPECT_NE(find_pair(back.system, 1, 0), nullptr);
  EXPECT_EQ(back.system.pairs.size(), 2u);
}

TEST(Merge, DevicesOfAnotherRankAreChecked) {
  SyntheticRank r0;
  r0.records.push_back(copy_record(Method::ce_write, 0, 0, 40e9));
  std::vector<RankDocument> in(2);
  in[0].document = rank_report(r0);
  in[1].rank = 1;
  in[1].document = one_gpu_rank_report(1, 1);
  in[0].document["records"][0]["dst_rank"] = 5;
  EXPECT_THROW((void)merge_rank_reports(in), InputError);
  in[0].document["records"][0]["dst_rank"] = 1;
  in[0].document["records"][0]["dst"] = 3;  // rank 1 has no GPU 3
  try {
    (void)merge_rank_reports(in);
    FAIL() << "merged a record naming a GPU nobody owns";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("rank 0: records[0].dst: GPU 3 of rank 1"), std::string::npos) << e.what();
  }
}

TEST(Merge, WorstExitCodeAndEveryRankListed) {
  auto in = one_gpu_ranks(4, 2);
  in[1].document["run"]["ended_early"] = Json{{"exit_code", 5}, {"reason", "a case timed out"}};
  in[3].document = error_document("CUDA error: an illegal memory access", 4, "device_error");
  in[3].hostname = "node-1";
  const MergeResult m = merge_rank_reports(in);
  EXPECT_EQ(m.exit_code, 5);
  const Json& early = m.document["run"]["ended_early"];
  EXPECT_EQ(early["exit_code"], 5);
  EXPECT_EQ(early["reason"], "rank 1 (node-0): a case timed out; 1 more rank(s) ended early or failed (see run.ranks)");
  const Json& ranks = m.document["run"]["ranks"];
  EXPECT_EQ(ranks[1]["status"], "ended_early");
  EXPECT_EQ(ranks[3]["status"], "error");
  EXPECT_EQ(ranks[3]["exit_code"], 4);
  EXPECT_EQ(ranks[3]["reason"], "CUDA error: an illegal memory access");
  EXPECT_EQ(ranks[3]["host"], 1);  // same node as rank 2
  EXPECT_TRUE(ranks[3]["gpus"].empty());
  EXPECT_EQ(ranks[0]["reason"], nullptr);
  // The failed rank's GPU is not in the document.
  EXPECT_EQ(m.document["system"]["gpus"].size(), 3u);
  EXPECT_EQ(m.document["system"]["hosts"][1]["ranks"], Json::parse("[2,3]"));
  EXPECT_EQ(document_exit_code(m.document), 5);
  (void)read_back(m.document);
}

TEST(Merge, RankZeroFailingLeavesTheOthers) {
  auto in = one_gpu_ranks(3, 3);
  in[0].document = error_document("no NVIDIA driver found", 3, "cannot_run");
  const MergeResult m = merge_rank_reports(in);
  EXPECT_EQ(m.exit_code, 3);
  EXPECT_EQ(m.document["run"]["ended_early"]["exit_code"], 3);
  EXPECT_EQ(m.document["system"]["gpus"].size(), 2u);
  EXPECT_EQ(m.document["system"]["gpus"][0]["rank"], 1);
  // A failed rank on a known node takes its name; the ended_early reason names it.
  EXPECT_EQ(m.document["run"]["ranks"][0]["hostname"], "node-0");
  EXPECT_EQ(m.document["run"]["ended_early"]["reason"], "rank 0 (node-0): no NVIDIA driver found");
}

TEST(Merge, EveryRankFailedIsAnErrorDocument) {
  std::vector<RankDocument> in(2);
  in[0].document = error_document("no NVIDIA driver found", 3, "cannot_run");
  in[1].rank = 1;
  in[1].hostname = "node-1";
  in[1].document = error_document("CUDA error", 4, "device_error");
  const MergeResult m = merge_rank_reports(in);
  EXPECT_EQ(m.exit_code, 4);
  EXPECT_EQ(m.document["error"]["exit_code"], 4);
  EXPECT_EQ(m.document["error"]["kind"], "device_error");
  EXPECT_EQ(m.document["error"]["message"],
            "every rank failed: rank 1 (node-1): CUDA error; 1 more rank(s) ended early or failed (see run.ranks)");
  EXPECT_EQ(document_exit_code(m.document), 4);
}

TEST(Merge, OrderOfInputsDoesNotMatter) {
  auto in = one_gpu_ranks(4, 2);
  const Json a = merge_rank_reports(in).document;
  std::reverse(in.begin(), in.end());
  EXPECT_EQ(merge_rank_reports(in).document, a);
}

TEST(Merge, RunSpansEveryRank) {
  auto in = one_gpu_ranks(3, 3);
  in[1].document["run"]["started_utc"] = "2026-12-01T09:59:59.500Z";
  in[2].document["run"]["finished_utc"] = "2026-12-01T10:01:02.000Z";
  const Json run = merge_rank_reports(in).document["run"];
  EXPECT_EQ(run["started_utc"], "2026-12-01T09:59:59.500Z");
  EXPECT_EQ(run["finished_utc"], "2026-12-01T10:01:02.000Z");
  EXPECT_EQ(run["argv"][0], "gpuxfer");
}

TEST(Merge, HostsByHostnameWithoutNodeIds) {
  auto in = one_gpu_ranks(4, 2);
  for (auto& d : in) d.node = -1;
  const Json doc = merge_rank_reports(in).document;
  EXPECT_EQ(doc["system"]["hosts"].size(), 2u);
  EXPECT_EQ(doc["system"]["gpus"][3]["host"], 1);
}

TEST(Merge, SingleRankKeepsItsRecords) {
  SyntheticRank spec;
  spec.inventory = {0, 1};
  spec.owned = {0, 1};
  spec.records.push_back(copy_record(Method::ce_write, 0, 1, 390e9));
  spec.records.push_back(copy_record(Method::ce_write, 1, 0, 391e9));
  const Json doc = rank_report(spec);
  RankDocument d;
  d.document = doc;
  const Json merged = merge_rank_reports({d}).document;
  EXPECT_EQ(merged["records"], doc["records"]);
  EXPECT_EQ(merged["system"]["pairs"], doc["system"]["pairs"]);
  EXPECT_EQ(merged["run"]["options"], doc["run"]["options"]);
}

TEST(Merge, DifferentBuildsAreAWarning) {
  auto in = one_gpu_ranks(2, 2);
  in[1].document["tool"]["git_sha"] = "0123456789ab";
  const MergeResult m = merge_rank_reports(in);
  ASSERT_EQ(m.warnings.size(), 1u);
  EXPECT_NE(m.warnings[0].find("rank 1 ran a different gpuxfer build"), std::string::npos) << m.warnings[0];
}

TEST(Merge, ListReportsMerge) {
  auto in = inventory_ranks(2, 2);
  for (auto& d : in) {
    Json& options = d.document["run"]["options"];
    options = Json{{"devices", options["devices"]}, {"enable_peer_access", true}, {"cuda_visible_devices", nullptr}};
    d.document["records"] = Json::array();
  }
  const Json doc = merge_rank_reports(in).document;
  EXPECT_FALSE(doc["run"]["options"].contains("suites"));
  EXPECT_EQ(doc["system"]["gpus"].size(), 4u);
  EXPECT_TRUE(doc["records"].empty());
}

TEST(MergeRefuses, TwoRanksOnOneGpu) {
  auto in = one_gpu_ranks(2, 2);
  in[1].document = one_gpu_rank_report(0, 2);  // rank 1 reports rank 0's GPU (same node, same UUID)
  try {
    (void)merge_rank_reports(in);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("rank 1: GPU 0 (GPU-00000000-0000-4000-8000-000000000000) on node-0 is also "
                                         "owned by rank 0"),
              std::string::npos)
        << e.what();
  }
}

TEST(MergeRefuses, DifferentCommands) {
  auto in = one_gpu_ranks(2, 2);
  in[1].document["run"]["options"]["samples"] = 20;
  try {
    (void)merge_rank_reports(in);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "rank 1: run.options.samples is 20 but rank 0's is 5: the ranks ran different commands");
  }
  in = one_gpu_ranks(2, 2);
  in[1].document["run"]["options"].erase("suites");  // a list report among bench reports
  EXPECT_THROW((void)merge_rank_reports(in), InputError);
}

TEST(MergeRefuses, BadDocuments) {
  auto bad = [](auto edit) {
    auto in = one_gpu_ranks(2, 2);
    edit(in);
    EXPECT_THROW((void)merge_rank_reports(in), InputError);
  };
  bad([](auto& in) { in[1].document = Json::array(); });
  bad([](auto& in) { in[1].document["schema"] = "other"; });
  bad([](auto& in) { in[1].document["schema_version"]["major"] = 2; });
  bad([](auto& in) { in[1].document["schema_version"]["minor"] = "2"; });
  bad([](auto& in) { in[1].document.erase("records"); });
  bad([](auto& in) { in[1].document["records"][0]["bytes"] = -1; });
  bad([](auto& in) { in[1].document["system"]["gpus"][0].erase("uuid"); });
  bad([](auto& in) { in[1].document["run"]["options"]["devices"] = Json::parse("[7]"); });
  bad([](auto& in) { in[1].rank = 0; });
  bad([](auto& in) { in[0].rank = -1; });
  bad([](auto& in) { in[1].document["records"][0]["device_ranks"] = Json::parse("[1]"); });
  EXPECT_THROW((void)merge_rank_reports({}), InputError);
}

TEST(MergeExitCode, WorstIsLargest) {
  EXPECT_EQ(worst_exit_code(0, 0), 0);
  EXPECT_EQ(worst_exit_code(0, 4), 4);
  EXPECT_EQ(worst_exit_code(5, 4), 5);
  EXPECT_EQ(worst_exit_code(130, 4), 130);
  EXPECT_EQ(document_exit_code(Json::array()), 0);
  EXPECT_EQ(document_exit_code(one_gpu_rank_report(0, 1)), 0);
  EXPECT_EQ(document_exit_code(error_document("x", 2, "usage")), 2);
}

// Writes merged documents for scripts/validate_schema.py (ctest merge_schema_validation sets
// GPUXFER_MERGE_OUTPUT_DIR); without it, into a temporary folder it removes again.
TEST(MergeOutput, WritesMergedDocuments) {
  const char* env = std::getenv("GPUXFER_MERGE_OUTPUT_DIR");
  const bool keep = env != nullptr && *env != '\0';
  const std::filesystem::path dir =
      keep ? std::filesystem::path(env)
           : std::filesystem::temp_directory_path() / ("gpuxfer_merge_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto early = one_gpu_ranks(4, 2);
  early[2].document["run"]["ended_early"] = Json{{"exit_code", 4}, {"reason", "CUDA error"}};
  early[3].document = error_document("CUDA error", 4, "device_error");
  std::vector<RankDocument> failed(2);
  failed[0].document = error_document("no NVIDIA driver found", 3, "cannot_run");
  failed[1].rank = 1;
  failed[1].document = error_document("no NVIDIA driver found", 3, "cannot_run");
  auto list = inventory_ranks(2, 2);
  for (auto& d : list) {
    d.document["run"]["options"] = Json{{"devices", d.document["run"]["options"]["devices"]},
                                        {"enable_peer_access", true},
                                        {"cuda_visible_devices", nullptr}};
    d.document["records"] = Json::array();
  }
  const std::vector<std::pair<std::string, std::vector<RankDocument>>> cases{
      {"merged-one-gpu-per-rank.json", one_gpu_ranks(4, 2)},
      {"merged-inventories.json", inventory_ranks(2, 4)},
      {"merged-ended-early.json", early},
      {"merged-every-rank-failed.json", failed},
      {"merged-list.json", list}};
  for (const auto& [name, ranks] : cases) {
    const Json doc = merge_rank_reports(ranks).document;
    std::ofstream out(dir / name);
    out << doc.dump(2) << "\n";
    ASSERT_TRUE(out.good()) << (dir / name);
  }
  if (!keep) std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gx
