// Expectations files: parsing, versions, precedence, rules that select nothing, --emit-expect.
#include <gtest/gtest.h>

#include "core/check.hpp"
#include "core/error.hpp"
#include "core/expectations.hpp"
#include "test_check_fixtures.hpp"

using namespace gx;
using namespace gx::test;

namespace {

std::string doc(const std::string& rules, const std::string& version = R"({"major": 1, "minor": 0})") {
  return R"({"schema": "gpuxfer.expect", "schema_version": )" + version + R"(, "rules": [)" + rules + "]}";
}

void expect_input_error(const std::string& text, const std::string& mention) {
  SCOPED_TRACE(text);
  try {
    (void)parse_expectations(text, "node.expect.json");
    FAIL() << "accepted";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("node.expect.json"), std::string::npos) << what;
    EXPECT_NE(what.find(mention), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << "one line: " << what;
  }
}

CheckResult check(const SystemInfo& s, const std::vector<Record>& records, const std::string& rules) {
  return run_check(s, records, parse_expectations(doc(rules), "e.json"), CheckSettings{});
}

}  // namespace

TEST(Expectations, ParsesEverySelectorAndThreshold) {
  const Expectations e = parse_expectations(
      doc(R"({"suite": "peer", "method": "ce_write", "link_class": "NV18", "min_gbps": 380, "comment": "c"},
             {"src": 0, "dst": 1, "method": "ce_read", "min_gbps": 385.5},
             {"method": "h2d_pinned", "gpu": 3, "min_gbps": 50},
             {"method": "peer_b2b", "bytes": 4, "max_us": 2.5},
             {"suite": "staged", "bytes": "400MB", "min_gbps": 40},
             {"suite": "host", "min_tflops": 1})"),
      "e.json");
  ASSERT_EQ(e.rules.size(), 6u);
  EXPECT_EQ(e.rules[0].number, 1);
  EXPECT_EQ(e.rules[0].suite, Suite::peer);
  EXPECT_EQ(e.rules[0].method, Method::ce_write);
  EXPECT_EQ(e.rules[0].link_class, "NV18");
  EXPECT_EQ(e.rules[0].comment, "c");
  EXPECT_EQ(level_of(e.rules[0]), RuleLevel::link_class);
  EXPECT_EQ(e.rules[1].suite, Suite::peer) << "the method implies its suite";
  EXPECT_EQ(level_of(e.rules[1]), RuleLevel::pair);
  EXPECT_DOUBLE_EQ(e.rules[1].value, 385.5);
  EXPECT_EQ(level_of(e.rules[2]), RuleLevel::pair);
  EXPECT_EQ(e.rules[3].threshold, ExpectThreshold::max_us);
  EXPECT_EQ(level_of(e.rules[3]), RuleLevel::method);
  EXPECT_EQ(e.rules[4].bytes, 400000000u);
  EXPECT_EQ(level_of(e.rules[4]), RuleLevel::suite);
  EXPECT_EQ(e.rules[5].threshold, ExpectThreshold::min_tflops);
  EXPECT_EQ(describe_rule(e.rules[0]), "ce_write NV18 >= 380 GB/s");
  EXPECT_EQ(describe_rule(e.rules[1]), "0->1 ce_read >= 385.5 GB/s");
  EXPECT_EQ(describe_rule(e.rules[3]), "peer_b2b 4 B <= 2.5 us");
}

