#include "fault_kernels.hpp"

#include "gpu/check.hpp"

namespace gx::test {
namespace {

__global__ void write_to_address(unsigned long long address) {
  *reinterpret_cast<volatile int*>(address) = 1;
}

}  // namespace

void launch_illegal_write(cudaStream_t stream) {
  // An address no allocation can have: the kernel faults (cudaErrorIllegalAddress, sticky).
  write_to_address<<<1, 1, 0, stream>>>(0x10ull);
  GX_CUDA_LAUNCH();
}

}  // namespace gx::test
