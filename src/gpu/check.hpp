#pragma once
// Every CUDA runtime call goes through GX_CUDA: a failure throws CudaError carrying the error
// name, its text, the expression and file:line. Destructors use GX_CUDA_NOEXCEPT (logs, never
// throws). After every kernel launch: GX_CUDA_LAUNCH().
#include <cuda_runtime_api.h>

#include <string>

#include "core/error.hpp"

namespace gx {

class CudaError : public DeviceError {
 public:
  CudaError(cudaError_t code, const char* expression, const char* file, int line);
  [[nodiscard]] cudaError_t code() const noexcept { return code_; }
  // Sticky errors poison the context: the run must end (docs/failure.md).
  [[nodiscard]] bool sticky() const noexcept;

 private:
  cudaError_t code_;
};

void cuda_check(cudaError_t code, const char* expression, const char* file, int line);
void cuda_check_noexcept(cudaError_t code, const char* expression, const char* file, int line) noexcept;
[[nodiscard]] std::string cuda_error_text(cudaError_t code);  // "cudaErrorX: message"

}  // namespace gx

#define GX_CUDA(expr) ::gx::cuda_check((expr), #expr, __FILE__, __LINE__)
#define GX_CUDA_LAUNCH() ::gx::cuda_check(cudaGetLastError(), "kernel launch", __FILE__, __LINE__)
#define GX_CUDA_NOEXCEPT(expr) ::gx::cuda_check_noexcept((expr), #expr, __FILE__, __LINE__)
