// `gpuxfer check` on real results (tests/data/runs/), derived copies and expectations files: exit codes,
// findings, JUnit / Prometheus / JSON outputs, --emit-expect round trips, the no-GPU path.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using gx::test::count_lines;
using gx::test::run_gpuxfer;
using gx::test::slurp;

namespace {

std::string runs_file(const std::string& name) {
  return std::string(GPUXFER_TEST_DATA_DIR) + "/runs/" + name;
}
std::string data_file(const std::string& name) {
  return std::string(GPUXFER_TEST_DATA_DIR) + "/check/" + name;
}
const std::string kFour = runs_file("h200x4-nvswitch-2026-11-26-26b4d5b7/bench-run1.json");
const std::string kTwo = runs_file("h200x2-nvswitch-2026-11-26-b1ce9020/bench.json");

std::string temp_path(const std::string& name) {
  return "/tmp/gpuxfer_cli_check_" + std::to_string(::getpid()) + "_" + name;
}

// A copy of the 4x result with the headline ce_write of src->dst made `factor` times as fast
// (every time statistic and sample divided by it).
std::string derived_copy(const std::string& name, int src, int dst, double factor) {
  auto doc = nlohmann::ordered_json::parse(slurp(kFour));
  int changed = 0;
  for (auto& r : doc["records"]) {
    if (r["method"] == "ce_write" && r["src"] == src && r["dst"] == dst && r["headline"] == true) {
      for (const char* k : {"min", "q1", "median", "q3", "max", "mean", "stdev"}) {
        r["time_s"][k] = r["time_s"][k].get<double>() / factor;
      }
      for (auto& s : r["samples_s"]) s = s.get<double>() / factor;
      r["rate"]["median"] = r["rate"]["median"].get<double>() * factor;
      r["rate"]["best"] = r["rate"]["best"].get<double>() * factor;
      ++changed;
    }
  }
  EXPECT_EQ(changed, 1);
  const std::string path = temp_path(name);
  std::ofstream(path) << doc.dump(1);
  return path;
}

void expect_one_line_error(const gx::test::CliResult& r, int code, const std::string& mention) {
  EXPECT_EQ(r.exit_code, code) << r.err << r.out;
  EXPECT_EQ(r.out, "") << "no partial output on stdout";
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(mention), std::string::npos) << r.err;
}

bool gpus_usable() {
  static const bool usable = run_gpuxfer("list --format json --quiet").exit_code == 0;
  return usable;
}

}  // namespace

TEST(CliCheck, RealFourGpuResultPasses) {
  const auto r = run_gpuxfer("check " + kFour, "NO_COLOR=1");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("check: 0 FAIL, 0 WARN, 53 PASS on 4x NVIDIA H200 (vm)\n"), std::string::npos) << r.out;
  for (const char* rule :
       {"nvlink_up", "pcie_link", "p2p_enabled", "records", "peer_bandwidth", "peer_outlier", "host_bandwidth"}) {
    EXPECT_NE(r.out.find(rule), std::string::npos) << rule;
  }
  EXPECT_NE(r.out.find("391.9 GB/s (ce_write)"), std::string::npos);
  EXPECT_EQ(r.out.find("FAIL "), std::string::npos);
}

TEST(CliCheck, RealTwoGpuResultPasses) {
  const auto r = run_gpuxfer("check " + kTwo);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("check: 0 FAIL, 0 WARN, 15 PASS on 2x NVIDIA H200 (vm)"), std::string::npos) << r.out;
}

TEST(CliCheck, ListReportChecksTopologyOnly) {
  const auto r = run_gpuxfer("check " + runs_file("h200x4-nvswitch-2026-11-26-81750e97/list.json"));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("check: 0 FAIL, 1 WARN, 20 PASS"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no bench records"), std::string::npos);
}

TEST(CliCheck, PairCutByTwentyPercentFailsNamingThePair) {
  const std::string path = derived_copy("cut.json", 2, 3, 0.8);
  const auto r = run_gpuxfer("check " + path);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("check: 1 FAIL, 0 WARN, 52 PASS"), std::string::npos) << r.out;
  bool named = false;
  std::size_t start = 0;
  while (start < r.out.size()) {
    const std::size_t end = r.out.find('\n', start);
    const std::string line = r.out.substr(start, end - start);
    start = end + 1;
    if (line.rfind("FAIL", 0) == 0) {
      named = line.find("peer_outlier") != std::string::npos && line.find("2->3") != std::string::npos &&
              line.find("ce_write") != std::string::npos && line.find("-20.0%") != std::string::npos;
    }
  }
  EXPECT_TRUE(named) << r.out;
  // The same through --format json.
  const auto j = run_gpuxfer("check " + path + " --format json");
  EXPECT_EQ(j.exit_code, 1);
  const auto doc = nlohmann::json::parse(j.out);
  EXPECT_EQ(doc["summary"]["verdict"], "FAIL");
  EXPECT_EQ(doc["summary"]["fail"], 1);
  for (const auto& f : doc["findings"]) {
    if (f["verdict"] == "FAIL") {
      EXPECT_EQ(f["rule"], "peer_outlier");
      EXPECT_EQ(f["src"], 2);
      EXPECT_EQ(f["dst"], 3);
      EXPECT_EQ(f["method"], "ce_write");
    }
  }
  EXPECT_NE(j.err.find("check: 1 FAIL"), std::string::npos) << "the summary goes to stderr with json";
  std::remove(path.c_str());
}

