#pragma once
// Finding and loading the optional NVIDIA libraries (cuBLAS, cuBLASLt, NCCL) at run time, so the
// binary needs only the driver to start (docs/deploy.md). Nothing links them: their users (gpu/blas,
// gpu/nccl) take their entry points from a table filled with dlsym after a load found here.
//
// Search order (docs/deploy.md), the first place holding a usable copy wins:
//   1. each folder of $GPUXFER_LIBRARY_PATH (colon-separated)
//   2. the executable's own folder, then ../lib/gpuxfer beside it (/proc/self/exe)
//   3. the dynamic linker's own search: dlopen of the bare soname (LD_LIBRARY_PATH, ld.so.cache,
//      the default folders)
//   4. the CUDA toolkit: $CUDA_HOME/lib64, $CUDA_PATH/lib64, /usr/local/cuda/lib64,
//      /usr/local/cuda/lib, /usr/local/cuda-<major>*/lib64 and lib,
//      /usr/local/cuda/targets/<arch>/lib
//   5. NVIDIA's Python wheels: nvidia/<package>/lib under the site-packages and dist-packages of
//      /usr/lib/python3*, /usr/local/lib/python3*, $VIRTUAL_ENV, ~/.local and each $PYTHONPATH entry
// A copy that loads but fails its check (wrong major version, a missing entry point) is noted and
// the search goes on. No library is a hard requirement: a miss is a value with its reason.
// This module includes no CUDA header; the checks come from the callers.
#include <functional>
#include <string>
#include <vector>

namespace gx {

// One optional library.
struct LibrarySpec {
  std::string name;                     // for messages: "cuBLAS"
  std::string soname;                   // "libcublas.so.13"
  int cuda_major = 0;                   // the toolkit it belongs to: /usr/local/cuda-<major>*
  std::vector<std::string> wheel_dirs;  // below site-packages: "nvidia/cublas/lib", "nvidia/cu13/lib"
};

// A place to look. An empty folder is the dynamic linker's own search (dlopen of the soname).
struct SearchPlace {
  std::string folder;
  std::string origin;  // "GPUXFER_LIBRARY_PATH", "beside the executable", "system", "CUDA toolkit", "Python"
};

// What the search reads from the process, replaceable by tests.
struct SearchContext {
  std::function<const char*(const char*)> getenv;  // the environment
  std::string executable;                          // absolute path of the running binary ("" = unknown)
  std::string root = "/";                          // prefix of the fixed folders and globs (tests: a temp dir)
  bool system = true;                              // include the dynamic linker's search (step 3)
};

// The real process: std::getenv, /proc/self/exe, "/", the system search on.
[[nodiscard]] SearchContext process_search_context();

// The places of the search order above, in order, duplicates removed. Fixed folders are listed
// whether or not they exist (a miss names them); globbed and Python folders only where they exist.
[[nodiscard]] std::vector<SearchPlace> search_places(const LibrarySpec& spec, const SearchContext& context);

// What a load came to; also what --version and list report.
struct LibraryStatus {
  std::string name;
  std::string soname;
  bool found = false;                 // loaded and usable
  std::string path;                   // the file actually loaded (from the link map)
  std::string version;                // "13.1.0" (found, or the last unusable copy's)
  std::string reason;                 // why not usable; empty when found
  std::vector<std::string> searched;  // every place looked at, with what was there
};

// Checks a loaded copy: returns "" when usable, else why not; sets `version` when it can read one.
using LibraryCheck = std::function<std::string(void* handle, std::string& version)>;

// A loaded, checked library. The handle is never closed: the libraries register their own
// teardown with the C runtime, and unloading them under it at exit is what would crash.
struct LoadedLibrary {
  void* handle = nullptr;  // null when not found
  LibraryStatus status;
};

// Tries each place in order (dlopen RTLD_NOW | RTLD_LOCAL, then `check`); the first usable copy
// wins. Never throws for a missing or bad library: status.reason says what was looked for and where.
[[nodiscard]] LoadedLibrary load_library(const LibrarySpec& spec, const std::vector<SearchPlace>& places,
                                         const LibraryCheck& check);

// "SYMBOL" missing from the library, as a check's reason: "lacks cublasLtMatmul".
[[nodiscard]] std::string missing_symbol_reason(const char* symbol);

// Version code major * 10000 + minor * 100 + patch (cuBLAS, cuBLASLt, NCCL >= 2.9) as "13.1.0".
[[nodiscard]] std::string version_from_code(long long code);

}  // namespace gx
