#pragma once
#include <cuda_runtime_api.h>

namespace gx::test {
// A kernel that writes to an unmapped address: a sticky illegal-address error.
void launch_illegal_write(cudaStream_t stream);
}  // namespace gx::test
