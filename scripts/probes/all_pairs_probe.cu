// Probe (not part of gpuxfer): why "every GPU sends 400 MB to every other at once" (all_pairs_ce)
// gives a different aggregate in every sample, and whether another way of issuing the same
// traffic is steady. Needs 3+ GPUs joined by NVLink.
//   nvcc -O3 -arch=sm_90 -std=c++17 scripts/probes/all_pairs_probe.cu -o /tmp/ap && /tmp/ap
// Each line: aggregate GB/s = n(n-1) x 400 MB / (release -> last copy's end), median / min / max /
// cv of 20 samples, then every sample. Timing as gpuxfer: a spin kernel holds GPU0's stream 0
// while everything is enqueued; every stream waits on its start event; every stream's end event
// is joined into GPU0's stream 0.
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
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

constexpr size_t kBytes = 400000000;
constexpr int kMaxGpus = 8;

__global__ void spin_kernel(unsigned long long ns) {
  unsigned long long t0, t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t0));
  do {
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  } while (t - t0 < ns);
}

struct Targets {
  int4* dst[kMaxGpus];
  int count;
};

// One kernel pushes the source to every target: the grid is cut into `count` groups of blocks,
// group g copies everything to target g (16-byte vectors, 8 loads in flight per thread).
__global__ void __launch_bounds__(512) push_all_kernel(Targets t, const int4* __restrict__ src, size_t n) {
  const int groups = t.count;
  const int blocks_per_group = gridDim.x / groups;
  const int g = blockIdx.x / blocks_per_group;
  if (g >= groups) return;
  int4* __restrict__ dst = t.dst[g];
  const size_t stride = static_cast<size_t>(blocks_per_group) * blockDim.x;
  size_t i = static_cast<size_t>(blockIdx.x % blocks_per_group) * blockDim.x + threadIdx.x;
  constexpr int U = 8;
  for (; i + (U - 1) * stride < n; i += U * stride) {
    int4 r[U];
#pragma unroll
    for (int u = 0; u < U; ++u) r[u] = __ldcs(src + i + u * stride);
#pragma unroll
    for (int u = 0; u < U; ++u) __stcs(dst + i + u * stride, r[u]);
  }
  for (; i < n; i += stride) __stcs(dst + i, __ldcs(src + i));
}

__global__ void __launch_bounds__(512) push_kernel(int4* __restrict__ dst, const int4* __restrict__ src, size_t n) {
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  for (; i < n; i += stride) __stcs(dst + i, __ldcs(src + i));
}

int n = 0;
int sms[kMaxGpus];
int4* send[kMaxGpus];
int4* recv[kMaxGpus][kMaxGpus];  // recv[dst][src]
cudaStream_t streams[kMaxGpus][kMaxGpus];
cudaEvent_t ends[kMaxGpus][kMaxGpus];
cudaEvent_t start, stop;

// issue(): enqueue the traffic; it may use streams[g][k] for k < n (stream n-1 is spare).
void measure(const std::string& name, const std::function<void()>& issue) {
  std::vector<double> agg;
  for (int s = 0; s < 22; ++s) {
    CK(cudaSetDevice(0));
    spin_kernel<<<1, 1, 0, streams[0][0]>>>(3000000ull);
    CK(cudaEventRecord(start, streams[0][0]));
    for (int g = 0; g < n; ++g) {
      CK(cudaSetDevice(g));
      for (int k = 0; k < n; ++k) {
        if (g != 0 || k != 0) CK(cudaStreamWaitEvent(streams[g][k], start, 0));
      }
    }
    issue();
    for (int g = 0; g < n; ++g) {
      CK(cudaSetDevice(g));
      for (int k = 0; k < n; ++k) CK(cudaEventRecord(ends[g][k], streams[g][k]));
    }
    CK(cudaSetDevice(0));
    for (int g = 0; g < n; ++g) {
      for (int k = 0; k < n; ++k) CK(cudaStreamWaitEvent(streams[0][0], ends[g][k], 0));
    }
    CK(cudaEventRecord(stop, streams[0][0]));
    CK(cudaEventSynchronize(stop));
    float ms = 0;
    CK(cudaEventElapsedTime(&ms, start, stop));
    if (s >= 2) agg.push_back(static_cast<double>(kBytes) * n * (n - 1) / (ms * 1e-3) / 1e9);
  }
  std::vector<double> sorted = agg;
  std::sort(sorted.begin(), sorted.end());
  double mean = 0, var = 0;
  for (double a : agg) mean += a / agg.size();
  for (double a : agg) var += (a - mean) * (a - mean) / (agg.size() - 1);
  std::printf("%-62s median %6.0f  min %6.0f  max %6.0f  cv %5.1f %%  samples:", name.c_str(), sorted[sorted.size() / 2],
              sorted.front(), sorted.back(), 100 * std::sqrt(var) / mean);
  for (double a : agg) std::printf(" %.0f", a);
  std::printf("\n");
  std::fflush(stdout);
}

