#pragma once
// The optional libraries gpuxfer loads at run time (gpu/library_loader): cuBLASLt, cuBLAS and,
// where built with nccl.h, NCCL; what --version and list say of each (found, version, path, or
// why not and where it was looked for). Loading them needs neither a GPU nor the driver.
#include <string>
#include <vector>

#include "core/report_json.hpp"
#include "gpu/library_loader.hpp"

namespace gx::cli {

// In load order; each is searched once per process.
[[nodiscard]] std::vector<LibraryStatus> runtime_libraries();

// One object per library: name, soname, found, version, path, reason, searched.
[[nodiscard]] Json libraries_json(const std::vector<LibraryStatus>& libraries);

// "cuBLASLt 13.1.0.3 (/usr/local/cuda/lib64/libcublasLt.so.13)" or "cuBLAS: not found: ..."; one
// line each, indented by `indent`.
[[nodiscard]] std::string libraries_text(const std::vector<LibraryStatus>& libraries, const std::string& indent);

}  // namespace gx::cli