TEST(CliCheck, SmallDipPasses) {
  const std::string path = derived_copy("dip.json", 1, 2, 0.97);
  const auto r = run_gpuxfer("check " + path);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  std::remove(path.c_str());
}

TEST(CliCheck, ExpectationsFileOverridesDefaults) {
  const auto r = run_gpuxfer("check " + kFour + " --expect " + data_file("h200-node.expect.json"));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("expect rule 3"), std::string::npos) << r.out;  // the 0->1 pair rule
  EXPECT_NE(r.out.find("0->1 ce_write >= 385 GB/s [pair]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("expect rule 7"), std::string::npos);
  EXPECT_EQ(r.out.find("peer_bandwidth"), std::string::npos) << "every pair is judged by the file's rules";
  // A minimum the run does not meet fails.
  const std::string strict = temp_path("strict.expect.json");
  std::ofstream(strict) << R"({"schema": "gpuxfer.expect", "schema_version": {"major": 1, "minor": 0},
      "rules": [{"src": 3, "dst": 2, "method": "ce_write", "min_gbps": 400}]})";
  const auto f = run_gpuxfer("check " + kFour + " --expect " + strict);
  EXPECT_EQ(f.exit_code, 1) << f.out;
  EXPECT_NE(f.out.find("check: 1 FAIL"), std::string::npos) << f.out;
  std::remove(strict.c_str());
}

TEST(CliCheck, RuleThatSelectsNothingFails) {
  const auto r = run_gpuxfer("check " + kFour + " --expect " + data_file("selects-nothing.expect.json"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("rule 2 selects no record"), std::string::npos) << r.out;
}

TEST(CliCheck, BadExpectationsAreExit2NamingFileAndProblem) {
  const std::string malformed = data_file("malformed.expect.json");
  expect_one_line_error(run_gpuxfer("check " + kFour + " --expect " + malformed), 2, malformed + ": truncated JSON");
  const std::string newer = data_file("newer-major.expect.json");
  expect_one_line_error(run_gpuxfer("check " + kFour + " --expect " + newer), 2,
                        newer + ": expectations schema version 2.0 is newer than this gpuxfer reads (1.x)");
  const std::string unknown = data_file("unknown-key.expect.json");
  expect_one_line_error(run_gpuxfer("check " + kFour + " --expect " + unknown), 2, "rule 1: unknown key 'link_clas'");
  expect_one_line_error(run_gpuxfer("check " + kFour + " --expect /nonexistent/e.json"), 2, "/nonexistent/e.json");
  // A RESULT that is not a report.
  expect_one_line_error(run_gpuxfer("check " + data_file("h200-node.expect.json")), 2, "not a gpuxfer report");
  expect_one_line_error(run_gpuxfer("check /nonexistent/r.json"), 2, "/nonexistent/r.json");
}

TEST(CliCheck, UsageErrorsAreExit2) {
  expect_one_line_error(run_gpuxfer("check " + kFour + " --quick"), 2, "--quick");
  expect_one_line_error(run_gpuxfer("check " + kFour + " --full"), 2, "--full");
  expect_one_line_error(run_gpuxfer("check --quick --full"), 2, "--full");
  expect_one_line_error(run_gpuxfer("check " + kFour + " --margin 5%"), 2, "--margin applies only with --emit-expect");
  expect_one_line_error(run_gpuxfer("check " + kFour + " --emit-expect /tmp/x.json --margin 5"), 2,
                        "invalid --margin '5'");
  expect_one_line_error(run_gpuxfer("check " + kFour + " --devices 0"), 2, "--devices");
  expect_one_line_error(run_gpuxfer("check " + kFour + " --save-json /tmp/x.json"), 2, "--save-json");
  expect_one_line_error(run_gpuxfer("check " + kFour + " --junit /nonexistent-dir/j.xml"), 2, "/nonexistent-dir");
  expect_one_line_error(run_gpuxfer("check " + kFour + " --bogus"), 2, "--bogus");
}

TEST(CliCheck, NoFileOnAMachineWithoutGpuIsExit3) {
  if (gpus_usable()) GTEST_SKIP() << "this machine has a GPU: check would run the bench";
  const auto r = run_gpuxfer("check");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("gpuxfer: error:"), std::string::npos) << r.err;
  const auto full = run_gpuxfer("check --full --format json");
  EXPECT_EQ(full.exit_code, 3);
  const auto doc = nlohmann::json::parse(full.out);
  EXPECT_EQ(doc["error"]["exit_code"], 3);
  // Bad flags are still found first.
  EXPECT_EQ(run_gpuxfer("check --expect " + data_file("malformed.expect.json")).exit_code, 2);
}

