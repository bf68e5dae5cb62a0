// Probe (not part of gpuxfer): what a 4-byte GPU0 -> GPU1 copy costs back to back on one stream,
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
  return 0;
}
