// Cache-resident records (core/bench_model working_set_bytes / cache_resident, core/cache_fit):
// a working set within the L2 of the GPU holding it is the cache's figure, marked in JSON, tables
// and the report, never given a % of memory bandwidth or judged against it.
#include "core/cache_fit.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/bench_view.hpp"
#include "core/check_compute.hpp"
#include "core/record_json.hpp"
#include "core/report_load.hpp"
#include "core/stats.hpp"

using namespace gx;

namespace {

constexpr std::uint64_t kL2 = 60ull << 20;  // H200: cudaDevAttrL2CacheSize 62914560

SystemInfo system_with_l2(std::vector<std::uint64_t> l2) {
  SystemInfo s;
  for (std::size_t i = 0; i < l2.size(); ++i) {
    DeviceInfo d;
    d.index = static_cast<int>(i);
    d.name = "NVIDIA H200";
    d.l2_bytes = l2[i];
    d.memory_bandwidth_bytes_per_s = 4.8e12;
    s.devices.push_back(d);
  }
  return s;
}

Case on_gpu(Method m, int gpu, std::uint64_t bytes) {
  Case c;
  c.suite = suite_of(m);
  c.method = m;
  c.src = gpu;
  c.dst = gpu;
  c.bytes = bytes;
  c.headline = true;
  c.theoretical_bytes_per_s = 4.8e12;
  return c;
}

// An ok elementwise record at `gbps`.
Record elementwise(Method m, std::uint64_t bytes, double gbps, std::uint64_t l2) {
  Record r;
  r.test = on_gpu(m, 0, bytes);
  r.test.l2_bytes = l2;
  r.status = Status::ok;
  r.verified = true;
  r.ops_per_sample = 10;
  r.bytes_per_op = elementwise_bytes_per_op(m, bytes);
  const double seconds = r.bytes_per_op / (gbps * 1e9);
  r.sample_seconds.assign(5, seconds);
  r.time = summarize(r.sample_seconds);
  return r;
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST(CacheFit, WorkingSetIsTheBuffersOnTheGpu) {
  EXPECT_EQ(working_set_bytes(on_gpu(Method::scale, 0, 16 << 20)), 32u << 20);
  EXPECT_EQ(working_set_bytes(on_gpu(Method::copy, 0, 16 << 20)), 32u << 20);
  EXPECT_EQ(working_set_bytes(on_gpu(Method::axpy, 0, 16 << 20)), 32u << 20);  // reads x and y, writes y
  EXPECT_EQ(working_set_bytes(on_gpu(Method::triad, 0, 16 << 20)), 48u << 20);
  EXPECT_EQ(working_set_bytes(on_gpu(Method::chase_local, 0, 4 << 20)), 4u << 20);
  Case peer = on_gpu(Method::chase_peer, 0, 4 << 20);
  peer.dst = 1;
  EXPECT_EQ(working_set_bytes(peer), 4u << 20);
  EXPECT_EQ(working_set_gpus(peer), std::vector<int>{1}) << "the chain's GPU";
  Case host = on_gpu(Method::chase_host, 0, 4 << 20);
  host.dst = kHost;
  EXPECT_EQ(working_set_bytes(host), 0u) << "host memory: no GPU L2 to judge against";
  EXPECT_EQ(working_set_bytes(on_gpu(Method::ce_write, 0, 4 << 20)), 0u);
  EXPECT_EQ(working_set_bytes(on_gpu(Method::gemm_bf16, 0, 4 << 20)), 0u);
}

TEST(CacheFit, ResidentWhenTheWorkingSetFitsAKnownL2) {
  Case c = on_gpu(Method::scale, 0, 16 << 20);  // 32 MiB of tensors
  EXPECT_FALSE(cache_resident(c)) << "L2 unknown (0): no mark";
  c.l2_bytes = kL2;
  EXPECT_TRUE(cache_resident(c));
  c.bytes = 30ull << 20;  // 60 MiB: exactly the L2
  EXPECT_TRUE(cache_resident(c));
  c.bytes = (30ull << 20) + 1;
  EXPECT_FALSE(cache_resident(c));
  c.bytes = 400000000;
  EXPECT_FALSE(cache_resident(c));
}

TEST(CacheFit, L2OfTheGpusHoldingTheWorkingSet) {
  const SystemInfo s = system_with_l2({kL2, 50ull << 20, 0});
  EXPECT_EQ(working_set_l2_bytes(on_gpu(Method::scale, 1, 1024), s), 50ull << 20);
  Case all = on_gpu(Method::scale, kHost, 1024);
  all.devices = {0, 1};
  EXPECT_EQ(working_set_l2_bytes(all, s), 50ull << 20) << "the smallest";
  all.devices = {0, 2};
  EXPECT_EQ(working_set_l2_bytes(all, s), 0u) << "one L2 unknown: unknown";
  EXPECT_EQ(working_set_l2_bytes(on_gpu(Method::scale, 7, 1024), s), 0u) << "not in the inventory";
  EXPECT_EQ(working_set_l2_bytes(on_gpu(Method::ce_write, 0, 1024), s), 0u);

  std::vector<Record> records(2);
  records[0].test = on_gpu(Method::copy, 0, 1024);
  records[1].test = on_gpu(Method::copy, 0, 1024);
  records[1].test.l2_bytes = 123;  // already set (written by 1.7): kept
  assign_l2_bytes(records, s);
  EXPECT_EQ(records[0].test.l2_bytes, kL2);
  EXPECT_EQ(records[1].test.l2_bytes, 123u);
}

TEST(CacheFit, NoPercentOfMemoryForACacheResidentRecord) {
  const Record in_l2 = elementwise(Method::scale, 16 << 20, 5600, kL2);  // 117 % of 4.8 TB/s
  EXPECT_TRUE(median_rate(in_l2).has_value());
  EXPECT_FALSE(efficiency(in_l2).has_value());
  const Record unknown = elementwise(Method::scale, 16 << 20, 5600, 0);
  EXPECT_NEAR(*efficiency(unknown), 5600 / 4800.0, 1e-9) << "L2 unknown: judged as before";
  const Record dram = elementwise(Method::scale, 400000000, 4100, kL2);
  EXPECT_NEAR(*efficiency(dram), 4100 / 4800.0, 1e-9);
}

TEST(CacheFit, JsonCarriesTheMarkAndReadsItsL2Back) {
  const Record in_l2 = elementwise(Method::triad, 4 << 20, 3000, kL2);
  const Json j = record_to_json(in_l2);
  EXPECT_EQ(j.at("working_set_bytes"), 12u << 20);
  EXPECT_EQ(j.at("l2_bytes"), kL2);
  EXPECT_EQ(j.at("cache_resident"), true);
  EXPECT_TRUE(j.at("efficiency").at("fraction").is_null());
  EXPECT_EQ(j.at("efficiency").at("theoretical_bytes_per_s"), 4.8e12) << "the memory's rate stays, for readers";
  const Record back = record_from_json(j);
  EXPECT_EQ(back.test.l2_bytes, kL2);
  EXPECT_TRUE(cache_resident(back.test));

  const Json dram = record_to_json(elementwise(Method::triad, 400000000, 4100, kL2));
  EXPECT_EQ(dram.at("cache_resident"), false);
  // No L2 known, or no working set: no cache fields at all.
  EXPECT_FALSE(record_to_json(elementwise(Method::triad, 4 << 20, 3000, 0)).contains("cache_resident"));
  Record copy;
  copy.test = on_gpu(Method::ce_write, 0, 4096);
  copy.test.l2_bytes = kL2;
  EXPECT_FALSE(record_to_json(copy).contains("cache_resident"));
}

// A 1.2 document (no cache fields): its records are marked from its own system.gpus l2_bytes;
// with the L2 unknown (0) it loads the same and nothing is marked.
TEST(CacheFit, OlderDocumentsAreMarkedFromTheirInventory) {
  const std::string path = std::string(GPUXFER_TEST_DATA_DIR) + "/schema/valid/v1.2-bench.json";
  const LoadedReport report = load_report(path);
  int resident = 0;
  for (const Record& r : report.records) {
    if (r.test.method == Method::triad && r.test.bytes == 4096) {
      EXPECT_TRUE(cache_resident(r.test));
      EXPECT_EQ(r.test.l2_bytes, 62914560u);
      EXPECT_FALSE(efficiency(r).has_value());
      ++resident;
    }
    if (r.test.method == Method::scale && r.test.bytes == 400000000) {
      EXPECT_FALSE(cache_resident(r.test));
      EXPECT_TRUE(efficiency(r).has_value());
    }
  }
  EXPECT_EQ(resident, 1);

  Json doc = Json::parse(read(path));
  for (auto& g : doc["system"]["gpus"]) g["l2_bytes"] = 0;
  const LoadedReport unknown = parse_report(doc.dump(), "no-l2.json");
  for (const Record& r : unknown.records) {
    EXPECT_FALSE(cache_resident(r.test)) << to_string(r.test.method);
    EXPECT_EQ(r.test.l2_bytes, 0u);
  }
}

TEST(CacheFit, ElementwiseTableMarksInsteadOfAPercent) {
  const std::vector<Record> records{elementwise(Method::scale, 16 << 20, 5600, kL2),
                                    elementwise(Method::scale, 400000000, 4100, kL2)};
  const auto tables = bench_tables(records, system_with_l2({kL2}));
  const Table* t = nullptr;
  for (const auto& table : tables) {
    if (table.title.rfind("elementwise", 0) == 0) t = &table;
  }
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0][6], "L2");
  EXPECT_EQ(t->rows[1][6], "85%");
  bool footnote = false;
  for (const auto& n : t->notes) footnote = footnote || n.rfind("L2: cache-resident", 0) == 0;
  EXPECT_TRUE(footnote);
}