void copy(int src, int dst, cudaStream_t st, int issuer) {
  CK(cudaSetDevice(issuer));
  CK(cudaMemcpyPeerAsync(recv[dst][src], dst, send[src], src, kBytes, st));
}

int main() {
  CK(cudaGetDeviceCount(&n));
  n = std::min(n, kMaxGpus);
  if (n < 3) {
    std::printf("needs 3+ GPUs\n");
    return 1;
  }
  for (int g = 0; g < n; ++g) {
    CK(cudaSetDevice(g));
    CK(cudaDeviceGetAttribute(&sms[g], cudaDevAttrMultiProcessorCount, g));
    for (int p = 0; p < n; ++p) {
      if (p != g) CK(cudaDeviceEnablePeerAccess(p, 0));
    }
    CK(cudaMalloc(&send[g], kBytes));
    CK(cudaMemset(send[g], g + 1, kBytes));
    for (int s = 0; s < n; ++s) {
      if (s != g) CK(cudaMalloc(&recv[g][s], kBytes));
    }
    for (int k = 0; k < n; ++k) {
      CK(cudaStreamCreateWithFlags(&streams[g][k], cudaStreamNonBlocking));
      CK(cudaEventCreateWithFlags(&ends[g][k], cudaEventDisableTiming));
    }
    CK(cudaDeviceSynchronize());
  }
  CK(cudaSetDevice(0));
  CK(cudaEventCreate(&start));
  CK(cudaEventCreate(&stop));
  const size_t vectors = kBytes / 16;
  auto others = [&](int self, int other) {  // gpuxfer's index_among_others
    int k = 0;
    for (int d = 0; d < n; ++d) {
      if (d == self) continue;
      if (d == other) return k;
      ++k;
    }
    return 0;
  };

  for (int rep = 0; rep < 2; ++rep) {
    measure("CE writes, gpuxfer's streams (stream = rank of dst), src-major", [&] {
      for (int s = 0; s < n; ++s)
        for (int d = 0; d < n; ++d)
          if (s != d) copy(s, d, streams[s][others(s, d)], s);
    });
    measure("CE writes, staggered (stream k: dst = src+k+1), k-major", [&] {
      for (int k = 0; k < n - 1; ++k)
        for (int s = 0; s < n; ++s) copy(s, (s + k + 1) % n, streams[s][k], s);
    });
    measure("CE writes, one stream per GPU, dst = src+1, src+2, ... in turn", [&] {
      for (int k = 0; k < n - 1; ++k)
        for (int s = 0; s < n; ++s) copy(s, (s + k + 1) % n, streams[s][0], s);
    });
    measure("CE reads (issued by dst), staggered (stream k: src = dst+k+1)", [&] {
      for (int k = 0; k < n - 1; ++k)
        for (int d = 0; d < n; ++d) copy((d + k + 1) % n, d, streams[d][k], d);
    });
    measure("CE writes, staggered, each copy in 4 pieces interleaved", [&] {
      const size_t piece = kBytes / 4;
      for (int p = 0; p < 4; ++p)
        for (int k = 0; k < n - 1; ++k)
          for (int s = 0; s < n; ++s) {
            const int d = (s + k + 1) % n;
            CK(cudaSetDevice(s));
            CK(cudaMemcpyPeerAsync(reinterpret_cast<char*>(recv[d][s]) + p * piece, d,
                                   reinterpret_cast<const char*>(send[s]) + p * piece, s, piece, streams[s][k]));
          }
    });
    measure("SM push, one kernel per GPU to all peers (blocks split)", [&] {
      for (int s = 0; s < n; ++s) {
        Targets t{};
        t.count = n - 1;
        for (int k = 0; k < n - 1; ++k) t.dst[k] = recv[(s + k + 1) % n][s];
        CK(cudaSetDevice(s));
        const int per_group = sms[s] * 4 / (n - 1);
        push_all_kernel<<<per_group * (n - 1), 512, 0, streams[s][0]>>>(t, send[s], vectors);
        CK(cudaGetLastError());
      }
    });
    measure("SM push, one kernel per peer on its own stream (staggered)", [&] {
      for (int k = 0; k < n - 1; ++k)
        for (int s = 0; s < n; ++s) {
          CK(cudaSetDevice(s));
          push_kernel<<<sms[s] * 4 / (n - 1), 512, 0, streams[s][k]>>>(recv[(s + k + 1) % n][s], send[s], vectors);
          CK(cudaGetLastError());
        }
    });
  }
  return 0;
}
