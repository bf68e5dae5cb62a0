// Probe (not part of gpuxfer): what 400 MB GPU0 -> GPU1 copies reach when a sample holds 1 or
// more operations back to back, for the copy engine and for SM copy kernels of several shapes
// (load/store cache qualifiers, grid-stride vs per-block tiles, push, pull, push + pull split).
//   nvcc -O3 -arch=sm_90 -std=c++17 scripts/probes/peer_copy_probe.cu -o /tmp/peer_probe && /tmp/peer_probe
//   /tmp/peer_probe ce-detail   only the copy engine's write, sampled gpuxfer's way vs the probe's way
// Each line: median (and best) of 15 samples, GB/s = bytes x ops / event window. A spin kernel
// holds the stream(s) for 1 ms so that enqueueing stays out of the window (gpuxfer's method).
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#define CK(x)                                                     \
  do {                                                            \
    cudaError_t e_ = (x);                                         \
    if (e_ != cudaSuccess) {                                      \
      std::printf("%s failed: %s\n", #x, cudaGetErrorString(e_)); \
      std::exit(1);                                               \
    }                                                             \
  } while (0)

__global__ void spin_kernel(unsigned long long ns) {
  unsigned long long t0, t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t0));
  do {
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  } while (t - t0 < ns);
}

// gpuxfer's gate: polls a host-mapped flag until the host opens it.
__global__ void flag_gate_kernel(const volatile int* flag) {
  while (*flag == 0) __nanosleep(200);
}

enum Load { ld_cs, ld_nc_na_256, ld_nc_na_128, ld_plain_256 };
enum Store { st_cs, st_na, st_plain };

template <int L>
__device__ __forceinline__ int4 load16(const int4* p) {
  int4 v;
  if constexpr (L == ld_cs) {
    v = __ldcs(p);
  } else if constexpr (L == ld_nc_na_256) {
    asm volatile("ld.global.nc.L1::no_allocate.L2::256B.v4.s32 {%0,%1,%2,%3}, [%4];"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "l"(p));
  } else if constexpr (L == ld_nc_na_128) {
    asm volatile("ld.global.nc.L1::no_allocate.L2::128B.v4.s32 {%0,%1,%2,%3}, [%4];"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "l"(p));
  } else {
    asm volatile("ld.global.L2::256B.v4.s32 {%0,%1,%2,%3}, [%4];"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "l"(p));
  }
  return v;
}

template <int S>
__device__ __forceinline__ void store16(int4* p, int4 v) {
  if constexpr (S == st_cs) {
    __stcs(p, v);
  } else if constexpr (S == st_na) {
    asm volatile("st.global.L1::no_allocate.v4.s32 [%0], {%1,%2,%3,%4};" ::"l"(p), "r"(v.x), "r"(v.y), "r"(v.z),
                 "r"(v.w)
                 : "memory");
  } else {
    *p = v;
  }
}

// Grid-stride: at each step the whole grid covers one contiguous window.
template <int L, int S, int U>
__global__ void __launch_bounds__(1024) copy_stride(int4* __restrict__ dst, const int4* __restrict__ src, size_t n) {
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  for (; i + (U - 1) * stride < n; i += U * stride) {
    int4 r[U];
#pragma unroll
    for (int u = 0; u < U; ++u) r[u] = load16<L>(src + i + u * stride);
#pragma unroll
    for (int u = 0; u < U; ++u) store16<S>(dst + i + u * stride, r[u]);
  }
  for (; i < n; i += stride) store16<S>(dst + i, load16<L>(src + i));
}