TEST(CliCheck, EmitExpectThenCheckWithItPasses) {
  const std::string expect = temp_path("emitted.expect.json");
  const auto e = run_gpuxfer("check " + kFour + " --emit-expect " + expect + " --margin 10%");
  EXPECT_EQ(e.exit_code, 0) << e.err;
  EXPECT_NE(e.err.find("wrote " + expect), std::string::npos) << e.err;
  const auto doc = nlohmann::json::parse(slurp(expect));
  EXPECT_EQ(doc["schema"], "gpuxfer.expect");
  EXPECT_EQ(doc["schema_version"]["major"], 1);
  EXPECT_EQ(doc["source"]["result"], kFour);
  EXPECT_GT(doc["rules"].size(), 20u);
  const auto& first = doc["rules"][0];
  EXPECT_EQ(first["method"], "ce_write");
  EXPECT_EQ(first["link_class"], "NV18");
  EXPECT_NEAR(first["min_gbps"].get<double>(), 391.6 * 0.9, 0.2);

  const auto same = run_gpuxfer("check " + kFour + " --expect " + expect);
  EXPECT_EQ(same.exit_code, 0) << same.out;
  EXPECT_NE(same.out.find("check: 0 FAIL, 0 WARN"), std::string::npos) << same.out;
  // Expectations belong to a node shape: a 2x run misses the 4x aggregate host bandwidth.
  const auto two = run_gpuxfer("check " + kTwo + " --expect " + expect);
  EXPECT_EQ(two.exit_code, 1) << two.out;
  EXPECT_NE(two.out.find("all_h2d 400 MB"), std::string::npos) << two.out;
  // A pair 20 % down now fails its link-class minimum as well as the outlier rule.
  const std::string cut = derived_copy("cut2.json", 0, 2, 0.8);
  const auto bad = run_gpuxfer("check " + cut + " --expect " + expect);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.out.find("check: 2 FAIL"), std::string::npos) << bad.out;
  std::remove(cut.c_str());
  std::remove(expect.c_str());
}

