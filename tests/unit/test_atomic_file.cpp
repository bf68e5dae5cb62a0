#include "core/atomic_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/host.hpp"

using namespace gx;

namespace {
std::string temp_dir() {
  char pattern[] = "/tmp/gpuxfer_atomic_XXXXXX";
  const char* dir = ::mkdtemp(pattern);
  EXPECT_NE(dir, nullptr);
  return dir;
}
std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream b;
  b << in.rdbuf();
  return b.str();
}
int files_in(const std::string& dir) {
  const std::string cmd = "test $(ls -A " + dir + " | wc -l) -eq ";
  for (int n = 0; n < 10; ++n) {
    if (std::system((cmd + std::to_string(n)).c_str()) == 0) return n;
  }
  return -1;
}
}  // namespace

TEST(AtomicFile, WritesAndReplaces) {
  const std::string dir = temp_dir();
  const std::string path = dir + "/r.json";
  write_file_atomically(path, "first");
  EXPECT_EQ(read(path), "first");
  write_file_atomically(path, "second, longer");
  EXPECT_EQ(read(path), "second, longer");
  EXPECT_EQ(files_in(dir), 1) << "no temp file left behind";
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_TRUE(st.st_mode & S_IRGRP) << "readable like a normal file, not 0600";
}

TEST(AtomicFile, BadPathsAreInputErrors) {
  EXPECT_THROW(ensure_writable("/nonexistent-folder/x.json"), InputError);
  EXPECT_THROW(ensure_writable("/tmp"), InputError);
  EXPECT_THROW(ensure_writable(""), InputError);
  EXPECT_THROW(write_file_atomically("/nonexistent-folder/x.json", "x"), InputError);
  const std::string dir = temp_dir();
  EXPECT_NO_THROW(ensure_writable(dir + "/new.json"));
  EXPECT_NO_THROW(ensure_writable("relative-name.json"));
  try {
    ensure_writable("/nonexistent-folder/x.json");
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-folder/x.json"), std::string::npos);
  }
}

TEST(AtomicFile, ReadOnlyFolderIsRefusedUpFront) {
  if (::geteuid() == 0) GTEST_SKIP() << "root may write anywhere";
  const std::string dir = temp_dir();
  ASSERT_EQ(::chmod(dir.c_str(), 0500), 0);
  EXPECT_THROW(ensure_writable(dir + "/x.json"), InputError);
  ::chmod(dir.c_str(), 0700);
}

TEST(Host, CpuModelFromCpuinfo) {
  EXPECT_EQ(cpu_model_from_cpuinfo("processor\t: 0\nmodel name\t: AMD EPYC 9654 96-Core Processor\n"),
            "AMD EPYC 9654 96-Core Processor");
  EXPECT_EQ(cpu_model_from_cpuinfo("processor : 0\nCPU part : 0xd4f\n"), "0xd4f");
  EXPECT_EQ(cpu_model_from_cpuinfo(""), "unknown");
  EXPECT_FALSE(host_name().empty());
  const std::string now = utc_now_iso8601();
  EXPECT_EQ(now.size(), 24u) << now;
  EXPECT_EQ(now.back(), 'Z');
  EXPECT_EQ(now[10], 'T');
}

TEST(Host, CpuListParsesWhatFormatWrites) {
  EXPECT_EQ(parse_cpu_list("0-3,8"), (std::vector<int>{0, 1, 2, 3, 8}));
  EXPECT_EQ(parse_cpu_list("5"), (std::vector<int>{5}));
  EXPECT_TRUE(parse_cpu_list("3-1").empty());
  EXPECT_TRUE(parse_cpu_list("x").empty());
  EXPECT_TRUE(parse_cpu_list("").empty());
  EXPECT_FALSE(bind_current_thread("garbage"));
}

TEST(Host, MemAvailableFromMeminfo) {
  EXPECT_EQ(mem_available_from_meminfo("MemTotal:       24576000 kB\nMemFree:  100 kB\nMemAvailable:   20000000 kB\n"),
            20000000ull * 1024);
  EXPECT_EQ(mem_available_from_meminfo("MemTotal: 1 kB\n"), 0u);
  EXPECT_EQ(mem_available_from_meminfo("MemAvailable: lots\n"), 0u);
  EXPECT_EQ(mem_available_from_meminfo(""), 0u);
  EXPECT_GT(host_memory_available(), 0u) << "this test machine has /proc/meminfo";
}

TEST(AtomicFile, OutputsMayNotOverwriteInputsOrEachOther) {
  const std::string dir = ::testing::TempDir();
  const std::string a = dir + "/gx_same_a.json";
  write_file_atomically(a, "{}");
  EXPECT_THROW(refuse_same_file({{"--output", a}}, {{"report", a}}), UsageError);
  EXPECT_THROW(refuse_same_file({{"--output", dir + "/./gx_same_a.json"}}, {{"report", a}}), UsageError);
  EXPECT_THROW(refuse_same_file({{"--junit", dir + "/gx_new.xml"}, {"--prom", dir + "/gx_new.xml"}}, {}), UsageError);
  // Inputs may repeat; empty paths are ignored; different files pass.
  EXPECT_NO_THROW(refuse_same_file({{"--output", ""}}, {{"report", a}, {"report", a}}));
  EXPECT_NO_THROW(refuse_same_file({{"--output", dir + "/gx_other.json"}}, {{"report", a}}));
  try {
    refuse_same_file({{"--emit-expect", a}}, {{"RESULT", a}});
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--emit-expect and RESULT"), std::string::npos) << e.what();
  }
  std::remove(a.c_str());
}
