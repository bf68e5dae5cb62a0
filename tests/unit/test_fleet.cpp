// gpuxfer fleet on synthetic fleets made from a committed real 4-GPU result: every node a copy
// with its own hostname and UUIDs, every record jittered by its own within-run spread (each
// sample scaled by a sample of the same record over the record's median, seeded), and known
// faults injected. The fleet must flag exactly the injected faults.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "core/error.hpp"
#include "core/fleet.hpp"
#include "core/fleet_output.hpp"
#include "core/record_json.hpp"
#include "core/report_load.hpp"
#include "core/stats.hpp"

namespace {

using namespace gx;

const LoadedReport& base_report() {
  static const LoadedReport base =
      load_report(std::string(GPUXFER_TEST_DATA_DIR) + "/runs/h200x4-nvswitch-2026-11-27-0e91a394/bench.json");
  return base;
}

// Multiplies every sample of the records `pick` selects by `factor` (time: > 1 is slower).
template <typename Pick>
void scale_times(LoadedReport& r, double factor, Pick pick) {
  for (Record& rec : r.records) {
    if (rec.sample_seconds.empty() || !pick(rec)) continue;
    for (double& s : rec.sample_seconds) s *= factor;
    rec.time = summarize(rec.sample_seconds);
  }
}

LoadedReport make_node(int index, std::uint32_t seed) {
  LoadedReport r = base_report();
  const std::string host = "node-" + std::to_string(1000 + index);
  r.path = host + ".json";
  r.system.hostname = host;
  r.run.hostname = host;
  r.run.started_utc = "2026-12-01T10:00:00Z";
  for (DeviceInfo& d : r.system.devices) d.uuid = "GPU-" + std::to_string(index) + "-" + std::to_string(d.index);
  std::mt19937 rng(seed * 7919u + static_cast<std::uint32_t>(index));
  for (Record& rec : r.records) {
    if (rec.sample_seconds.size() < 2 || !rec.time || rec.time->median <= 0) continue;
    const std::vector<double> own = rec.sample_seconds;
    std::uniform_int_distribution<std::size_t> any(0, own.size() - 1);
    for (double& s : rec.sample_seconds) s *= own[any(rng)] / rec.time->median;
    rec.time = summarize(rec.sample_seconds);
  }
  return r;
}

bool touches(const Record& rec, int gpu) {
  return rec.test.src == gpu || rec.test.dst == gpu;
}

enum class Fault { none, slow_links, pcie_gen4, throttled, failed };

// Injects a fault; `gpu` is the GPU it hits, `size` how hard (fraction slower).
void inject(LoadedReport& r, Fault fault, int gpu, double size) {
  switch (fault) {
    case Fault::none: break;
    case Fault::slow_links:  // one GPU's NVLinks: every peer transfer to or from it
      scale_times(r, 1.0 / (1.0 - size), [&](const Record& rec) {
        return (rec.test.suite == Suite::peer || rec.test.suite == Suite::async) && rec.test.devices.empty() &&
               touches(rec, gpu) && metric_of(rec.test.method) == Metric::bandwidth;
      });
      break;
    case Fault::pcie_gen4:  // the whole node's host links trained at Gen4: host copies at about half
      scale_times(r, 2.0,
                  [](const Record& rec) { return rec.test.suite == Suite::host || rec.test.suite == Suite::staged; });
      for (DeviceInfo& d : r.system.devices) d.pcie.current_gen = Known<int>(4);
      break;
    case Fault::throttled:  // one GPU's clocks held down: its GEMMs slower
      scale_times(r, 1.0 / (1.0 - size), [&](const Record& rec) {
        return rec.test.suite == Suite::gemm && rec.test.devices.empty() && rec.test.src == gpu;
      });
      break;
    case Fault::failed:
      for (Record& rec : r.records) {
        if (rec.test.method == Method::ce_write && rec.test.headline && rec.test.src == gpu) {
          rec.status = Status::failed;
          rec.reason = "verification failed: 12 mismatches";
          break;
        }
      }
      break;
  }
}

FleetInput input_of(const std::vector<LoadedReport>& reports) {
  FleetInput in;
  in.files = reports.size();
  for (const auto& r : reports) {
    for (auto& n : extract_fleet_nodes(r)) in.nodes.push_back(std::move(n));
  }
  return in;
}

std::set<std::string> flagged(const FleetResult& result) {
  std::set<std::string> hosts;
  for (const FleetNode& n : result.nodes) {
    if (n.verdict == FleetVerdict::outlier || n.verdict == FleetVerdict::failed) hosts.insert(n.data.host);
  }
  return hosts;
}

const FleetNode& node_named(const FleetResult& r, const std::string& host) {
  for (const FleetNode& n : r.nodes) {
    if (n.data.host == host) return n;
  }
  throw std::runtime_error("no node " + host);
}

// Metric and entity of every outlier or failed figure of a node.
std::vector<std::pair<std::string, std::string>> bad_figures(const FleetNode& n) {
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t f = 0; f < n.judgements.size(); ++f) {
    if (n.judgements[f].verdict == FleetVerdict::outlier || n.judgements[f].verdict == FleetVerdict::failed) {
      out.emplace_back(n.data.figures[f].metric, n.data.figures[f].entity);
    }
  }
  return out;
}

