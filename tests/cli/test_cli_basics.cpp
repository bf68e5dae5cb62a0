// The binary on its own: help, version, bad input (exit 2), no GPU (exit 3 with a JSON error).
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "core/model.hpp"

using gx::test::count_lines;
using gx::test::run_gpuxfer;

namespace {

// Whether this machine can run GPU commands at all (decides which exit code is right for
// requests that need the device list).
bool gpus_usable() {
  static const bool usable = run_gpuxfer("list --format json --quiet").exit_code == 0;
  return usable;
}

void expect_usage_error(const std::string& args, const std::string& mention) {
  SCOPED_TRACE(args);
  const auto r = run_gpuxfer(args);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.out, "") << "no partial output on stdout";
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(mention), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("terminate"), std::string::npos);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST(CliBasics, HelpListsSubcommandsAndExitCodes) {
  const auto r = run_gpuxfer("--help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("list"), std::string::npos);
  EXPECT_NE(r.out.find("Exit codes"), std::string::npos);
}

TEST(CliBasics, SubcommandHelpHasExamples) {
  const auto r = run_gpuxfer("list --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("Examples"), std::string::npos);
  EXPECT_NE(r.out.find("--devices"), std::string::npos);
}

TEST(CliBasics, VersionNamesBuildAndCuda) {
  const auto r = run_gpuxfer("--version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("gpuxfer 0."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("built with CUDA 13"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("git "), std::string::npos);
  // Either the driver versions or a plain statement that there is no driver.
  EXPECT_TRUE(r.out.find("CUDA driver") != std::string::npos || r.out.find("no NVIDIA driver") != std::string::npos)
      << r.out;
}

TEST(CliBasics, VersionJsonStatesTheFactsOfTheText) {
  const auto text = run_gpuxfer("--version");
  const auto js = run_gpuxfer("--version --format json");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  ASSERT_EQ(js.exit_code, 0) << js.err;
  EXPECT_EQ(js.err, "");
  const auto doc = nlohmann::json::parse(js.out);  // stdout holds only the object
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(doc.at("name"), "gpuxfer");
  const auto version = doc.at("version").get<std::string>();
  const auto sha = doc.at("git_sha").get<std::string>();
  const auto build_type = doc.at("build_type").get<std::string>();
  const auto cuda = doc.at("cuda_build_version").get<std::string>();
  const auto compiler = doc.at("compiler").get<std::string>();
  EXPECT_TRUE(contains(text.out, "gpuxfer " + version + " (git " + sha)) << text.out;
  EXPECT_TRUE(contains(text.out, build_type + " build")) << text.out;
  EXPECT_TRUE(contains(text.out, "built with CUDA " + cuda + " by " + compiler)) << text.out;
  EXPECT_FALSE(compiler.empty());

  // The sha is 12 hex digits or "unknown"; dirty is a bool, or null with its reason.
  const auto& dirty = doc.at("git_dirty");
  if (sha == "unknown") {
    EXPECT_TRUE(dirty.is_null());
  } else {
    EXPECT_EQ(sha.size(), 12U) << sha;
    EXPECT_EQ(sha.find_first_not_of("0123456789abcdef"), std::string::npos) << sha;
  }
  if (dirty.is_boolean()) {
    EXPECT_TRUE(contains(text.out, sha + (dirty.get<bool>() ? ", uncommitted changes," : ", clean,"))) << text.out;
  } else {
    ASSERT_TRUE(dirty.is_null()) << dirty;
    EXPECT_TRUE(doc.at("unknown").at("git_dirty").is_string());
    EXPECT_FALSE(contains(text.out, "uncommitted changes")) << text.out;
    EXPECT_FALSE(contains(text.out, ", clean,")) << text.out;
  }

  // Driver versions: integers as in the report, or null with the reason; the text agrees.
  for (const char* key : {"cuda_driver_version", "driver_release", "cuda_runtime_version"}) {
    SCOPED_TRACE(key);
    const auto& value = doc.at(key);
    if (value.is_null()) {
      EXPECT_TRUE(doc.at("unknown").at(key).is_string());
    } else {
      EXPECT_TRUE(std::string(key) == "driver_release" ? value.is_string() : value.is_number_integer()) << value;
    }
  }
  const auto& driver = doc.at("cuda_driver_version");
  if (driver.is_null()) {
    EXPECT_TRUE(contains(text.out, "no NVIDIA driver found at run time")) << text.out;
  } else {
    EXPECT_TRUE(contains(text.out, "CUDA driver " + gx::format_cuda_version(driver.get<int>()))) << text.out;
    const auto& release = doc.at("driver_release");
    if (release.is_string()) {
      EXPECT_TRUE(contains(text.out, "NVIDIA driver " + release.get<std::string>())) << text.out;
    }
    const auto& runtime = doc.at("cuda_runtime_version");
    if (runtime.is_number_integer()) {
      EXPECT_TRUE(contains(text.out, "CUDA runtime " + gx::format_cuda_version(runtime.get<int>()))) << text.out;
    }
  }
}

TEST(CliBasics, VersionTextIsTheDefaultFormat) {
  const auto plain = run_gpuxfer("--version");
  const auto text = run_gpuxfer("--version --format text");
  const auto after = run_gpuxfer("--format text --version");
  EXPECT_EQ(plain.exit_code, 0);
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(text.out, plain.out);
  EXPECT_EQ(after.out, plain.out);
  EXPECT_EQ(plain.out.find('{'), std::string::npos) << plain.out;
}

TEST(CliBasics, VersionRefusesOtherFormats) {
  expect_usage_error("--version --format csv", "invalid --format 'csv' for --version: allowed text, json");
  expect_usage_error("--version --format yaml", "'yaml'");
  expect_usage_error("--version --format ''", "empty");
}

TEST(CliBasics, BadInputIsOneLineAndExit2) {
  expect_usage_error("frobnicate", "frobnicate");
  expect_usage_error("--bogus list", "--bogus");
  expect_usage_error("list --bogus", "--bogus");
  expect_usage_error("--format yaml list", "yaml");
  expect_usage_error("list --format yaml", "allowed");
  expect_usage_error("list --devices x", "'x'");
  expect_usage_error("list --devices 0,0", "twice");
  expect_usage_error("list --devices ''", "empty");
  expect_usage_error("list --devices 0,,1", "empty item");
  expect_usage_error("list --devices -1", "-1");
  expect_usage_error("list --devices GPU-zz", "GPU-zz");
  expect_usage_error("list --quiet --verbose", "--quiet");
  expect_usage_error("list --output /nonexistent-dir/x.json", "/nonexistent-dir");
  expect_usage_error("list --output /tmp", "folder");
  expect_usage_error("", "subcommand");
  expect_usage_error("list --format", "--format");
}

TEST(CliBasics, DeviceOutOfRangeNamesTheValue) {
  const auto r = run_gpuxfer("list --devices 9");
  if (gpus_usable()) {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("GPU 9 does not exist"), std::string::npos) << r.err;
  } else {
    EXPECT_EQ(r.exit_code, 3) << r.err;
  }
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(CliBasics, NoGpuIsExit3WithPlainCause) {
  // An empty CUDA_VISIBLE_DEVICES hides every GPU, so this holds on GPU machines too.
  const auto r = run_gpuxfer("list", "CUDA_VISIBLE_DEVICES=");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_TRUE(r.err.find("no NVIDIA driver") != std::string::npos || r.err.find("no CUDA GPU") != std::string::npos)
      << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(CliBasics, NoGpuWithJsonPrintsAnErrorDocument) {
  const auto r = run_gpuxfer("list --format json", "CUDA_VISIBLE_DEVICES=");
  EXPECT_EQ(r.exit_code, 3);
  const auto doc = nlohmann::json::parse(r.out);  // throws (fails) on invalid JSON
  EXPECT_EQ(doc.at("schema"), "gpuxfer.report");
  EXPECT_EQ(doc.at("error").at("exit_code"), 3);
  EXPECT_EQ(doc.at("error").at("kind"), "cannot_run");
  EXPECT_FALSE(doc.at("error").at("message").get<std::string>().empty());
}

TEST(CliBasics, OutputFileIsNotCreatedOnFailure) {
  const std::string path = "/tmp/gpuxfer_cli_no_file_" + std::to_string(::getpid()) + ".json";
  std::remove(path.c_str());
  const auto r = run_gpuxfer("list --format json --output " + path, "CUDA_VISIBLE_DEVICES=");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(::access(path.c_str(), F_OK), 0) << "no half-written result file";
}

TEST(CliBench, BadValuesAreOneLineAndExit2BeforeAnyGpuWork) {
  expect_usage_error("bench --samples 0", "--samples 0");
  expect_usage_error("bench --samples -5", "--samples");
  expect_usage_error("bench --warmup -1", "--warmup -1");
  expect_usage_error("bench --suites peer,bogus", "'bogus'");
  expect_usage_error("bench --suites ''", "suite");
  expect_usage_error("bench --sizes 0", "'0'");
  expect_usage_error("bench --sizes -4KiB", "negative");
  expect_usage_error("bench --sizes 4XB", "unknown unit");
  expect_usage_error("bench --sizes 99999999999999999999", "too large");
  expect_usage_error("bench --sizes 16K:1K:x2", "16K:1K:x2");
  expect_usage_error("bench --shape 0x10", "'0x10'");
  expect_usage_error("bench --shape 10000x", "'10000x'");
  expect_usage_error("bench --dtype f8", "'f8'");
  expect_usage_error("bench --min-sample-time 0", "duration");
  expect_usage_error("bench --timeout -3s", "negative");
  expect_usage_error("bench --streams 0", "--streams 0");
  expect_usage_error("bench --progress sometimes", "'sometimes'");
  expect_usage_error("bench --sm-unroll 3", "--sm-unroll 3");
  expect_usage_error("bench --sm-threads 100", "--sm-threads 100");
  expect_usage_error("bench --sm-kernel magic", "'magic'");
  expect_usage_error("bench --sm-chunk 100", "multiple of 16");
  expect_usage_error("bench --save-json /nonexistent-dir/r.json", "/nonexistent-dir");
}

TEST(CliBench, HelpShowsExamples) {
  const auto r = run_gpuxfer("bench --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("Examples"), std::string::npos);
  EXPECT_NE(r.out.find("--sizes"), std::string::npos);
}

// Every default of every option passes its own validation: the plain commands get as far as
// looking for GPUs (exit 3 with none visible), never exit 2. (A default of "0s" for a duration
// that must be positive once slipped through and stopped every bench.)
TEST(CliBasics, DefaultsPassValidation) {
  for (const char* args : {"bench", "bench --quick", "bench --suites gemm", "check --quick", "check --full", "list"}) {
    SCOPED_TRACE(args);
    const auto r = run_gpuxfer(args, "CUDA_VISIBLE_DEVICES=");
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_EQ(r.err.find("invalid"), std::string::npos) << r.err;
  }
}

// The libraries loaded at run time (docs/deploy.md): each found with its version and path, or not
// with the reason and the places searched; text and JSON say the same. No GPU or driver needed.
TEST(CliBasics, VersionReportsTheRunTimeLibraries) {
  const auto text = run_gpuxfer("--version");
  const auto js = run_gpuxfer("--version --format json");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  ASSERT_EQ(js.exit_code, 0) << js.err;
  const auto doc = nlohmann::json::parse(js.out);
  const auto& libs = doc.at("libraries");
  ASSERT_TRUE(libs.is_array());
  ASSERT_GE(libs.size(), 2U);
  EXPECT_EQ(libs[0].at("name"), "cuBLASLt");
  EXPECT_EQ(libs[0].at("soname"), "libcublasLt.so.13");
  EXPECT_EQ(libs[1].at("name"), "cuBLAS");
  EXPECT_EQ(libs[1].at("soname"), "libcublas.so.13");
  EXPECT_TRUE(contains(text.out, "libraries loaded at run time")) << text.out;
  for (const auto& l : libs) {
    const std::string name = l.at("name");
    ASSERT_TRUE(l.at("found").is_boolean()) << l;
    ASSERT_TRUE(l.at("searched").is_array()) << l;
    if (l.at("found").get<bool>()) {
      const std::string path = l.at("path");
      EXPECT_TRUE(l.at("reason").is_null()) << l;
      EXPECT_EQ(path.front(), '/') << path;
      EXPECT_TRUE(contains(text.out, "  " + name + " " + l.at("version").get<std::string>() + " (" + path + ")"))
          << text.out;
    } else {
      EXPECT_TRUE(l.at("path").is_null()) << l;
      const std::string reason = l.at("reason");
      EXPECT_FALSE(reason.empty());
      EXPECT_TRUE(contains(text.out, "  " + name + ": not found: " + reason)) << text.out;
    }
  }
}
