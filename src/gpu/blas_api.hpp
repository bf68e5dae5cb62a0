#pragma once
// cuBLAS and cuBLASLt loaded at run time (gpu/library_loader): the entry points gpu/blas and
// gpu/raii call, in one table filled by dlsym. The headers give the types only; nothing links the
// libraries, so a machine without them still runs every suite but gemm and overlap, whose cases
// the plan skips with blas_unavailable_reason().
#include <cublasLt.h>
#include <cublas_v2.h>

#include <string>
#include <vector>

#include "gpu/library_loader.hpp"

namespace gx {

// Every cuBLASLt / cuBLAS function gpuxfer calls. A copy lacking one is not usable.
#define GX_CUBLASLT_FUNCTIONS(X)          \
  X(cublasLtGetVersion)                   \
  X(cublasLtGetStatusName)                \
  X(cublasLtGetStatusString)              \
  X(cublasLtCreate)                       \
  X(cublasLtDestroy)                      \
  X(cublasLtMatmul)                       \
  X(cublasLtMatmulAlgoGetHeuristic)       \
  X(cublasLtMatmulAlgoConfigGetAttribute) \
  X(cublasLtMatmulDescCreate)             \
  X(cublasLtMatmulDescDestroy)            \
  X(cublasLtMatmulDescSetAttribute)       \
  X(cublasLtMatmulPreferenceCreate)       \
  X(cublasLtMatmulPreferenceDestroy)      \
  X(cublasLtMatmulPreferenceSetAttribute) \
  X(cublasLtMatrixLayoutCreate)           \
  X(cublasLtMatrixLayoutDestroy)

// cublas_v2.h maps cublasCreate and friends to their _v2 exports; the table names the exports.
#define GX_CUBLAS_FUNCTIONS(X) \
  X(cublasGetProperty)         \
  X(cublasCreate_v2)           \
  X(cublasDestroy_v2)          \
  X(cublasSetStream_v2)        \
  X(cublasSetWorkspace_v2)     \
  X(cublasSetMathMode)

// cublasGemmEx is overloaded in C++ (an inline wrapper takes a cudaDataType compute type): the
// table holds the library's export, the cublasComputeType_t one.
using CublasGemmExFn = cublasStatus_t (*)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int,
                                          const void*, const void*, cudaDataType, int, const void*, cudaDataType, int,
                                          const void*, void*, cudaDataType, int, cublasComputeType_t, cublasGemmAlgo_t);

struct BlasApi {
#define GX_BLAS_POINTER(name) decltype(&::name) name = nullptr;
  GX_CUBLASLT_FUNCTIONS(GX_BLAS_POINTER)
  GX_CUBLAS_FUNCTIONS(GX_BLAS_POINTER)
#undef GX_BLAS_POINTER
  CublasGemmExFn cublasGemmEx = nullptr;
};

// The sonames of the major gpuxfer was built with (CUBLAS_VER_MAJOR): "libcublasLt.so.13".
[[nodiscard]] LibrarySpec cublaslt_spec();
[[nodiscard]] LibrarySpec cublas_spec();

// The checks a loaded copy must pass: the major version of the headers, every entry point.
[[nodiscard]] std::string check_cublaslt(void* handle, std::string& version);
[[nodiscard]] std::string check_cublas(void* handle, std::string& version);

// The process's libraries, searched once (thread-safe) in the order of gpu/library_loader.
// cuBLASLt first: libcublas needs it, and the dynamic linker then reuses the copy loaded.
[[nodiscard]] const LibraryStatus& cublaslt_status();
[[nodiscard]] const LibraryStatus& cublas_status();
// Both usable: the table is complete.
[[nodiscard]] bool blas_available();
// Why not, naming each library missing, what was looked for and where; "" when available.
[[nodiscard]] std::string blas_unavailable_reason();
// The table; throws BlasError (CUBLAS_STATUS_NOT_INITIALIZED, the reason) when not available.
[[nodiscard]] const BlasApi& blas_api();

}  // namespace gx