TEST(Fleet, ExtractsTheHeadlineFiguresOfARealResult) {
  const auto nodes = extract_fleet_nodes(base_report());
  ASSERT_EQ(nodes.size(), 1u);
  const FleetNodeData& n = nodes.front();
  EXPECT_EQ(n.gpu_count, 4);
  EXPECT_EQ(n.gpu_model, "NVIDIA H200");
  EXPECT_EQ(n.topology, "NV18 x12");
  std::map<std::string, int> per_metric;
  for (const auto& f : n.figures) ++per_metric[f.metric];
  EXPECT_EQ(per_metric["peer.ce_write.NV18"], 12);
  EXPECT_EQ(per_metric["async.bidir_ce.NV18"], 6);
  EXPECT_EQ(per_metric["host.h2d_pinned"], 4);
  EXPECT_EQ(per_metric["hbm.triad"], 4);
  EXPECT_EQ(per_metric["gemm.gemm_bf16"], 4);
  EXPECT_EQ(per_metric["latency.peer_b2b.NV18"], 1);  // the default bench measures latency on GPU0->GPU1
  EXPECT_EQ(per_metric["latency.h2d_b2b"], 1);
  EXPECT_TRUE(fleet_lower_is_better("latency.h2d_b2b"));
  EXPECT_EQ(per_metric.count("hbm.scale"), 0u);
}

TEST(Fleet, FlagsExactlyTheInjectedFaults) {
  constexpr int kNodes = 80;
  std::vector<LoadedReport> reports;
  for (int i = 0; i < kNodes; ++i) reports.push_back(make_node(i, 1));
  inject(reports[11], Fault::slow_links, 1, 0.08);
  inject(reports[23], Fault::pcie_gen4, 0, 0);
  inject(reports[42], Fault::throttled, 2, 0.20);
  inject(reports[57], Fault::failed, 3, 0);
  const FleetResult result = judge_fleet(input_of(reports), FleetSettings{});
  ASSERT_EQ(result.groups.size(), 1u);
  EXPECT_EQ(result.nodes.size(), static_cast<std::size_t>(kNodes));
  const std::set<std::string> expected{"node-1011", "node-1023", "node-1042", "node-1057"};
  EXPECT_EQ(flagged(result), expected);

  for (const auto& [metric, entity] : bad_figures(node_named(result, "node-1011"))) {
    EXPECT_NE(entity.find("GPU1"), std::string::npos) << metric << " " << entity;
    EXPECT_TRUE(metric.rfind("peer.", 0) == 0 || metric.rfind("async.", 0) == 0) << metric;
  }
  EXPECT_GE(bad_figures(node_named(result, "node-1011")).size(), 6u * 4);  // 6 links x 4 peer methods at least
  for (const auto& [metric, entity] : bad_figures(node_named(result, "node-1023"))) {
    EXPECT_TRUE(metric.rfind("host.", 0) == 0 || metric.rfind("staged.", 0) == 0) << metric;
  }
  const auto throttled = bad_figures(node_named(result, "node-1042"));
  EXPECT_EQ(throttled.size(), 4u);  // four precisions
  for (const auto& [metric, entity] : throttled) {
    EXPECT_EQ(entity, "GPU2");
    EXPECT_EQ(metric.rfind("gemm.", 0), 0u) << metric;
  }
  const FleetNode& failed = node_named(result, "node-1057");
  EXPECT_EQ(failed.verdict, FleetVerdict::failed);
  EXPECT_EQ(bad_figures(failed).size(), 1u);
  const FleetNode& gen4 = node_named(result, "node-1023");
  ASSERT_FALSE(gen4.data.notes.empty());
  EXPECT_NE(gen4.data.notes.front().find("PCIe Gen4"), std::string::npos);
  // Worst first: the failed node, then the halved host links, ...
  const auto order = nodes_worst_first(result);
  EXPECT_EQ(result.nodes[order[0]].data.host, "node-1057");
  EXPECT_EQ(result.nodes[order[1]].data.host, "node-1023");

  const std::string text = fleet_text(result);
  EXPECT_NE(text.find("80 nodes judged from 80 files in 1 group: 76 ok, 3 outlier, 1 failed"), std::string::npos)
      << text;
  const Json doc = fleet_json(result);
  EXPECT_EQ(doc["schema"], "gpuxfer.fleet");
  EXPECT_EQ(doc["summary"]["outlier"], 3);
  EXPECT_EQ(doc["nodes"][0]["host"], "node-1057");
}

