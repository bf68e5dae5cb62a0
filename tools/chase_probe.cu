// Probe (not part of gpuxfer, not installed): memory latency by a pointer chase written
// independently of gpuxfer's kernel and chain code, to check what `gpuxfer bench` reports for
// chase_local. One thread walks a single random cycle over N bytes, one link per STRIDE bytes
// (gpuxfer's stride: 256), with L1-bypassing loads (ld.global.cg), and the walk goes on from one
// kernel to the next through a cursor in device memory. It first walks once round the cycle (at
// most 2^20 loads), then times REPS kernels of STEPS loads each with CUDA events.
//
//   cmake --build --preset hopper --target chase_probe
//   build/hopper/tools/chase_probe [--device D] [--stride 256] [--steps 200000] [--reps 7]
//                                  [--warm LOADS] [--seed S] SIZE...      (SIZE: 4MiB, 64MiB, 2GiB, 1048576)
//
// One JSON object per size on stdout (ns per load of every rep, their median, the walk's end
// checked against the host's walk of the same cycle); messages on stderr; exit 1 on any error.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

#define PROBE_CHECK(expr)                                                                        \
  do {                                                                                           \
    const cudaError_t probe_rc = (expr);                                                         \
    if (probe_rc != cudaSuccess) {                                                               \
      std::fprintf(stderr, "chase_probe: %s failed: %s\n", #expr, cudaGetErrorString(probe_rc)); \
      std::exit(1);                                                                              \
    }                                                                                            \
  } while (0)

// Follows `steps` links from the index in *cursor and leaves the end there.
__global__ void walk_kernel(const unsigned long long* chain, unsigned long long steps, unsigned long long* cursor) {
  unsigned long long at = *cursor;
  for (unsigned long long s = 0; s < steps; ++s) {
    unsigned long long next;
    asm volatile("ld.global.cg.u64 %0, [%1];" : "=l"(next) : "l"(chain + at));
    at = next;
  }
  *cursor = at;
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "chase_probe: %s\nusage: chase_probe [--device D] [--stride B] [--steps N] [--reps N] "
               "[--warm LOADS] [--seed S] SIZE...\n",
               why);
  std::exit(2);
}