TEST(Expectations, MalformedAndIncompatibleFilesAreOneLineErrors) {
  expect_input_error("", "truncated");
  expect_input_error("{\"schema\": \"gpuxfer.expect\", ", "truncated");
  expect_input_error("{]", "malformed");
  expect_input_error("[]", "not a gpuxfer expectations file");
  expect_input_error(R"({"schema": "gpuxfer.report", "schema_version": {"major": 1, "minor": 0}, "rules": []})",
                     "not a gpuxfer expectations file");
  expect_input_error(R"({"schema": "gpuxfer.expect", "rules": []})", "schema_version");
  expect_input_error(doc("", R"({"major": 2, "minor": 3})"), "2.3 is newer than this gpuxfer reads (1.x)");
  expect_input_error(doc("", R"({"major": 0, "minor": 9})"), "0.9");
  expect_input_error(R"({"schema": "gpuxfer.expect", "schema_version": {"major": 1, "minor": 0}})",
                     "\"rules\" must be an array");
  expect_input_error(doc("3"), "rule 1: must be an object");
  expect_input_error(doc(R"({"method": "ce_write", "link_clas": "NV18", "min_gbps": 1})"),
                     "rule 1: unknown key 'link_clas'");
  expect_input_error(doc(R"({"method": "ce_wrte", "min_gbps": 1})"), "unknown method 'ce_wrte'");
  expect_input_error(doc(R"({"suite": "nvlink", "min_tflops": 1})"), "unknown suite 'nvlink'");
  expect_input_error(doc(R"({"method": "scale", "min_tflops": 1})"), "min_tflops applies to gemm methods");
  expect_input_error(doc(R"({"method": "gemm_bf16", "min_gbps": 1})"), "use min_tflops");
  expect_input_error(doc(R"({"suite": "host", "method": "ce_write", "min_gbps": 1})"), "belongs to suite peer");
  expect_input_error(doc(R"({"method": "ce_write"})"), "exactly one of");
  expect_input_error(doc(R"({"method": "ce_write", "min_gbps": 1, "max_us": 3})"), "exactly one of");
  expect_input_error(doc(R"({"min_gbps": 1})"), "selects by nothing");
  expect_input_error(doc(R"({"method": "ce_write", "min_gbps": -1})"), "min_gbps must be a positive number");
  expect_input_error(doc(R"({"method": "ce_write", "min_gbps": "380"})"), "min_gbps must be a positive number");
  expect_input_error(doc(R"({"src": 1, "dst": 1, "min_gbps": 1})"), "src and dst must differ");
  expect_input_error(doc(R"({"src": -1, "min_gbps": 1})"), "src must be a GPU index");
  expect_input_error(doc(R"({"method": "ce_write", "bytes": 0, "min_gbps": 1})"), "bytes");
  expect_input_error(doc(R"({"method": "ce_write", "bytes": "4 parsecs", "min_gbps": 1})"), "bytes");
  expect_input_error(doc(R"({"method": "peer_b2b", "min_gbps": 1})"), "does not measure bandwidth: use max_us");
  expect_input_error(doc(R"({"method": "ce_write", "max_us": 1})"), "does not measure latency: use min_gbps");
  expect_input_error(doc("{}, {\"method\": \"ce_write\", \"min_gbps\": 1}"), "rule 1");
  expect_input_error(doc(R"({"method": "ce_write", "min_gbps": 1}, {"method": "nope", "min_gbps": 1})"), "rule 2");
  std::string deep =
      doc(R"({"method": "ce_write", "min_gbps": 1, "comment": )" + std::string(40, '[') + std::string(40, ']') + "}");
  expect_input_error(deep, "nested deeper");
  expect_input_error(
      R"({"schema": "gpuxfer.expect", "schema_version": {"major": 1, "minor": 0}, "rules": [], "extra": 1})",
      "unknown key 'extra'");
}

TEST(Expectations, NewerMinorIgnoresUnknownKeys) {
  const Expectations e = parse_expectations(
      R"({"schema": "gpuxfer.expect", "schema_version": {"major": 1, "minor": 4}, "future": true,
          "rules": [{"method": "ce_write", "min_gbps": 380, "confidence": 0.9}]})",
      "e.json");
  EXPECT_EQ(e.schema_minor, 4);
  ASSERT_EQ(e.rules.size(), 1u);
}