TEST(Fleet, LatencyIsWorseWhenHigher) {
  std::vector<LoadedReport> reports;
  for (int i = 0; i < 20; ++i) reports.push_back(make_node(i, 2));
  // Slower small copies from host on node 5; faster ones on node 6 are not a fault.
  scale_times(reports[5], 1.5, [](const Record& rec) { return rec.test.method == Method::h2d_b2b; });
  scale_times(reports[6], 0.6, [](const Record& rec) { return rec.test.method == Method::h2d_b2b; });
  const FleetResult result = judge_fleet(input_of(reports), FleetSettings{});
  EXPECT_EQ(flagged(result), (std::set<std::string>{"node-1005"}));
  for (const auto& [metric, entity] : bad_figures(node_named(result, "node-1005")))
    EXPECT_EQ(metric, "latency.h2d_b2b");
}

TEST(Fleet, ANoisyRecordAloneMakesNoOutlier) {
  std::vector<LoadedReport> reports;
  for (int i = 0; i < 20; ++i) reports.push_back(make_node(i, 3));
  // Node 4's GPU0 h2d_pinned is 8 % slow but its own samples spread 4 %: 8 % < 5 % + 3 x 4 %.
  for (Record& rec : reports[4].records) {
    if (rec.test.method == Method::h2d_pinned && rec.test.headline && rec.test.dst == 0) {
      for (std::size_t i = 0; i < rec.sample_seconds.size(); ++i) {
        rec.sample_seconds[i] *= (1 / 0.92) * (i % 2 == 0 ? 1.04 : 0.96);
      }
      rec.time = summarize(rec.sample_seconds);
    }
  }
  const FleetResult result = judge_fleet(input_of(reports), FleetSettings{});
  EXPECT_TRUE(flagged(result).empty());
  EXPECT_EQ(node_named(result, "node-1004").verdict, FleetVerdict::noisy);
}

TEST(Fleet, RefusesMixedGroupsUnlessAsked) {
  std::vector<LoadedReport> reports;
  for (int i = 0; i < 4; ++i) reports.push_back(make_node(i, 4));
  LoadedReport two =
      load_report(std::string(GPUXFER_TEST_DATA_DIR) + "/runs/h200x2-nvswitch-2026-11-26-b1ce9020/bench.json");
  two.system.hostname = "small-node";
  reports.push_back(two);
  EXPECT_THROW((void)judge_fleet(input_of(reports), FleetSettings{}), InputError);
  FleetSettings mix;
  mix.mix_groups = true;
  const FleetResult result = judge_fleet(input_of(reports), mix);
  EXPECT_EQ(result.groups.size(), 2u);
  EXPECT_TRUE(flagged(result).empty());  // a group of one node is shown, not judged
}

TEST(Fleet, RandomizedFaultSweepHasHighPrecisionAndRecall) {
  std::mt19937 rng(20261203);
  std::size_t tp = 0, fp = 0, fn = 0;
  for (int fleet = 0; fleet < 8; ++fleet) {
    const int n = 50 + 10 * (fleet % 3);
    std::vector<LoadedReport> reports;
    for (int i = 0; i < n; ++i) reports.push_back(make_node(i, 100 + static_cast<std::uint32_t>(fleet)));
    std::set<std::string> truth;
    std::uniform_int_distribution<int> node(0, n - 1), gpu(0, 3), kind(0, 3);
    std::uniform_real_distribution<double> size(0.08, 0.30);
    for (int k = 0; k < 6; ++k) {
      const int i = node(rng);
      const Fault fault = std::array{Fault::slow_links, Fault::pcie_gen4, Fault::throttled, Fault::failed}[kind(rng)];
      // Throttling under ~15 % hides inside the noisier GEMM precisions (bf16, fp16: cv up to 3 %).
      inject(reports[static_cast<std::size_t>(i)], fault, gpu(rng),
             fault == Fault::throttled ? size(rng) + 0.07 : size(rng));
      truth.insert(reports[static_cast<std::size_t>(i)].system.hostname);
    }
    const FleetResult result = judge_fleet(input_of(reports), FleetSettings{});
    const std::set<std::string> got = flagged(result);
    for (const auto& h : got) (truth.count(h) ? tp : fp)++;
    for (const auto& h : truth) fn += got.count(h) ? 0 : 1;
  }
  const double precision = tp + fp > 0 ? static_cast<double>(tp) / static_cast<double>(tp + fp) : 1.0;
  const double recall = tp + fn > 0 ? static_cast<double>(tp) / static_cast<double>(tp + fn) : 1.0;
  std::printf("fleet sweep: %zu true positives, %zu false positives, %zu missed: precision %.3f, recall %.3f\n", tp, fp,
              fn, precision, recall);
  EXPECT_GE(precision, 0.95);
  EXPECT_GE(recall, 0.95);
}

class FleetFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("gpuxfer_fleet_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_ / "sub");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  std::string save(const LoadedReport& r) { return make_report(r.run, r.system, records_to_json(r.records)).dump(); }
  std::filesystem::path dir_;
};

TEST_F(FleetFiles, UnreadableFilesAreListedAndDuplicatesKeepTheNewest) {
  for (int i = 0; i < 4; ++i) write("sub/n" + std::to_string(i) + ".json", save(make_node(i, 5)));
  LoadedReport again = make_node(2, 6);
  again.run.started_utc = "2026-12-02T10:00:00Z";  // newer than the first node-1002
  write("again.json", save(again));
  const std::string whole = save(make_node(9, 5));
  write("truncated.json", whole.substr(0, whole.size() / 2));
  write("foreign.json", R"({"schema": "something.else", "x": 1})");
  write("notes.txt", "not json, and not *.json either");
  const auto files = fleet_files({dir_.string()});
  ASSERT_EQ(files.size(), 7u);
  const FleetInput input = load_fleet(files, 2);
  EXPECT_EQ(input.files, 7u);
  ASSERT_EQ(input.unreadable.size(), 2u);
  std::map<std::string, std::string> reasons;
  for (const auto& u : input.unreadable) reasons[std::filesystem::path(u.path).filename().string()] = u.reason;
  EXPECT_NE(reasons["truncated.json"].find("truncated"), std::string::npos) << reasons["truncated.json"];
  EXPECT_NE(reasons["foreign.json"].find("not a gpuxfer report"), std::string::npos) << reasons["foreign.json"];
  const FleetResult result = judge_fleet(input, FleetSettings{});
  EXPECT_EQ(result.nodes.size(), 4u);
  ASSERT_EQ(result.duplicates.size(), 1u);
  EXPECT_EQ(result.duplicates[0].host, "node-1002");
  EXPECT_NE(result.duplicates[0].kept.find("again.json"), std::string::npos);
  EXPECT_TRUE(fleet_incomplete(result));
  EXPECT_NE(fleet_summary_line(result).find("INCOMPLETE: 2 files unreadable"), std::string::npos);
  EXPECT_THROW((void)fleet_files({(dir_ / "missing").string()}), InputError);
}

TEST(FleetOutputs, PrometheusSeriesAreUniqueAndJunitHasOneCasePerNode) {
  std::vector<LoadedReport> reports;
  for (int i = 0; i < 10; ++i) reports.push_back(make_node(i, 7));
  inject(reports[3], Fault::slow_links, 0, 0.10);
  const FleetResult result = judge_fleet(input_of(reports), FleetSettings{});
  const std::string prom = fleet_prometheus(result);
  std::set<std::string> series;
  std::size_t lines = 0;
  std::size_t start = 0;
  while (start < prom.size()) {
    const std::size_t end = prom.find('\n', start);
    const std::string line = prom.substr(start, end - start);
    start = end + 1;
    if (line.empty() || line[0] == '#') continue;
    ++lines;
    EXPECT_TRUE(series.insert(line.substr(0, line.rfind(' '))).second) << line;
  }
  EXPECT_GT(lines, 10u);
  EXPECT_NE(prom.find("gpuxfer_fleet_outlier{host=\"node-1003\",gpu=\"0->1\",metric=\"peer.ce_write.NV18\""),
            std::string::npos)
      << prom;
  const std::string junit = fleet_junit(result);
  std::size_t cases = 0;
  for (std::size_t p = junit.find("<testcase "); p != std::string::npos; p = junit.find("<testcase ", p + 1)) ++cases;
  EXPECT_EQ(cases, 10u);
  EXPECT_NE(junit.find("classname=\"gpuxfer.fleet.node-1003\""), std::string::npos);
  EXPECT_NE(junit.find("failures=\"1\""), std::string::npos);
  const std::string csv = fleet_csv(result);
  EXPECT_EQ(csv.rfind("host,group,node_verdict,metric", 0), 0u);
}

}  // namespace