// Tiles: each block copies whole tiles of U x blockDim vectors (contiguous), tile t of block b
// is b + k * gridDim; the last partial tile is done element-wise.
template <int L, int S, int U>
__global__ void __launch_bounds__(1024) copy_tiles(int4* __restrict__ dst, const int4* __restrict__ src, size_t n) {
  const size_t tile = static_cast<size_t>(U) * blockDim.x;
  const size_t tiles = n / tile;
  for (size_t t = blockIdx.x; t < tiles; t += gridDim.x) {
    const size_t base = t * tile + threadIdx.x;
    int4 r[U];
#pragma unroll
    for (int u = 0; u < U; ++u) r[u] = load16<L>(src + base + u * blockDim.x);
#pragma unroll
    for (int u = 0; u < U; ++u) store16<S>(dst + base + u * blockDim.x, r[u]);
  }
  if (blockIdx.x == 0) {
    for (size_t i = tiles * tile + threadIdx.x; i < n; i += blockDim.x) store16<S>(dst + i, load16<L>(src + i));
  }
}

using Kernel = void (*)(int4*, const int4*, size_t);

struct Setup {
  int4* a = nullptr;  // on GPU0
  int4* b = nullptr;  // on GPU1
  size_t bytes = 0;
  cudaStream_t st[2]{};
  cudaEvent_t start[2]{}, stop[2]{};
  int sms[2]{};
};

// One sample: spin both streams, record starts (stream 1 joins stream 0's start), enqueue `ops`
// operations per stream via issue(d, stream), record stops, join into stream 0; GB/s.
double sample(Setup& s, int ops, const std::function<void(int, cudaStream_t)>& issue, size_t bytes_counted,
              bool two) {
  const int devs = two ? 2 : 1;
  for (int d = 0; d < devs; ++d) {
    CK(cudaSetDevice(d));
    spin_kernel<<<1, 1, 0, s.st[d]>>>(1000000ull);
    CK(cudaEventRecord(s.start[d], s.st[d]));
  }
  for (int k = 0; k < ops; ++k) {
    for (int d = 0; d < devs; ++d) {
      CK(cudaSetDevice(d));
      issue(d, s.st[d]);
    }
  }
  for (int d = 0; d < devs; ++d) {
    CK(cudaSetDevice(d));
    CK(cudaEventRecord(s.stop[d], s.st[d]));
  }
  float worst = 0;
  for (int d = 0; d < devs; ++d) {
    CK(cudaEventSynchronize(s.stop[d]));
    float ms = 0;
    CK(cudaEventElapsedTime(&ms, s.start[d], s.stop[d]));
    worst = std::max(worst, ms);
  }
  return static_cast<double>(bytes_counted) * ops / (worst * 1e-3) / 1e9;
}

void report(const std::string& name, std::vector<double> r) {
  std::sort(r.begin(), r.end());
  std::printf("%-72s %6.1f GB/s (best %.1f, worst %.1f)\n", name.c_str(), r[r.size() / 2], r.back(), r.front());
  std::fflush(stdout);
}

void run(Setup& s, const std::string& name, int ops, const std::function<void(int, cudaStream_t)>& issue,
         bool two = false) {
  for (int w = 0; w < 2; ++w) sample(s, 1, issue, s.bytes, two);
  std::vector<double> r;
  for (int i = 0; i < 15; ++i) r.push_back(sample(s, ops, issue, s.bytes, two));
  report(name + " x" + std::to_string(ops), r);
}

