// Health through the real binary: `gpuxfer check` on reports with a health section (every rule's
// verdicts, JUnit, Prometheus, JSON) and `gpuxfer list` on the fake NVML library.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli_runner.hpp"

using gx::test::run_gpuxfer;
using gx::test::slurp;

namespace {

std::string check_file(const std::string& name) {
  return std::string(GPUXFER_TEST_DATA_DIR) + "/check/" + name;
}
std::string nvml_script(const std::string& name) {
  return std::string(GPUXFER_TEST_DATA_DIR) + "/nvml/" + name;
}
std::string temp_path(const std::string& name) {
  return "/tmp/gpuxfer_cli_health_" + std::to_string(::getpid()) + "_" + name;
}
std::string fake_env(const std::string& script) {
  return std::string("GPUXFER_NVML_LIBRARY=") + GPUXFER_FAKE_NVML + " GPUXFER_FAKE_NVML_SCRIPT=" + nvml_script(script);
}

// The verdict of `rule` in a text findings table: the first column of the row whose second
// column is the rule ("" when absent).
std::string verdict_of(const std::string& table, const std::string& rule) {
  std::istringstream lines(table);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string verdict, name;
    if (words >> verdict >> name && name == rule) return verdict;
  }
  return "";
}

TEST(CliHealth, HealthyReportPassesEveryHealthRule) {
  const auto r = run_gpuxfer("check " + check_file("health-healthy.json"));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* rule : {"remap_failure", "remap_pending", "ecc_uncorrected", "xid_critical", "nvlink_errors",
                           "pcie_replay", "reset_required", "power_limit", "app_clocks", "persistence_mode"}) {
    EXPECT_EQ(verdict_of(r.out, rule), "PASS") << rule << "\n" << r.out;
  }
  EXPECT_EQ(verdict_of(r.out, "retired_pages_pending"), "INFO") << "unknown on a row-remapping GPU";
  EXPECT_NE((r.out + r.err).find(", 1 INFO on"), std::string::npos) << r.out << r.err;
}

TEST(CliHealth, FaultsFailAndSettingsWarn) {
  const auto r = run_gpuxfer("check " + check_file("health-faults.json"));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  for (const char* rule : {"remap_failure", "remap_pending", "ecc_uncorrected", "xid_critical", "nvlink_errors",
                           "pcie_replay", "reset_required"}) {
    EXPECT_EQ(verdict_of(r.out, rule), "FAIL") << rule << "\n" << r.out;
  }
  for (const char* rule : {"power_limit", "app_clocks", "persistence_mode"}) {
    EXPECT_EQ(verdict_of(r.out, rule), "WARN") << rule << "\n" << r.out;
  }
  EXPECT_NE(r.out.find("remap pending: reset the GPU before use"), std::string::npos);
  EXPECT_NE(r.out.find("nvidia-smi -r -i 0000:00:09.0"), std::string::npos);
  EXPECT_NE(r.out.find("XID 79"), std::string::npos);
}

TEST(CliHealth, SmallGrowthAndOtherXidsWarn) {
  const auto r = run_gpuxfer("check " + check_file("health-warnings.json"));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* rule :
       {"xid_critical", "nvlink_errors", "pcie_replay", "power_limit", "app_clocks", "persistence_mode"}) {
    EXPECT_EQ(verdict_of(r.out, rule), "WARN") << rule << "\n" << r.out;
  }
}

TEST(CliHealth, UnknownFieldsAreInfoNotPass) {
  const auto r = run_gpuxfer("check " + check_file("health-unknowns.json") + " --format json");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["schema_version"]["minor"], 1);
  int info = 0;
  for (const auto& f : doc["findings"]) {
    const std::string rule = f["rule"];
    if (rule == "remap_failure" || rule == "xid_critical" || rule == "persistence_mode" || rule == "nvlink_errors") {
      EXPECT_EQ(f["verdict"], "INFO") << rule;
      EXPECT_NE(f["note"].get<std::string>().find("Not Supported"), std::string::npos) << f.dump();
    }
    info += f["verdict"] == "INFO";
  }
  EXPECT_EQ(info, 11);
  EXPECT_EQ(doc["summary"]["info"], 11);
}