TEST(Expectations, PrecedenceIsPairThenLinkClassThenMethodThenSuite) {
  const SystemInfo s = nvlink_system(3);
  const auto records = good_records(s, 392e9, 387e9);
  // Written least specific first so that file order cannot be what decides.
  const auto r = check(s, records, R"(
      {"suite": "peer", "min_gbps": 500},
      {"method": "ce_write", "min_gbps": 450},
      {"method": "ce_write", "link_class": "NV18", "min_gbps": 390},
      {"src": 0, "dst": 1, "method": "ce_write", "min_gbps": 395})");
  const auto rule_of = [&](const std::string& subject, const std::string& method) -> std::string {
    for (const auto& f : r.findings) {
      if (f.rule.rfind("expect rule", 0) == 0 && f.subject == subject && f.method == method) return f.rule;
    }
    return "none";
  };
  EXPECT_EQ(rule_of("0->1", "ce_write"), "expect rule 4") << dump(r.findings);  // pair
  EXPECT_EQ(rule_of("0->2", "ce_write"), "expect rule 3");                      // link class
  EXPECT_EQ(rule_of("0->1", "ce_read"), "expect rule 1");                       // suite: only it selects ce_read
  // Rule 2 is outranked everywhere: it selects records but judges none, and is not a FAIL.
  EXPECT_TRUE(with(r.findings, "expect rule 2").empty());
  // 392 < 395: the pair rule fails 0->1; the link-class rule passes the others; the suite rule
  // (500) fails every ce_read.
  EXPECT_EQ(with(r.findings, "expect rule 4")[0]->verdict, CheckVerdict::fail);
  for (const auto* f : with(r.findings, "expect rule 3")) EXPECT_EQ(f->verdict, CheckVerdict::pass);
  EXPECT_EQ(with(r.findings, "expect rule 3").size(), 5u);
  EXPECT_EQ(with(r.findings, "expect rule 1").size(), 6u);
  // The rules replace the default peer minimum of every pair they judge.
  EXPECT_TRUE(with(r.findings, "peer_bandwidth").empty());
  // Outliers and topology rules still apply.
  EXPECT_EQ(with(r.findings, "peer_outlier").size(), 6u);
}

TEST(Expectations, MethodBeatsSuiteAndLaterRuleWinsATie) {
  const SystemInfo s = nvlink_system(2);
  const auto records = good_records(s);
  auto r = check(s, records, R"({"method": "h2d_pinned", "min_gbps": 50}, {"suite": "host", "min_gbps": 60})");
  EXPECT_EQ(with(r.findings, "expect rule 1").size(), 2u);  // h2d on GPUs 0, 1
  EXPECT_EQ(with(r.findings, "expect rule 2").size(), 2u);  // d2h on GPUs 0, 1
  r = check(s, records, R"({"method": "h2d_pinned", "min_gbps": 50}, {"method": "h2d_pinned", "min_gbps": 40})");
  EXPECT_TRUE(with(r.findings, "expect rule 1").empty());
  EXPECT_EQ(with(r.findings, "expect rule 2").size(), 2u);
  // A host rule replaces the default only where it selects: d2h keeps the 80 % default.
  const auto host = with(r.findings, "host_bandwidth");
  ASSERT_EQ(host.size(), 2u);
  for (const auto* f : host) EXPECT_EQ(f->method, "d2h_pinned");
}

TEST(Expectations, PairRuleForOnePairLeavesOtherPairsOnTheDefault) {
  const SystemInfo s = nvlink_system(2);
  const auto r = check(s, good_records(s), R"({"src": 1, "dst": 0, "method": "ce_write", "min_gbps": 391})");
  const auto peer = with(r.findings, "peer_bandwidth");
  ASSERT_EQ(peer.size(), 1u);
  EXPECT_EQ(peer[0]->subject, "0->1");
  const auto rule = with(r.findings, "expect rule 1");
  ASSERT_EQ(rule.size(), 1u);
  EXPECT_EQ(rule[0]->subject, "1->0");
  EXPECT_EQ(rule[0]->verdict, CheckVerdict::pass);
  EXPECT_NE(rule[0]->note.find("[pair]"), std::string::npos);
}

TEST(Expectations, RuleThatSelectsNothingFails) {
  const SystemInfo s = nvlink_system(2);
  const auto r = check(s, good_records(s), R"(
      {"method": "ce_write", "link_class": "NV4", "min_gbps": 100},
      {"method": "ce_write", "src": 0, "dst": 7, "min_gbps": 100},
      {"method": "ce_write", "bytes": 4096, "min_gbps": 1},
      {"suite": "peer", "min_tflops": 10})");
  for (int n = 1; n <= 4; ++n) {
    const auto f = with(r.findings, "expect rule " + std::to_string(n));
    ASSERT_EQ(f.size(), 1u) << n;
    EXPECT_EQ(f[0]->verdict, CheckVerdict::fail);
    EXPECT_EQ(f[0]->subject, "rule " + std::to_string(n));
    EXPECT_NE(f[0]->note.find("rule " + std::to_string(n) + " selects no record"), std::string::npos);
  }
  EXPECT_NE(with(r.findings, "expect rule 4")[0]->note.find("gemm records"), std::string::npos);
}

