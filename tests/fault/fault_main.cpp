// Fault tests: each runs in its own process (ctest runs one --gtest_filter per entry), because a
// sticky CUDA error leaves the process's context unusable. Exit 77 (SKIPPED) without a GPU.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <cstdio>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  int count = 0;
  const cudaError_t rc = cudaGetDeviceCount(&count);
  if (rc != cudaSuccess || count == 0) {
    std::printf("SKIPPED: no usable GPU (%s)\n", rc != cudaSuccess ? cudaGetErrorString(rc) : "no device");
    return 77;
  }
  return RUN_ALL_TESTS();
}
