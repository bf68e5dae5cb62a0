// GPU tests: exit 77 (ctest SKIPPED) where no GPU can be used, so a CPU-only CI shows the skip.
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