TEST(Expectations, MinTflopsJudgesGemmRecords) {
  const SystemInfo s = nvlink_system(2);
  auto records = good_records(s);
  Record g;
  g.test.suite = Suite::gemm;
  g.test.method = Method::gemm_bf16;
  g.test.src = g.test.dst = 0;
  g.test.gemm_n = 10000;
  g.test.headline = true;
  g.test.theoretical_flops_per_s = 1000e12;
  g.status = Status::ok;
  g.flops_per_op = 2e12;
  Summary t;
  t.n = 1;
  t.min = t.q1 = t.median = t.q3 = t.max = t.mean = 2.5e-3;  // 800 TFLOP/s
  g.time = t;
  g.sample_seconds = {2.5e-3};
  records.push_back(g);
  const auto r = check(s, records, R"({"method": "gemm_bf16", "min_tflops": 700})");
  const auto r2 = check(s, records, R"({"suite": "gemm", "gpu": 0, "min_tflops": 900})");
  const auto pass = with(r.findings, "expect rule 1");
  ASSERT_EQ(pass.size(), 1u);
  EXPECT_EQ(pass[0]->verdict, CheckVerdict::pass);
  EXPECT_EQ(pass[0]->measured, "800.0 TFLOP/s");
  EXPECT_NE(pass[0]->note.find("80.0% of peak"), std::string::npos) << pass[0]->note;
  const auto fail = with(r2.findings, "expect rule 1");
  ASSERT_EQ(fail.size(), 1u);
  EXPECT_EQ(fail[0]->verdict, CheckVerdict::fail);
  EXPECT_EQ(fail[0]->expected, ">= 900 TFLOP/s");
}

TEST(Expectations, SelectedRecordThatDidNotRunFails) {
  const SystemInfo s = nvlink_system(2);
  auto records = good_records(s);
  Record& w = find_record(records, Method::ce_write, 0, 1);
  w.status = Status::skipped;
  w.reason = "no P2P";
  w.time.reset();
  const auto r = check(s, records, R"({"method": "ce_write", "min_gbps": 300})");
  const auto f = with(r.findings, "expect rule 1", "0->1");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]->verdict, CheckVerdict::fail);
  EXPECT_EQ(f[0]->measured, "skipped");
  EXPECT_NE(f[0]->note.find("no P2P"), std::string::npos);
}

TEST(Expectations, LatencyRulesSelectEverySizeUnlessBytesIsGiven) {
  const SystemInfo s = nvlink_system(2);
  std::vector<Record> records = good_records(s);
  records.push_back(latency_record(Method::peer_b2b, 0, 1, 2.3e-6, 4));
  records.push_back(latency_record(Method::peer_b2b, 0, 1, 3.1e-6, 65536));
  auto r = check(s, records, R"({"method": "peer_b2b", "max_us": 3})");
  auto f = with(r.findings, "expect rule 1");
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0]->verdict, CheckVerdict::pass);
  EXPECT_EQ(f[1]->verdict, CheckVerdict::fail);
  EXPECT_EQ(f[1]->expected, "<= 3.00 us");
  r = check(s, records, R"({"method": "peer_b2b", "bytes": 4, "max_us": 2.5})");
  f = with(r.findings, "expect rule 1");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]->verdict, CheckVerdict::pass);
  EXPECT_EQ(*f[0]->bytes, 4u);
}

TEST(Expectations, BandwidthRulesSelectTheHeadlineSizeUnlessBytesIsGiven) {
  const SystemInfo s = nvlink_system(2);
  std::vector<Record> records = good_records(s);
  records.push_back(record(Method::ce_write, 0, 1, 20e9, 1 << 20, "NV18", false));
  auto r = check(s, records, R"({"method": "ce_write", "min_gbps": 300})");
  EXPECT_EQ(with(r.findings, "expect rule 1").size(), 2u);
  EXPECT_EQ(count_findings(r.findings).fail, 0);
  r = check(s, records, R"({"method": "ce_write", "bytes": "1MiB", "min_gbps": 25})");
  const auto f = with(r.findings, "expect rule 1");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]->verdict, CheckVerdict::fail);
}

