#pragma once
#include <string>

namespace gx {

// What the binary knows about itself; filled in at configure time.
struct BuildInfo {
  std::string version;
  std::string git_sha;
  std::string build_type;
  std::string cuda_build_version;  // the CUDA toolkit it was compiled with
};

const BuildInfo& build_info();

}  // namespace gx
