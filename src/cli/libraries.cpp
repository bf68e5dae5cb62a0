#include "cli/libraries.hpp"

#include <fmt/format.h>

#include "gpu/blas_api.hpp"
#ifdef GPUXFER_HAVE_NCCL
#include "gpu/nccl/nccl.hpp"
#endif

namespace gx::cli {

std::vector<LibraryStatus> runtime_libraries() {
  std::vector<LibraryStatus> out{cublaslt_status(), cublas_status()};
#ifdef GPUXFER_HAVE_NCCL
  out.push_back(nccl_library_status());
#endif
  return out;
}

Json libraries_json(const std::vector<LibraryStatus>& libraries) {
  Json out = Json::array();
  for (const LibraryStatus& l : libraries) {
    Json j{{"name", l.name}, {"soname", l.soname}, {"found", l.found}};
    j["version"] = l.version.empty() ? Json(nullptr) : Json(l.version);
    j["path"] = l.found ? Json(l.path) : Json(nullptr);
    j["reason"] = l.found ? Json(nullptr) : Json(l.reason);
    j["searched"] = l.searched;
    out.push_back(std::move(j));
  }
  return out;
}

std::string libraries_text(const std::vector<LibraryStatus>& libraries, const std::string& indent) {
  std::string text;
  for (const LibraryStatus& l : libraries) {
    if (l.found) {
      text += fmt::format("{}{} {} ({})\n", indent, l.name, l.version, l.path);
    } else {
      text += fmt::format("{}{}: not found: {}\n", indent, l.name, l.reason);
    }
  }
  return text;
}

}  // namespace gx::cli
