#pragma once
#include <optional>
#include <string>

namespace gx {

// What the binary knows about itself. The git facts are read at build time, on every build
// (cmake/WriteBuildInfo.cmake); the rest at configure time.
struct BuildInfo {
  std::string version;
  std::string git_sha;            // 12 hex digits, "unknown" outside the source tree's own repository
  std::optional<bool> git_dirty;  // uncommitted changes to tracked files; nullopt when unknown
  std::string build_type;
  std::string cuda_build_version;  // the CUDA toolkit it was compiled with
  std::string compiler;            // C++ compiler id and version, e.g. "GNU 12.2.0"
};

const BuildInfo& build_info();

}  // namespace gx
