// Probe (not part of gpuxfer): what a 4-byte GPU0 -> GPU1 copy costs back to back on one stream,
// and what SM copies of 400 MB reach when both GPUs' SMs share the work (push + pull),
// issued several ways, to see which way the `peer_b2b` latency target (<= 2.0 us) can be met.
//   nvcc -O2 -arch=sm_90 -std=c++17 scripts/probes/small_copy_probe.cu -o /tmp/probe -lcuda && /tmp/probe
// Each line: median of 7 samples of N copies between two events, us per copy. "gate": a spin
// kernel holds the stream until all N copies are enqueued (gpuxfer's method); "no gate": copies
// start as soon as they are enqueued.
#include <cuda.h>
#include <cuda_runtime.h>

#include <chrono>

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


enum class GateMode { none, kernel, aux_event, wait_value, warm };

// Per copy: the event window (GPU) and the host's enqueue time (CPU), so a figure can be told
// GPU-bound (enqueue faster than the window) from CPU-bound.
double measure_mode(const char* name, cudaStream_t stream, int device, GateMode mode, const std::function<void()>& op,
                    int n = 256, int copies_per_op = 1) {
  CK(cudaSetDevice(device));
  cudaEvent_t start, stop, opened;
  CK(cudaEventCreate(&start));
  CK(cudaEventCreate(&stop));
  CK(cudaEventCreateWithFlags(&opened, cudaEventDisableTiming));
  cudaStream_t aux;
  CK(cudaStreamCreateWithFlags(&aux, cudaStreamNonBlocking));
  for (int i = 0; i < 50; ++i) op();
  CK(cudaStreamSynchronize(stream));
  std::vector<double> us, host_us;
  for (int s = 0; s < 7; ++s) {
    *g_flag = 0;
    if (mode == GateMode::kernel) {
      gate_kernel<<<1, 1, 0, stream>>>(g_flag);
      CK(cudaGetLastError());
    } else if (mode == GateMode::aux_event) {
      gate_kernel<<<1, 1, 0, aux>>>(g_flag);
      CK(cudaEventRecord(opened, aux));
      CK(cudaStreamWaitEvent(stream, opened, 0));
    } else if (mode == GateMode::wait_value) {
      void* p = nullptr;
      CK(cudaHostGetDevicePointer(&p, g_flag, 0));
      const CUresult r = cuStreamWaitValue32(reinterpret_cast<CUstream>(stream), reinterpret_cast<CUdeviceptr>(p), 1,
                                             CU_STREAM_WAIT_VALUE_GEQ);
      if (r != CUDA_SUCCESS) {
        std::printf("%-58s cuStreamWaitValue32 failed: %d\n", name, static_cast<int>(r));
        return 0;
      }
    } else if (mode == GateMode::warm) {
      for (int i = 0; i < 64; ++i) op();
    }
    CK(cudaEventRecord(start, stream));
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) op();
    const auto t1 = std::chrono::steady_clock::now();
    CK(cudaEventRecord(stop, stream));
    *g_flag = 1;
    CK(cudaEventSynchronize(stop));
    CK(cudaStreamSynchronize(aux));
    float ms = 0;
    CK(cudaEventElapsedTime(&ms, start, stop));
    us.push_back(1000.0 * ms / n / copies_per_op);
    host_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count() / n / copies_per_op);
  }
  std::sort(us.begin(), us.end());
  std::sort(host_us.begin(), host_us.end());
  std::printf("%-58s %6.2f us/copy (min %.2f), enqueue %.2f us/copy\n", name, us[us.size() / 2], us.front(),
              host_us[host_us.size() / 2]);
  CK(cudaEventDestroy(start));
  CK(cudaEventDestroy(stop));
  CK(cudaEventDestroy(opened));
  CK(cudaStreamDestroy(aux));
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
  measure_mode("PeerAsync 4 B: gate kernel on the stream", s0, 0, GateMode::kernel, peer(s0));
  measure_mode("PeerAsync 4 B: no gate", s0, 0, GateMode::none, peer(s0));
  measure_mode("PeerAsync 4 B: no gate, N=1000", s0, 0, GateMode::none, peer(s0), 1000);
  measure_mode("PeerAsync 4 B: no gate, 64 copies queued before start", s0, 0, GateMode::warm, peer(s0));
  measure_mode("PeerAsync 4 B: gate kernel on another stream + event", s0, 0, GateMode::aux_event, peer(s0));
  measure_mode("PeerAsync 4 B: cuStreamWaitValue32 gate", s0, 0, GateMode::wait_value, peer(s0));
  measure_mode("PeerAsync 4 B: cuStreamWaitValue32 gate, N=1000", s0, 0, GateMode::wait_value, peer(s0), 1000);
  measure_mode("copy kernel 4 B: cuStreamWaitValue32 gate", s0, 0, GateMode::wait_value,
               [&] { copy4_kernel<<<1, 1, 0, s0>>>(dst, src); });
  measure_mode("copy kernel 4 B: gate kernel on the stream", s0, 0, GateMode::kernel,
               [&] { copy4_kernel<<<1, 1, 0, s0>>>(dst, src); });
  measure_mode("PeerAsync 64 KiB: gate kernel on the stream", s0, 0, GateMode::kernel,
               [&] { CK(cudaMemcpyPeerAsync(dst, 1, src, 0, 65536, s0)); });
  measure_mode("PeerAsync 64 KiB: cuStreamWaitValue32 gate", s0, 0, GateMode::wait_value,
               [&] { CK(cudaMemcpyPeerAsync(dst, 1, src, 0, 65536, s0)); });
  measure_mode("PeerAsync 64 KiB: no gate", s0, 0, GateMode::none,
               [&] { CK(cudaMemcpyPeerAsync(dst, 1, src, 0, 65536, s0)); });
  measure_mode("PeerAsync 64 KiB: gate kernel on another stream + event", s0, 0, GateMode::aux_event,
               [&] { CK(cudaMemcpyPeerAsync(dst, 1, src, 0, 65536, s0)); });
  split_copy("SM copy 400 MB: GPU0 pushes all", 1.0);
  split_copy("SM copy 400 MB: GPU1 pulls all", 0.0);
  split_copy("SM copy 400 MB: GPU0 pushes 50 %, GPU1 pulls 50 %", 0.5);
  split_copy("SM copy 400 MB: GPU0 pushes 60 %, GPU1 pulls 40 %", 0.6);
  split_copy("SM copy 400 MB: GPU0 pushes 40 %, GPU1 pulls 60 %", 0.4);
  return 0;
}