std::uint64_t parse_count(const char* text) {
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  if (end == text || v <= 0) usage("bad number");
  std::string unit(end);
  double scale = 1;
  if (unit == "K" || unit == "KiB")
    scale = 1024.0;
  else if (unit == "M" || unit == "MiB")
    scale = 1024.0 * 1024;
  else if (unit == "G" || unit == "GiB")
    scale = 1024.0 * 1024 * 1024;
  else if (unit == "kB")
    scale = 1e3;
  else if (unit == "MB")
    scale = 1e6;
  else if (unit == "GB")
    scale = 1e9;
  else if (!unit.empty())
    usage("bad unit");
  return static_cast<std::uint64_t>(v * scale);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

int main(int argc, char** argv) {
  int device = 0;
  std::uint64_t stride = 256, steps = 200000, reps = 7, seed = 20261204, warm = 0;
  bool warm_given = false;
  std::vector<std::uint64_t> sizes;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage("missing value");
      return argv[++i];
    };
    if (a == "--device")
      device = std::atoi(value());
    else if (a == "--stride")
      stride = parse_count(value());
    else if (a == "--steps")
      steps = parse_count(value());
    else if (a == "--reps")
      reps = parse_count(value());
    else if (a == "--seed")
      seed = parse_count(value());
    else if (a == "--warm") {
      warm = parse_count(value());
      warm_given = true;
    } else if (!a.empty() && a[0] == '-')
      usage("unknown option");
    else
      sizes.push_back(parse_count(a.c_str()));
  }
  if (sizes.empty()) usage("no size given");
  if (stride < 8 || stride % 8 != 0) usage("stride must be a multiple of 8");
  PROBE_CHECK(cudaSetDevice(device));
  cudaDeviceProp prop{};
  PROBE_CHECK(cudaGetDeviceProperties(&prop, device));
  const std::uint64_t words_per_line = stride / 8;
  for (const std::uint64_t bytes : sizes) {
    const std::uint64_t lines = std::max<std::uint64_t>(2, bytes / stride);
    // A single random cycle: a random order of the lines, each linked to the next (the order
    // shuffled by Fisher-Yates; the cycle closes from the last back to the first).
    std::vector<std::uint64_t> order(lines);
    for (std::uint64_t i = 0; i < lines; ++i) order[i] = i;
    std::mt19937_64 rng(seed ^ bytes);
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<unsigned long long> image(lines * words_per_line, 0);
    std::vector<std::uint64_t> succ(lines);
    for (std::uint64_t k = 0; k < lines; ++k) {
      const std::uint64_t from = order[k], to = order[(k + 1) % lines];
      succ[from] = to;
      image[from * words_per_line] = to * words_per_line;
    }
    unsigned long long* chain = nullptr;
    unsigned long long* cursor = nullptr;
    PROBE_CHECK(cudaMalloc(&chain, image.size() * sizeof(unsigned long long)));
    PROBE_CHECK(cudaMalloc(&cursor, sizeof(unsigned long long)));
    PROBE_CHECK(cudaMemcpy(chain, image.data(), image.size() * sizeof(unsigned long long), cudaMemcpyHostToDevice));
    image.clear();
    image.shrink_to_fit();
    const unsigned long long start = order[0] * words_per_line;
    PROBE_CHECK(cudaMemcpy(cursor, &start, sizeof start, cudaMemcpyHostToDevice));
    const std::uint64_t warm_loads = warm_given ? warm : std::min<std::uint64_t>(lines, 1ull << 20);
    for (std::uint64_t done = 0; done < warm_loads;) {
      const std::uint64_t n = std::min<std::uint64_t>(warm_loads - done, 100000);
      walk_kernel<<<1, 1>>>(chain, n, cursor);
      PROBE_CHECK(cudaGetLastError());
      done += n;
    }
    PROBE_CHECK(cudaDeviceSynchronize());
    cudaEvent_t t0, t1;
    PROBE_CHECK(cudaEventCreate(&t0));
    PROBE_CHECK(cudaEventCreate(&t1));
    std::vector<double> ns;
    for (std::uint64_t r = 0; r < reps; ++r) {
      PROBE_CHECK(cudaEventRecord(t0));
      walk_kernel<<<1, 1>>>(chain, steps, cursor);
      PROBE_CHECK(cudaGetLastError());
      PROBE_CHECK(cudaEventRecord(t1));
      PROBE_CHECK(cudaEventSynchronize(t1));
      float ms = 0;
      PROBE_CHECK(cudaEventElapsedTime(&ms, t0, t1));
      ns.push_back(static_cast<double>(ms) * 1e6 / static_cast<double>(steps));
    }
    unsigned long long end = 0;
    PROBE_CHECK(cudaMemcpy(&end, cursor, sizeof end, cudaMemcpyDeviceToHost));
    std::uint64_t at = order[0];
    for (std::uint64_t s = 0; s < warm_loads + reps * steps; ++s) at = succ[at];
    const bool verified = end == at * words_per_line;
    std::printf(
        "{\"probe\": \"chase_probe\", \"device\": \"%s\", \"l2_bytes\": %d, \"bytes\": %llu, "
        "\"stride_bytes\": %llu, \"lines\": %llu, \"warm_loads\": %llu, \"steps_per_rep\": %llu, "
        "\"reps\": %llu, \"walk_verified\": %s, \"ns_per_load_median\": %.3f, \"ns_per_load\": [",
        prop.name, prop.l2CacheSize, static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(stride),
        static_cast<unsigned long long>(lines), static_cast<unsigned long long>(warm_loads),
        static_cast<unsigned long long>(steps), static_cast<unsigned long long>(reps), verified ? "true" : "false",
        median(ns));
    for (std::size_t k = 0; k < ns.size(); ++k) std::printf("%s%.3f", k ? ", " : "", ns[k]);
    std::printf("]}\n");
    std::fflush(stdout);
    PROBE_CHECK(cudaEventDestroy(t0));
    PROBE_CHECK(cudaEventDestroy(t1));
    PROBE_CHECK(cudaFree(chain));
    PROBE_CHECK(cudaFree(cursor));
    if (!verified) {
      std::fprintf(stderr, "chase_probe: the walk over %llu bytes ended at the wrong index\n",
                   static_cast<unsigned long long>(bytes));
      return 1;
    }
  }
  return 0;
}