TEST(CliCheck, JunitAndPrometheusFiles) {
  const std::string cut = derived_copy("cut3.json", 2, 3, 0.8);
  const std::string junit = temp_path("check.xml");
  const std::string prom = temp_path("check.prom");
  const auto r = run_gpuxfer("check " + cut + " --junit " + junit + " --prom " + prom);
  EXPECT_EQ(r.exit_code, 1);
  const std::string xml = slurp(junit);
  EXPECT_NE(xml.find("<testsuites name=\"gpuxfer check\" tests=\"53\" failures=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<failure message=\"measured 313.5 GB/s (ce_write)"), std::string::npos) << xml;
  EXPECT_NE(xml.find("name=\"2-&gt;3 vs NV18 median\""), std::string::npos);
  const std::string text = slurp(prom);
  EXPECT_NE(text.find("# TYPE gpuxfer_peer_bandwidth_bytes_per_second gauge"), std::string::npos);
  // Labels: the host, the GPU's index and UUID as the report names them.
  const std::string host =
      "{host=\"" + nlohmann::json::parse(slurp(cut))["system"]["hostname"].get<std::string>() + "\"";
  EXPECT_NE(text.find("gpuxfer_peer_bandwidth_bytes_per_second" + host + ",src=\"2\",src_uuid=\"GPU-"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("suite=\"peer\",method=\"ce_write\",link=\"NV18\"} 3135"), std::string::npos) << text;
  EXPECT_NE(text.find("gpuxfer_host_bandwidth_bytes_per_second" + host + ",gpu=\"0\",uuid=\"GPU-"), std::string::npos);
  EXPECT_NE(text.find("gpuxfer_check_findings" + host + ",verdict=\"FAIL\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("gpuxfer_check_passed" + host + "} 0\n"), std::string::npos);
  EXPECT_NE(text.find("gpuxfer_up" + host + "} 1\n"), std::string::npos);
  EXPECT_NE(text.find("gpuxfer_exit_code" + host + "} 1\n"), std::string::npos);
  std::remove(cut.c_str());
  std::remove(junit.c_str());
  std::remove(prom.c_str());
}

TEST(CliCheck, MachineFormatsPutOnlyDataOnStdout) {
  const auto csv = run_gpuxfer("check " + kTwo + " --format csv");
  EXPECT_EQ(csv.exit_code, 0);
  EXPECT_EQ(csv.out.rfind("verdict,rule,subject,what,measured,expected,note\n", 0), 0u) << csv.out;
  EXPECT_EQ(count_lines(csv.out), 16);
  EXPECT_NE(csv.err.find("check: 0 FAIL"), std::string::npos);
  const auto md = run_gpuxfer("check " + kTwo + " --format markdown");
  EXPECT_NE(md.out.find("| verdict | rule |"), std::string::npos);
  EXPECT_NE(md.out.find("check: 0 FAIL, 0 WARN, 15 PASS"), std::string::npos);
  const std::string out = temp_path("findings.json");
  const auto j = run_gpuxfer("check " + kTwo + " --format json -o " + out + " --quiet");
  EXPECT_EQ(j.exit_code, 0);
  EXPECT_EQ(j.out, "");
  EXPECT_EQ(j.err, "");
  EXPECT_EQ(nlohmann::json::parse(slurp(out))["findings"].size(), 15u);
  std::remove(out.c_str());
}

TEST(CliCheck, HelpDocumentsRulesAndPrecedence) {
  const auto r = run_gpuxfer("check --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("pair > link class > method > suite"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--emit-expect"), std::string::npos);
  EXPECT_NE(r.out.find("Examples"), std::string::npos);
}

// ---- expectations round trip over every committed result ----------------------------------

namespace {

std::vector<std::string> committed_reports() {
  std::vector<std::string> out;
  for (const std::string dir : {runs_file("*/"), std::string(GPUXFER_TEST_DATA_DIR) + "/schema/valid/"}) {
    FILE* pipe = ::popen(("ls " + dir + "*.json 2>/dev/null").c_str(), "r");
    char line[4096];
    while (pipe != nullptr && std::fgets(line, sizeof line, pipe) != nullptr) {
      std::string path(line);
      while (!path.empty() && (path.back() == '\n')) path.pop_back();
      std::ifstream in(path);
      nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
      if (doc.is_object() && doc.value("schema", "") == "gpuxfer.report" && doc.contains("records") &&
          doc["records"].is_array() && !doc["records"].empty()) {
        out.push_back(path);
      }
    }
    if (pipe != nullptr) ::pclose(pipe);
  }
  return out;
}

// The findings of `check FILE --expect EXPECT` that come from expectation rules, by verdict.
std::map<std::string, int> expect_verdicts(const std::string& file, const std::string& expect) {
  const auto r = run_gpuxfer("check " + file + " --expect " + expect + " --format json");
  EXPECT_NE(r.exit_code, 2) << file << ": " << r.err;
  std::map<std::string, int> out;
  const auto doc = nlohmann::json::parse(r.out, nullptr, false);
  if (!doc.is_object() || !doc.contains("findings")) return out;
  for (const auto& f : doc["findings"]) {
    if (f["rule"].get<std::string>().rfind("expect", 0) == 0) ++out[f["verdict"].get<std::string>()];
  }
  return out;
}

// A copy of `src` with every record `fraction` slower (times up, rates down).
std::string degraded_copy(const std::string& src, const std::string& name, double fraction) {
  std::ifstream in(src);
  auto doc = nlohmann::json::parse(in);
  const double factor = 1 / (1 - fraction);
  for (auto& r : doc["records"]) {
    if (r.contains("samples_s") && r["samples_s"].is_array())
      for (auto& x : r["samples_s"]) x = x.get<double>() * factor;
    for (const char* key : {"time_s", "latency_s"}) {
      if (!r.contains(key) || !r[key].is_object()) continue;
      for (auto& [k, v] : r[key].items())
        if (k != "n" && k != "cv" && v.is_number()) v = v.get<double>() * factor;
    }
    if (r.contains("rate") && r["rate"].is_object())
      for (const char* k : {"median", "best"})
        if (r["rate"].contains(k) && r["rate"][k].is_number()) r["rate"][k] = r["rate"][k].get<double>() / factor;
  }
  const std::string path = temp_path(name);
  std::ofstream(path) << doc.dump();
  return path;
}

}  // namespace

TEST(CliCheck, EmitExpectRoundTripsOnEveryCommittedResult) {
  const auto files = committed_reports();
  ASSERT_GT(files.size(), 30u);
  const std::string expect = temp_path("every.expect.json");
  for (const auto& file : files) {
    const auto e = run_gpuxfer("check " + file + " --emit-expect " + expect);
    ASSERT_NE(e.exit_code, 2) << file << ": " << e.err;
    const auto verdicts = expect_verdicts(file, expect);
    // The run the rules came from meets every one of them, records it did not measure (skipped
    // for memory, failed) included: no rule selects those.
    EXPECT_EQ(verdicts.count("FAIL"), 0u) << file;
  }
  std::remove(expect.c_str());
}

TEST(CliCheck, AutoMarginPassesTheAaPartnerAndFailsADegradedCopy) {
  for (const std::string pair : {"h200x1-2026-12-02-dab758a9/bench-compute", "h200x1-2026-12-02-dab758a9/bench"}) {
    const std::string run1 = runs_file(pair + "-run1.json");
    const std::string run2 = runs_file(pair + "-run2.json");
    const std::string expect = temp_path("aa.expect.json");
    ASSERT_NE(run_gpuxfer("check " + run1 + " --emit-expect " + expect).exit_code, 2);
    const auto doc = nlohmann::json::parse(slurp(expect));
    bool tflops = false;
    for (const auto& rule : doc["rules"]) tflops = tflops || rule.contains("min_tflops");
    EXPECT_TRUE(tflops) << pair << ": GEMM records give min_tflops rules";
    const auto partner = expect_verdicts(run2, expect);
    EXPECT_EQ(partner.count("FAIL"), 0u) << pair << ": the A/A partner meets the emitted rules";
    EXPECT_GE(partner.at("PASS"), 5) << pair;
    const std::string degraded = degraded_copy(run2, "degraded.json", 0.10);
    const auto down = expect_verdicts(degraded, expect);
    EXPECT_GT(down.count("FAIL") ? down.at("FAIL") : 0, 0) << pair << ": a copy 10 % down fails";
    std::remove(degraded.c_str());
    std::remove(expect.c_str());
  }
}

TEST(CliCheck, OneGpuCheckJudgesMemoryBandwidthAndGemm) {
  const std::string good = runs_file("h200x1-2026-12-02-dab758a9/bench-compute-run1.json");
  const auto ok = run_gpuxfer("check " + good + " --format json");
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  std::map<std::string, int> rules;
  const auto findings = nlohmann::json::parse(ok.out)["findings"];
  for (const auto& f : findings) ++rules[f["rule"].get<std::string>()];
  EXPECT_EQ(rules["memory_bandwidth"], 2);  // copy and triad at 400 MB
  EXPECT_EQ(rules["gemm_peak"], 4);         // fp32, tf32, bf16, fp16
  // Slow HBM (copy at half speed) and a broken tensor path (bf16 at a third) fail, naming them.
  std::ifstream in(good);
  auto doc = nlohmann::json::parse(in);
  for (auto& r : doc["records"]) {
    const double factor = r["method"] == "copy" ? 2.0 : r["method"] == "gemm_bf16" ? 3.0 : 1.0;
    if (factor == 1.0 || !r["headline"].get<bool>()) continue;
    for (auto& x : r["samples_s"]) x = x.get<double>() * factor;
    for (auto& [k, v] : r["time_s"].items())
      if (k != "n" && k != "cv") v = v.get<double>() * factor;
  }
  const std::string bad = temp_path("slow-compute.json");
  std::ofstream(bad) << doc.dump();
  const auto fail = run_gpuxfer("check " + bad);
  EXPECT_EQ(fail.exit_code, 1) << fail.out;
  EXPECT_NE(fail.out.find("check: 2 FAIL"), std::string::npos) << fail.out;
  EXPECT_NE(fail.out.find("memory_bandwidth  GPU 0     copy 400 MB"), std::string::npos) << fail.out;
  EXPECT_NE(fail.out.find("gemm_bf16"), std::string::npos) << fail.out;
  std::remove(bad.c_str());
}
