#include "gpu/check.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace gx {

std::string cuda_error_text(cudaError_t code) {
  return fmt::format("{}: {}", cudaGetErrorName(code), cudaGetErrorString(code));
}

CudaError::CudaError(cudaError_t code, const char* expression, const char* file, int line)
    : DeviceError(fmt::format("CUDA error {} in {} ({}:{})", cuda_error_text(code), expression, file, line)),
      code_(code) {}

bool CudaError::sticky() const noexcept {
  switch (code_) {
    case cudaErrorIllegalAddress:
    case cudaErrorLaunchFailure:
    case cudaErrorHardwareStackError:
    case cudaErrorIllegalInstruction:
    case cudaErrorMisalignedAddress:
    case cudaErrorInvalidAddressSpace:
    case cudaErrorInvalidPc:
    case cudaErrorLaunchTimeout:
    case cudaErrorAssert:
    case cudaErrorECCUncorrectable:
    case cudaErrorUnknown: return true;
    default: return false;
  }
}

void cuda_check(cudaError_t code, const char* expression, const char* file, int line) {
  if (code != cudaSuccess) throw CudaError(code, expression, file, line);
}

void cuda_check_noexcept(cudaError_t code, const char* expression, const char* file, int line) noexcept {
  // Destructors cannot throw; a failed release is worth a line on stderr, nothing more.
  if (code != cudaSuccess) {
    std::fprintf(stderr, "gpuxfer: warning: %s in %s (%s:%d)\n", cuda_error_text(code).c_str(), expression, file, line);
  }
}

}  // namespace gx