// What in gpuxfer's one-operation sample costs the copy engine's 400 MB write its last 1 %:
// the same copy timed the probe's way and with each of gpuxfer's differences added.
void ce_sample_variants(Setup& s) {
  int* flag = nullptr;
  CK(cudaHostAlloc(reinterpret_cast<void**>(&flag), sizeof(int), cudaHostAllocMapped | cudaHostAllocPortable));
  cudaEvent_t extra_start, extra_stop;
  CK(cudaSetDevice(0));
  CK(cudaEventCreate(&extra_start));
  CK(cudaEventCreate(&extra_stop));
  struct Way {
    const char* name;
    size_t offset;
    bool extra_events;
    bool flag_gate;
  };
  const Way ways[] = {
      {"probe's sample (spin 1 ms, event, copy, event)", 0, false, false},
      {"+ 4 KiB offset (gpuxfer's guard)", 4096, false, false},
      {"+ 64 KiB offset", 65536, false, false},
      {"+ 2 MiB offset", 2u << 20, false, false},
      {"+ two events each side (gpuxfer's per-stream windows)", 0, true, false},
      {"+ host-opened flag gate", 0, false, true},
      {"gpuxfer's sample: 4 KiB offset, two events, flag gate", 4096, true, true},
  };
  const size_t bytes = 400000000;
  for (int ops : {1, 2, 8}) {
    for (const auto& w : ways) {
      std::vector<double> r;
      auto* dst = reinterpret_cast<char*>(s.b) + w.offset;
      auto* src = reinterpret_cast<char*>(s.a) + w.offset;
      for (int i = 0; i < 17; ++i) {
        CK(cudaSetDevice(0));
        if (w.flag_gate) {
          *static_cast<volatile int*>(flag) = 0;
          flag_gate_kernel<<<1, 1, 0, s.st[0]>>>(flag);
        } else {
          spin_kernel<<<1, 1, 0, s.st[0]>>>(1000000ull);
        }
        CK(cudaEventRecord(s.start[0], s.st[0]));
        if (w.extra_events) CK(cudaEventRecord(extra_start, s.st[0]));
        for (int k = 0; k < ops; ++k) CK(cudaMemcpyPeerAsync(dst, 1, src, 0, bytes, s.st[0]));
        if (w.extra_events) CK(cudaEventRecord(extra_stop, s.st[0]));
        CK(cudaEventRecord(s.stop[0], s.st[0]));
        if (w.flag_gate) *static_cast<volatile int*>(flag) = 1;
        CK(cudaEventSynchronize(s.stop[0]));
        float ms = 0;
        CK(cudaEventElapsedTime(&ms, s.start[0], s.stop[0]));
        if (i >= 2) r.push_back(static_cast<double>(bytes) * ops / (ms * 1e-3) / 1e9);
      }
      report(std::string("CE write 400 MB, ") + w.name + " x" + std::to_string(ops), r);
    }
  }
}

