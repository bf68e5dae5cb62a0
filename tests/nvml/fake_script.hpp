#pragma once
// Writes a fake NVML script (tests/fake_nvml/README.md) and points the fake library at it.
// gtest_discover_tests runs every test in its own process, so each test may load the library
// afresh with its own script.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace gx::test {

inline std::string use_fake_nvml_script(const std::string& json_text) {
  const std::string path = "/tmp/gpuxfer_fake_nvml_" + std::to_string(::getpid()) + ".json";
  std::ofstream(path) << json_text;
  ::setenv("GPUXFER_FAKE_NVML_SCRIPT", path.c_str(), 1);
  ::setenv("GPUXFER_NVML_LIBRARY", GPUXFER_FAKE_NVML, 1);
  return path;
}

}  // namespace gx::test