TEST(CliHealth, JunitAndPrometheusCarryTheHealthFindings) {
  const std::string junit = temp_path("h.xml"), prom = temp_path("h.prom");
  const auto r = run_gpuxfer("check " + check_file("health-faults.json") + " --junit " + junit + " --prom " + prom);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const std::string xml = slurp(junit), text = slurp(prom);
  EXPECT_NE(xml.find("gpuxfer.check.vm.remap_pending\" name=\"GPU 3 row remapping\">\n      <failure"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("type=\"WARN\""), std::string::npos);
  const std::string gpu = "host=\"vm\",gpu=\"3\",uuid=\"GPU-1472f18e-8252-1f6c-7439-df6e4164416d\"";
  EXPECT_NE(text.find("gpuxfer_gpu_health{" + gpu + ",check=\"remap_pending\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("gpuxfer_gpu_health{" + gpu + ",check=\"ecc_uncorrected\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE gpuxfer_gpu_ecc_errors_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("gpuxfer_gpu_ecc_errors_total{" + gpu + ",type=\"uncorrected\",counter=\"volatile\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("gpuxfer_gpu_nvlink_errors_total{" + gpu + ",link=\"0\",counter=\"replay\"} 5\n"),
            std::string::npos);
  EXPECT_NE(text.find("gpuxfer_gpu_pcie_replays_total{" + gpu + "} 100\n"), std::string::npos);
  EXPECT_NE(text.find("gpuxfer_gpu_xid_events{" + gpu + ",xid=\"79\"} 1\n"), std::string::npos);
  std::remove(junit.c_str());
  std::remove(prom.c_str());
  const auto healthy = run_gpuxfer("check " + check_file("health-healthy.json") + " --prom " + prom);
  EXPECT_NE(slurp(prom).find("gpuxfer_gpu_health{" + gpu + ",check=\"remap_pending\"} 1\n"), std::string::npos);
  EXPECT_EQ(slurp(prom).find("check=\"retired_pages_pending\""), std::string::npos) << "INFO has no sample";
  std::remove(prom.c_str());
}

TEST(CliHealth, OlderReportsHaveNoHealthFindings) {
  const auto r = run_gpuxfer("check " + std::string(GPUXFER_TEST_DATA_DIR) + "/schema/valid/v1.0-list-1gpu.json");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("remap_pending"), std::string::npos) << r.out;
}

// On this machine CUDA sees no GPU; the fake NVML sees one. list prints its health, then exits 3.
TEST(CliHealth, ListPrintsNvmlHealthWhenCudaSeesNoGpu) {
  const auto r = run_gpuxfer("list", fake_env("h200-faults.json"));
  if (r.exit_code == 0) GTEST_SKIP() << "CUDA sees a GPU here";
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("Health (NVML"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("GPUs NVML sees, CUDA cannot use"), std::string::npos);
  EXPECT_NE(r.out.find("0000:18:00.0"), std::string::npos);
  EXPECT_NE(r.out.find("0000:2a:00.0"), std::string::npos);
  EXPECT_NE(r.out.find("GPU reset"), std::string::npos) << "recovery action";
  EXPECT_NE(r.out.find("? unknown: NVML: GPU is lost"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("? unknown: NVML: Insufficient Permissions"), std::string::npos) << "vbios";
  EXPECT_EQ(gx::test::count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("gpuxfer: error: "), std::string::npos);
}

TEST(CliHealth, ListJsonIsTheErrorDocumentWithHealth) {
  const auto r = run_gpuxfer("list --format json", fake_env("h200-healthy.json"));
  if (r.exit_code == 0) GTEST_SKIP() << "CUDA sees a GPU here";
  EXPECT_EQ(r.exit_code, 3) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["error"]["kind"], "cannot_run");
  EXPECT_GE(doc["schema_version"]["minor"].get<int>(), 6);  // health: 1.6 and later
  ASSERT_EQ(doc["health"]["gpus"].size(), 1u);
  const auto& g = doc["health"]["gpus"][0];
  EXPECT_TRUE(g["index"].is_null());
  EXPECT_EQ(g["pci_bus_id"], "0000:18:00.0");
  EXPECT_EQ(g["before"]["ecc"]["aggregate"]["corrected"], 12);
  EXPECT_EQ(g["before"]["ecc"]["aggregate_dram"]["corrected"], 12);
  EXPECT_EQ(g["before"]["remapped_rows"]["histogram"]["max"], 640);
  EXPECT_EQ(g["before"]["nvlink"].size(), 2u);
  EXPECT_EQ(g["before"]["power_limit_w"], 700.0);
  EXPECT_EQ(g["before"]["persistence_mode"], true);
  EXPECT_FALSE(g.contains("after"));
}

TEST(CliHealth, ListWithoutNvmlOrGpuStaysTheOneLineError) {
  const auto r = run_gpuxfer("list", "GPUXFER_NVML_LIBRARY=/nonexistent");
  if (r.exit_code == 0) GTEST_SKIP() << "CUDA sees a GPU here";
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(gx::test::count_lines(r.err), 1) << r.err;
}

}  // namespace