int main(int argc, char** argv) {
  Setup s;
  s.bytes = 400000000;
  const size_t n = s.bytes / 16;
  for (int d = 0; d < 2; ++d) {
    CK(cudaSetDevice(d));
    CK(cudaDeviceEnablePeerAccess(1 - d, 0));
    CK(cudaStreamCreateWithFlags(&s.st[d], cudaStreamNonBlocking));
    CK(cudaEventCreate(&s.start[d]));
    CK(cudaEventCreate(&s.stop[d]));
    CK(cudaDeviceGetAttribute(&s.sms[d], cudaDevAttrMultiProcessorCount, d));
    CK(cudaMalloc(d == 0 ? reinterpret_cast<void**>(&s.a) : reinterpret_cast<void**>(&s.b), 1ull << 29));
    CK(cudaMemset(d == 0 ? static_cast<void*>(s.a) : static_cast<void*>(s.b), d + 1, 1ull << 29));
  }
  CK(cudaSetDevice(0));
  CK(cudaDeviceSynchronize());
  CK(cudaSetDevice(1));
  CK(cudaDeviceSynchronize());

  if (argc > 1 && std::string(argv[1]) == "ce-detail") {
    ce_sample_variants(s);
    return 0;
  }
  // Copy engine.
  for (int ops : {1, 2, 4, 8, 16}) {
    run(s, "CE cudaMemcpyPeerAsync on GPU0 (write) 400 MB", ops,
        [&](int, cudaStream_t st) { CK(cudaMemcpyPeerAsync(s.b, 1, s.a, 0, s.bytes, st)); });
  }
  for (int ops : {1, 8}) {
    run(s, "CE cudaMemcpyAsync default on GPU0 (write) 400 MB", ops,
        [&](int, cudaStream_t st) { CK(cudaMemcpyAsync(s.b, s.a, s.bytes, cudaMemcpyDefault, st)); });
  }
  {
    // Read: issued by GPU1 on its stream and timed there.
    for (int ops : {1, 8}) {
      std::vector<double> v;
      auto issue = [&](int, cudaStream_t) {
        CK(cudaSetDevice(1));
        CK(cudaMemcpyPeerAsync(s.b, 1, s.a, 0, s.bytes, s.st[1]));
      };
      for (int i = 0; i < 17; ++i) {
        CK(cudaSetDevice(1));
        spin_kernel<<<1, 1, 0, s.st[1]>>>(1000000ull);
        CK(cudaEventRecord(s.start[1], s.st[1]));
        for (int k = 0; k < ops; ++k) issue(1, s.st[1]);
        CK(cudaEventRecord(s.stop[1], s.st[1]));
        CK(cudaEventSynchronize(s.stop[1]));
        float ms = 0;
        CK(cudaEventElapsedTime(&ms, s.start[1], s.stop[1]));
        if (i >= 2) v.push_back(static_cast<double>(s.bytes) * ops / (ms * 1e-3) / 1e9);
      }
      report("CE cudaMemcpyPeerAsync on GPU1 (read) 400 MB x" + std::to_string(ops), v);
    }
  }
  {
    Setup big = s;
    big.bytes = 1ull << 29;
    run(big, "CE cudaMemcpyPeerAsync on GPU0 (write) 512 MiB", 16,
        [&](int, cudaStream_t st) { CK(cudaMemcpyPeerAsync(s.b, 1, s.a, 0, 1ull << 29, st)); });
  }

  struct Variant {
    const char* name;
    Kernel k;
    int threads;
    int blocks_per_sm;
  };
  const Variant variants[] = {
      {"stride ld.cs/st.cs U8 512x4", copy_stride<ld_cs, st_cs, 8>, 512, 4},
      {"stride ld.nc.L2::256B/st.cs U8 512x4", copy_stride<ld_nc_na_256, st_cs, 8>, 512, 4},
      {"stride ld.nc.L2::128B/st.cs U8 512x4", copy_stride<ld_nc_na_128, st_cs, 8>, 512, 4},
      {"stride ld.L2::256B/st.plain U8 512x4", copy_stride<ld_plain_256, st_plain, 8>, 512, 4},
      {"stride ld.nc.L2::256B/st.L1::no_allocate U8 512x4", copy_stride<ld_nc_na_256, st_na, 8>, 512, 4},
      {"stride ld.cs/st.cs U4 1024x2", copy_stride<ld_cs, st_cs, 4>, 1024, 2},
      {"stride ld.nc.L2::256B/st.cs U16 256x2", copy_stride<ld_nc_na_256, st_cs, 16>, 256, 2},
      {"tiles ld.cs/st.cs U8 512x4 (64 KiB tiles)", copy_tiles<ld_cs, st_cs, 8>, 512, 4},
      {"tiles ld.nc.L2::256B/st.cs U8 512x4", copy_tiles<ld_nc_na_256, st_cs, 8>, 512, 4},
      {"tiles ld.nc.L2::256B/st.cs U4 256x8 (16 KiB tiles)", copy_tiles<ld_nc_na_256, st_cs, 4>, 256, 8},
      {"tiles ld.nc.L2::256B/st.cs U16 1024x1 (256 KiB tiles)", copy_tiles<ld_nc_na_256, st_cs, 16>, 1024, 1},
  };
  // Push 100 % (GPU0 alone), pull (push 0 %: GPU1 alone) and push + pull splits, each side timed
  // on its own stream; the window is the later of the two.
  for (const auto& v : variants) {
    for (double share : {1.0, 0.0, 0.5, 0.45}) {
      const size_t push = static_cast<size_t>(static_cast<double>(n) * share);
      for (int ops : {1, 8}) {
        char name[160];
        std::snprintf(name, sizeof name, "SM split %s push %.0f%%", v.name, share * 100);
        run(
            s, name, ops,
            [&](int d, cudaStream_t st) {
              if (d == 0 && push > 0) v.k<<<s.sms[0] * v.blocks_per_sm, v.threads, 0, st>>>(s.b, s.a, push);
              if (d == 1 && push < n)
                v.k<<<s.sms[1] * v.blocks_per_sm, v.threads, 0, st>>>(s.b + push, s.a + push, n - push);
              CK(cudaGetLastError());
            },
            true);
      }
    }
  }
  return 0;
}
