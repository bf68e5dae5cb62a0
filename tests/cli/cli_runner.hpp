#pragma once
// Runs the built gpuxfer binary in a shell and captures exit code, stdout and stderr.
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace gx::test {

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// `env` is a prefix like "CUDA_VISIBLE_DEVICES= NO_COLOR=1".
inline CliResult run_gpuxfer(const std::string& args, const std::string& env = "") {
  static int counter = 0;
  const std::string base = "/tmp/gpuxfer_cli_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  const std::string command =
      "env " + env + " " + GPUXFER_BINARY + " " + args + " >" + base + ".out 2>" + base + ".err </dev/null";
  const int status = std::system(command.c_str());
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(base + ".out");
  r.err = slurp(base + ".err");
  std::remove((base + ".out").c_str());
  std::remove((base + ".err").c_str());
  return r;
}

inline int count_lines(const std::string& text) {
  int n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

}  // namespace gx::test
