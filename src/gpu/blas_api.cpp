#include "gpu/blas_api.hpp"

#include <cuda_runtime_api.h>
#include <dlfcn.h>
#include <fmt/format.h>

#include "gpu/blas.hpp"

namespace gx {
namespace {

struct Loaded {
  LoadedLibrary lt;
  LoadedLibrary blas;
  BlasApi api;
  bool complete = false;
};

template <class Pointer>
bool resolve(void* handle, const char* name, Pointer& out) {
  out = reinterpret_cast<Pointer>(dlsym(handle, name));
  return out != nullptr;
}

// The first entry point of `table` the library lacks, as a reason; "" when it has them all.
#define GX_BLAS_RESOLVE(name) \
  if (!resolve(handle, #name, api.name)) return missing_symbol_reason(#name);

std::string resolve_cublaslt(void* handle, BlasApi& api) {
  GX_CUBLASLT_FUNCTIONS(GX_BLAS_RESOLVE)
  return {};
}

std::string resolve_cublas(void* handle, BlasApi& api) {
  GX_CUBLAS_FUNCTIONS(GX_BLAS_RESOLVE)
  GX_BLAS_RESOLVE(cublasGemmEx)
  return {};
}
#undef GX_BLAS_RESOLVE

std::string major_mismatch(long long code, int wanted) {
  return fmt::format("version {}, gpuxfer needs major {}", version_from_code(code), wanted);
}

const Loaded& loaded() {
  // Once per process; a function-local static is initialized thread-safely.
  static const Loaded instance = [] {
    Loaded l;
    const SearchContext context = process_search_context();
    const LibrarySpec lt_spec = cublaslt_spec();
    const LibrarySpec blas_spec = cublas_spec();
    l.lt = load_library(lt_spec, search_places(lt_spec, context), check_cublaslt);
    if (l.lt.handle != nullptr) {
      l.blas = load_library(blas_spec, search_places(blas_spec, context), check_cublas);
    } else {
      // libcublas cannot load without libcublasLt: say so instead of searching for nothing.
      l.blas.status.name = blas_spec.name;
      l.blas.status.soname = blas_spec.soname;
      l.blas.status.reason = fmt::format("not loaded: it needs {}, which is not usable", lt_spec.soname);
    }
    if (l.lt.handle != nullptr && l.blas.handle != nullptr) {
      l.complete = resolve_cublaslt(l.lt.handle, l.api).empty() && resolve_cublas(l.blas.handle, l.api).empty();
    }
    return l;
  }();
  return instance;
}

}  // namespace

LibrarySpec cublaslt_spec() {
  return {"cuBLASLt",
          fmt::format("libcublasLt.so.{}", CUBLAS_VER_MAJOR),
          CUDART_VERSION / 1000,
          {"nvidia/cublas/lib", fmt::format("nvidia/cu{}/lib", CUDART_VERSION / 1000)}};
}

LibrarySpec cublas_spec() {
  return {"cuBLAS",
          fmt::format("libcublas.so.{}", CUBLAS_VER_MAJOR),
          CUDART_VERSION / 1000,
          {"nvidia/cublas/lib", fmt::format("nvidia/cu{}/lib", CUDART_VERSION / 1000)}};
}

std::string check_cublaslt(void* handle, std::string& version) {
  decltype(&::cublasLtGetVersion) get_version = nullptr;
  if (!resolve(handle, "cublasLtGetVersion", get_version)) return missing_symbol_reason("cublasLtGetVersion");
  const auto code = static_cast<long long>(get_version());
  version = version_from_code(code);
  if (code / 10000 != CUBLAS_VER_MAJOR) return major_mismatch(code, CUBLAS_VER_MAJOR);
  BlasApi api;
  return resolve_cublaslt(handle, api);
}

std::string check_cublas(void* handle, std::string& version) {
  decltype(&::cublasGetProperty) get_property = nullptr;
  if (!resolve(handle, "cublasGetProperty", get_property)) return missing_symbol_reason("cublasGetProperty");
  int major = 0;
  int minor = 0;
  int patch = 0;
  if (get_property(MAJOR_VERSION, &major) != CUBLAS_STATUS_SUCCESS ||
      get_property(MINOR_VERSION, &minor) != CUBLAS_STATUS_SUCCESS ||
      get_property(PATCH_LEVEL, &patch) != CUBLAS_STATUS_SUCCESS) {
    return "cublasGetProperty failed: no version";
  }
  const long long code = major * 10000LL + minor * 100LL + patch;
  version = version_from_code(code);
  if (major != CUBLAS_VER_MAJOR) return major_mismatch(code, CUBLAS_VER_MAJOR);
  BlasApi api;
  return resolve_cublas(handle, api);
}

const LibraryStatus& cublaslt_status() {
  return loaded().lt.status;
}
const LibraryStatus& cublas_status() {
  return loaded().blas.status;
}
bool blas_available() {
  return loaded().complete;
}

std::string blas_unavailable_reason() {
  if (blas_available()) return {};
  const Loaded& l = loaded();
  if (l.lt.handle == nullptr) return fmt::format("cuBLASLt not usable: {}", l.lt.status.reason);
  return fmt::format("cuBLAS not usable: {}", l.blas.status.reason);
}

const BlasApi& blas_api() {
  if (!blas_available()) {
    const std::string reason = blas_unavailable_reason();
    throw BlasError(CUBLAS_STATUS_NOT_INITIALIZED, reason.c_str(), __FILE__, __LINE__);
  }
  return loaded().api;
}

}  // namespace gx
