// Google Benchmark of `gpuxfer fleet`'s reading and judging: N node files made from a committed
// real 4-GPU result (hostname and UUIDs changed per node) in a temporary folder, then
// load_fleet on two threads and judge_fleet. Time and memory must grow linearly in N
// (docs/fleet.md, "Scale").
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/fleet.hpp"
#include "core/report_load.hpp"

namespace {

namespace fs = std::filesystem;

// The node files, written once per process for the largest N and shared by every case.
const std::vector<std::string>& node_files(std::size_t n) {
  static std::vector<std::string> files;
  static fs::path dir;
  if (files.size() >= n) return files;
  if (dir.empty()) {
    dir = fs::temp_directory_path() / ("gpuxfer_bench_fleet_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::atexit([] { fs::remove_all(dir); });
  }
  const std::string text = gx::read_file_capped(GPUXFER_BENCH_RESULT);
  gx::Json doc = gx::parse_json_capped(text, GPUXFER_BENCH_RESULT);
  for (std::size_t i = files.size(); i < n; ++i) {
    const std::string host = "node-" + std::to_string(i);
    doc["run"]["hostname"] = host;
    doc["system"]["hostname"] = host;
    for (auto& gpu : doc["system"]["gpus"])
      gpu["uuid"] = "GPU-" + std::to_string(i) + "-" + gpu["uuid"].get<std::string>();
    const fs::path path = dir / (host + ".json");
    std::ofstream(path) << doc.dump(1);
    files.push_back(path.string());
  }
  return files;
}

void BM_FleetLoadAndJudge(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::vector<std::string> all = node_files(n);
  const std::vector<std::string> files(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));
  for (auto _ : state) {
    gx::FleetResult result = gx::judge_fleet(gx::load_fleet(files, 2), gx::FleetSettings{});
    benchmark::DoNotOptimize(result.nodes.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_FleetLoadAndJudge)
    ->Arg(100)
    ->Arg(300)
    ->Arg(1000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->Complexity(benchmark::oN);

}  // namespace

BENCHMARK_MAIN();