TEST(Expectations, ParseMargin) {
  EXPECT_DOUBLE_EQ(parse_margin("10%"), 0.10);
  EXPECT_DOUBLE_EQ(parse_margin("0%"), 0.0);
  EXPECT_DOUBLE_EQ(parse_margin("2.5%"), 0.025);
  for (const char* bad : {"10", "0.1", "%", "-5%", "100%", "abc%", "1e3%", "", "10%%", "nan%"}) {
    EXPECT_THROW((void)parse_margin(bad), UsageError) << bad;
  }
}

TEST(Expectations, EmitFromAKnownGoodRunThenItPasses) {
  const SystemInfo s = nvlink_system(2);
  std::vector<Record> records = good_records(s, 392e9, 387e9, 55e9);
  scale_rate(find_record(records, Method::ce_write, 1, 0), 391e9 / 392e9);
  records.push_back(latency_record(Method::peer_b2b, 0, 1, 2.3e-6, 4));
  records.push_back(latency_record(Method::peer_b2b, 1, 0, 2.4e-6, 4));
  records.push_back(latency_record(Method::chase_local, 0, 0, 1.5e-7, 64 << 20, ""));
  Record failed = record(Method::sm_push, 0, 1, 1e9);
  failed.status = Status::failed;
  records.push_back(failed);
  records.push_back(record(Method::ce_write, 0, 1, 20e9, 1 << 20, "NV18", false));  // not headline

  const Json e = emit_expectations(records, 0.10, Json{{"result", "good.json"}});
  EXPECT_EQ(e["schema"], "gpuxfer.expect");
  EXPECT_EQ(e["source"]["result"], "good.json");
  EXPECT_DOUBLE_EQ(e["source"]["margin"].get<double>(), 0.10);
  const Json& rules = e["rules"];
  // ce_write, ce_read, h2d_pinned, d2h_pinned (PCIe), peer_b2b 4 B, chase_local
  ASSERT_EQ(rules.size(), 6u) << e.dump(2);
  EXPECT_EQ(rules[0]["method"], "ce_write");
  EXPECT_EQ(rules[0]["link_class"], "NV18");
  // Rounded down to 0.001 GB/s: 391 x 0.9 and 387 x 0.9 (the rates carry float error, so 351.899 is right too).
  EXPECT_NEAR(rules[0]["min_gbps"].get<double>(), 351.9, 0.0015);
  EXPECT_LE(rules[0]["min_gbps"].get<double>() * 1e9, 0.9 * *median_rate(find_record(records, Method::ce_write, 1, 0)));
  EXPECT_NEAR(rules[1]["min_gbps"].get<double>(), 348.3, 0.0015);
  EXPECT_EQ(rules[2]["link_class"], "PCIe");
  EXPECT_EQ(rules[4]["method"], "peer_b2b");
  EXPECT_EQ(rules[4]["bytes"], 4);
  EXPECT_NEAR(rules[4]["max_us"].get<double>(), 2.64, 0.0015);  // 2.4 x 1.1, rounded up
  EXPECT_GE(rules[4]["max_us"].get<double>() * 1e-6, 2.4e-6 * 1.1);
  EXPECT_FALSE(rules[5].contains("link_class"));

  // The document reads back and the same records pass it (the failed sm_push record aside).
  const Expectations parsed = parse_expectations(e.dump(2), "emitted.json");
  ASSERT_EQ(parsed.rules.size(), 6u);
  records.erase(records.begin() + static_cast<long>(records.size()) - 2);
  const auto r = run_check(s, records, parsed, CheckSettings{});
  EXPECT_EQ(count_findings(r.findings).fail, 0) << dump(r.findings);

  // With no margin the minimum is the lowest measured rate itself, never above it.
  const Json tight = emit_expectations(records, 0.0, Json::object());
  const Expectations tight_parsed = parse_expectations(tight.dump(), "t.json");
  EXPECT_EQ(count_findings(run_check(s, records, tight_parsed, CheckSettings{}).findings).fail, 0);
}
