// Probe (not part of gpuxfer): what a 4-byte GPU0 -> GPU1 copy costs back to back on one stream,
// and what SM copies of 400 MB reach when both GPUs' SMs share the work (push + pull),
// issued several ways, to see which way the `peer_b2b` latency target (<= 2.0 us) can be met.
//   nvcc -O2 -arch=sm_90 -std=c++17 scripts/probes/small_copy_probe.cu -o /tmp/probe && /tmp/probe
// Each line: median of 7 samples of N copies between two events, us per copy. "gate": a spin
// kernel holds the stream until all N copies are enqueued (gpuxfer's method); "no gate": copies
// start as soon as they are enqueued.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

#define CK(x)                                                                  \
  do {                                                                         \
    cudaError_t e_ = (x);                                                      \
    if (e_ != cudaSuccess) {                                                   \
      std::printf("%s failed: %s\n", #x, cudaGetErrorString(e_));              \
      std::exit(1);                                                            \
    }                                                                          \
  } while (0)

__global__ void gate_kernel(volatile int* flag) {
  while (*flag == 0) {
  }
}
__global__ void copy4_kernel(int* dst, const int* src) { *dst = *src; }

static int* g_flag = nullptr;

// The grid-stride 16-byte-vector copy of gpuxfer's sm_push / sm_pull (8 loads in flight).
__global__ void vector_copy_kernel(int4* __restrict__ dst, const int4* __restrict__ src, size_t n) {
  constexpr int kUnroll = 8;
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  for (; i + (kUnroll - 1) * stride < n; i += kUnroll * stride) {
    int4 r[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) r[u] = src[i + u * stride];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) dst[i + u * stride] = r[u];
  }
  for (; i < n; i += stride) dst[i] = src[i];
}

// 400 MB GPU0 -> GPU1 by SMs: GPU0 pushes the first `push_share` of it while GPU1 pulls the
// rest, both behind one host flag; GB/s from the later of the two event windows.
void split_copy(const char* name, double push_share, int reps = 20) {
  const size_t bytes = 400000000;
  static int4* a = nullptr;
  static int4* b = nullptr;
  static cudaStream_t st[2];
  static cudaEvent_t ev[2][2];
  if (a == nullptr) {
    CK(cudaSetDevice(0));
    CK(cudaMalloc(&a, bytes));
    CK(cudaStreamCreateWithFlags(&st[0], cudaStreamNonBlocking));
    CK(cudaEventCreate(&ev[0][0]));
    CK(cudaEventCreate(&ev[0][1]));
    CK(cudaSetDevice(1));
    CK(cudaMalloc(&b, bytes));
    CK(cudaStreamCreateWithFlags(&st[1], cudaStreamNonBlocking));
    CK(cudaEventCreate(&ev[1][0]));
    CK(cudaEventCreate(&ev[1][1]));
  }
  const size_t vectors = bytes / 16;
  const size_t push = static_cast<size_t>(static_cast<double>(vectors) * push_share);
  std::vector<double> rates;
  for (int sample = 0; sample < 6; ++sample) {
    *g_flag = 0;
    for (int d = 0; d < 2; ++d) {
      CK(cudaSetDevice(d));
      gate_kernel<<<1, 1, 0, st[d]>>>(g_flag);
      CK(cudaEventRecord(ev[d][0], st[d]));
      for (int r = 0; r < reps; ++r) {
        if (d == 0 && push > 0) vector_copy_kernel<<<132 * 4, 512, 0, st[0]>>>(b, a, push);
        if (d == 1 && push < vectors) vector_copy_kernel<<<132 * 4, 512, 0, st[1]>>>(b + push, a + push, vectors - push);
      }
      CK(cudaGetLastError());
      CK(cudaEventRecord(ev[d][1], st[d]));
    }
    *g_flag = 1;
    double worst = 0;
    for (int d = 0; d < 2; ++d) {
      CK(cudaEventSynchronize(ev[d][1]));
      float ms = 0;
      CK(cudaEventElapsedTime(&ms, ev[d][0], ev[d][1]));
      worst = std::max(worst, static_cast<double>(ms));
    }
    if (sample > 0) rates.push_back(static_cast<double>(bytes) * reps / (worst * 1e-3) / 1e9);
  }
  std::sort(rates.begin(), rates.end());
  std::printf("%-58s %6.1f GB/s (best %.1f)\n", name, rates[rates.size() / 2], rates.back());
}


double measure(const char* name, cudaStream_t stream, int device, bool gate, const std::function<void()>& op,
               int n = 256, int copies_per_op = 1) {
  CK(cudaSetDevice(device));
  cudaEvent_t start, stop;
  CK(cudaEventCreate(&start));
  CK(cudaEventCreate(&stop));
  for (int i = 0; i < 50; ++i) op();
  CK(cudaStreamSynchronize(stream));
  std::vector<double> us;
  for (int s = 0; s < 7; ++s) {
    if (gate) {
      *g_flag = 0;
      CK(cudaSetDevice(device));
      gate_kernel<<<1, 1, 0, stream>>>(g_flag);
      CK(cudaGetLastError());
    }
    CK(cudaEventRecord(start, stream));
    for (int i = 0; i < n; ++i) op();
    CK(cudaEventRecord(stop, stream));
    if (gate) *g_flag = 1;
    CK(cudaEventSynchronize(stop));
    float ms = 0;
    CK(cudaEventElapsedTime(&ms, start, stop));
    us.push_back(1000.0 * ms / n / copies_per_op);
  }
  std::sort(us.begin(), us.end());
  std::printf("%-58s %6.2f us/copy (min %.2f)\n", name, us[us.size() / 2], us.front());
  CK(cudaEventDestroy(start));
  CK(cudaEventDestroy(stop));
  return us[us.size() / 2];
}