TEST(CacheFit, ChaseTableMarksTheWorkingSetAndShowsTheWalk) {
  Record r;
  r.test = on_gpu(Method::chase_local, 0, 4 << 20);
  r.test.l2_bytes = kL2;
  r.test.theoretical_bytes_per_s = Known<double>::unknown("latency: not a bandwidth measurement");
  r.status = Status::ok;
  r.sample_seconds.assign(20, 2.1e-7);
  r.time = summarize(r.sample_seconds);
  ChaseWalk w;
  w.lines = 16384;
  w.steps_per_op = kChaseSteps;
  w.loads_timed = 200000;
  r.chase = w;
  const auto tables = bench_tables({r}, system_with_l2({kL2}));
  const Table* t = nullptr;
  for (const auto& table : tables) {
    if (table.title.rfind("pointer chase", 0) == 0) t = &table;
  }
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->rows.at(0), (std::vector<std::string>{"chase_local", "GPU0 -> GPU0", "4 MiB L2", "210.0", "210.0",
                                                     "200000 (12.21 cycles)"}));
}

TEST(CacheFit, CheckDoesNotJudgeACacheResidentHeadlineAgainstMemory) {
  const SystemInfo s = system_with_l2({kL2});
  std::vector<Record> records{elementwise(Method::copy, 16 << 20, 5600, kL2)};
  std::vector<Finding> out;
  compute_findings(s, records, Expectations{}, ComputeSettings{}, out);
  for (const Finding& f : out) EXPECT_NE(f.rule, "memory_bandwidth");
  records = {elementwise(Method::copy, 400000000, 3000, kL2)};  // 62 %: fails the 75 % rule
  out.clear();
  compute_findings(s, records, Expectations{}, ComputeSettings{}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].rule, "memory_bandwidth");
  EXPECT_EQ(out[0].verdict, CheckVerdict::fail);
}
