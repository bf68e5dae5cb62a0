// Google Benchmark of gpuxfer's own host hot paths: statistics over sample sets and
// serializing a large system section. GPU transfer primitives join here with the bench suites.
#include <benchmark/benchmark.h>

#include <random>

#include "core/record_json.hpp"
#include "core/report_json.hpp"
#include "core/stats.hpp"
#include "core/units.hpp"

namespace {

void BM_Summarize(benchmark::State& state) {
  std::mt19937_64 rng(42);
  std::normal_distribution<double> dist(1e-3, 1e-5);
  std::vector<double> samples(static_cast<std::size_t>(state.range(0)));
  for (auto& s : samples) s = dist(rng);
  for (auto _ : state) {
    benchmark::DoNotOptimize(gx::summarize(samples));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Summarize)->Arg(20)->Arg(1000)->Arg(100000);

void BM_SystemToJson(benchmark::State& state) {
  gx::SystemInfo system;
  const int gpus = static_cast<int>(state.range(0));
  for (int i = 0; i < gpus; ++i) {
    gx::DeviceInfo d;
    d.index = i;
    d.name = "NVIDIA H100 80GB HBM3";
    d.uuid = "GPU-00000000-0000-0000-0000-00000000000" + std::to_string(i % 10);
    for (int l = 0; l < 18; ++l) d.nvlink.up.push_back({l, gx::NvlinkRemote::nvswitch, "0000:05:00.0"});
    system.devices.push_back(d);
  }
  for (int a = 0; a < gpus; ++a)
    for (int b = 0; b < gpus; ++b)
      if (a != b) {
        gx::PairInfo pair;
        pair.src = a;
        pair.dst = b;
        system.pairs.push_back(pair);
      }
  for (auto _ : state) {
    benchmark::DoNotOptimize(gx::system_to_json(system).dump());
  }
}
BENCHMARK(BM_SystemToJson)->Arg(8)->Arg(64);

// Serializing a large report: 10 000 records of 20 samples each (an 8-GPU --all-pairs sweep is
// about this size).
void BM_RecordsToJson(benchmark::State& state) {
  std::vector<gx::Record> records(static_cast<std::size_t>(state.range(0)));
  std::mt19937_64 rng(7);
  std::normal_distribution<double> dist(1e-3, 1e-5);
  for (auto& r : records) {
    r.test.method = gx::Method::ce_write;
    r.test.src = 0;
    r.test.dst = 1;
    r.test.bytes = 400000000;
    r.status = gx::Status::ok;
    r.ops_per_sample = 1;
    for (int i = 0; i < 20; ++i) r.sample_seconds.push_back(dist(rng));
    r.time = gx::summarize(r.sample_seconds);
    r.bytes_per_op = 4e8;
  }
  for (auto _ : state) benchmark::DoNotOptimize(gx::records_to_json(records).dump());
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_RecordsToJson)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_ParseSize(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(gx::parse_size("400MB"));
}
BENCHMARK(BM_ParseSize);

}  // namespace

BENCHMARK_MAIN();