int main() {
  int count = 0;
  CK(cudaGetDeviceCount(&count));
  if (count < 2) {
    std::printf("needs 2 GPUs\n");
    return 1;
  }
  CK(cudaHostAlloc(reinterpret_cast<void**>(&g_flag), sizeof(int), cudaHostAllocMapped | cudaHostAllocPortable));
  int *src = nullptr, *dst = nullptr;
  CK(cudaSetDevice(1));
  CK(cudaMalloc(&dst, 1 << 16));
  CK(cudaDeviceEnablePeerAccess(0, 0));
  cudaStream_t s1;
  CK(cudaStreamCreateWithFlags(&s1, cudaStreamNonBlocking));
  CK(cudaSetDevice(0));
  CK(cudaMalloc(&src, 1 << 16));
  CK(cudaDeviceEnablePeerAccess(1, 0));
  cudaStream_t s0, s0_blocking, s0_high;
  CK(cudaStreamCreateWithFlags(&s0, cudaStreamNonBlocking));
  CK(cudaStreamCreate(&s0_blocking));
  int lo = 0, hi = 0;
  CK(cudaDeviceGetStreamPriorityRange(&lo, &hi));
  CK(cudaStreamCreateWithPriority(&s0_high, cudaStreamNonBlocking, hi));

  auto peer = [&](cudaStream_t st) { return [=] { CK(cudaMemcpyPeerAsync(dst, 1, src, 0, 4, st)); }; };
  measure("cudaMemcpyPeerAsync, source stream, gate", s0, 0, true, peer(s0));
  measure("cudaMemcpyPeerAsync, source stream, no gate", s0, 0, false, peer(s0));
  measure("cudaMemcpyPeerAsync, source stream, gate, N=1000", s0, 0, true, peer(s0), 1000);
  measure("cudaMemcpyPeerAsync, destination stream (pull), gate", s1, 1, true, peer(s1));
  measure("cudaMemcpyPeerAsync, blocking stream, gate", s0_blocking, 0, true, peer(s0_blocking));
  measure("cudaMemcpyPeerAsync, high-priority stream, gate", s0_high, 0, true, peer(s0_high));
  measure("cudaMemcpyPeerAsync, legacy default stream, gate", nullptr, 0, true, peer(nullptr));
  measure("cudaMemcpyAsync DeviceToDevice, source stream, gate", s0, 0, true,
          [&] { CK(cudaMemcpyAsync(dst, src, 4, cudaMemcpyDeviceToDevice, s0)); });
  measure("cudaMemcpyAsync Default, source stream, gate", s0, 0, true,
          [&] { CK(cudaMemcpyAsync(dst, src, 4, cudaMemcpyDefault, s0)); });
  measure("copy kernel <<<1,1>>> on source, gate", s0, 0, true, [&] {
    copy4_kernel<<<1, 1, 0, s0>>>(dst, src);
  });
  measure("copy kernel <<<1,1>>> on source, no gate", s0, 0, false, [&] {
    copy4_kernel<<<1, 1, 0, s0>>>(dst, src);
  });
  // A graph of 256 dependent copies, launched behind the gate.
  for (int kind = 0; kind < 2; ++kind) {
    cudaGraph_t graph;
    cudaGraphExec_t exec;
    cudaStream_t cap;
    CK(cudaStreamCreateWithFlags(&cap, cudaStreamNonBlocking));
    CK(cudaStreamBeginCapture(cap, cudaStreamCaptureModeThreadLocal));
    for (int i = 0; i < 256; ++i) {
      if (kind == 0) {
        CK(cudaMemcpyPeerAsync(dst, 1, src, 0, 4, cap));
      } else {
        copy4_kernel<<<1, 1, 0, cap>>>(dst, src);
      }
    }
    CK(cudaStreamEndCapture(cap, &graph));
    CK(cudaGraphInstantiate(&exec, graph, 0));
    CK(cudaGraphUpload(exec, s0));
    measure(kind == 0 ? "graph of 256 cudaMemcpyPeerAsync (per copy), gate" : "graph of 256 copy kernels (per copy), gate",
            s0, 0, true, [&] { CK(cudaGraphLaunch(exec, s0)); }, 4, 256);
  }
  split_copy("SM copy 400 MB: GPU0 pushes all", 1.0);
  split_copy("SM copy 400 MB: GPU1 pulls all", 0.0);
  split_copy("SM copy 400 MB: GPU0 pushes 50 %, GPU1 pulls 50 %", 0.5);
  split_copy("SM copy 400 MB: GPU0 pushes 60 %, GPU1 pulls 40 %", 0.6);
  split_copy("SM copy 400 MB: GPU0 pushes 40 %, GPU1 pulls 60 %", 0.4);
  return 0;
}
