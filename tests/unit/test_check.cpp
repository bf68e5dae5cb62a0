// Default rules of `gpuxfer check`, derived from synthetic topologies (NVSwitch and PCIe nodes).
#include <gtest/gtest.h>

#include "core/check.hpp"
#include "test_check_fixtures.hpp"

using namespace gx;
using namespace gx::test;

namespace {

CheckResult check(const SystemInfo& s, const std::vector<Record>& records, const CheckSettings& settings = {},
                  const RemeasureFn& remeasure = {}) {
  return run_check(s, records, Expectations{}, settings, remeasure);
}

}  // namespace

TEST(CheckDefaults, HealthyNvlinkNodePassesEverything) {
  const SystemInfo s = nvlink_system(4);
  const auto r = check(s, good_records(s));
  const CheckCounts c = count_findings(r.findings);
  EXPECT_EQ(c.fail, 0) << dump(r.findings);
  EXPECT_EQ(c.warn, 0) << dump(r.findings);
  // 4 nvlink + 4 pcie + 12 p2p + 1 records + 12 peer + 12 outlier + 8 host
  EXPECT_EQ(c.pass, 53) << dump(r.findings);
  EXPECT_EQ(with(r.findings, "nvlink_up").size(), 4u);
  EXPECT_EQ(with(r.findings, "peer_bandwidth").size(), 12u);
  EXPECT_EQ(with(r.findings, "peer_outlier").size(), 12u);
  EXPECT_EQ(with(r.findings, "host_bandwidth").size(), 8u);
  EXPECT_EQ(check_summary_line(r.findings, s), "check: 0 FAIL, 0 WARN, 53 PASS on 4x NVIDIA H200 (node)");
}

TEST(CheckDefaults, NvlinkDownFailsAndUnknownWarns) {
  SystemInfo s = nvlink_system(2);
  s.devices[1].nvlink.links_up = 16;
  s.devices[0].nvlink.links_up = Known<int>::unknown("NVML: not supported in this VM");
  const auto r = check(s, good_records(s));
  const auto gpu1 = with(r.findings, "nvlink_up", "GPU 1");
  ASSERT_EQ(gpu1.size(), 1u);
  EXPECT_EQ(gpu1[0]->verdict, CheckVerdict::fail);
  EXPECT_NE(gpu1[0]->note.find("2 of 18 NVLinks down"), std::string::npos) << gpu1[0]->note;
  const auto gpu0 = with(r.findings, "nvlink_up", "GPU 0");
  ASSERT_EQ(gpu0.size(), 1u);
  EXPECT_EQ(gpu0[0]->verdict, CheckVerdict::warn);
  EXPECT_NE(gpu0[0]->note.find("not supported in this VM"), std::string::npos);
}

TEST(CheckDefaults, PcieBelowMaxWarnsUnlessStrict) {
  SystemInfo s = nvlink_system(2);
  s.devices[1].pcie.current_gen = 1;  // idle downtraining
  const auto r = check(s, good_records(s));
  const auto f = with(r.findings, "pcie_link", "GPU 1");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]->verdict, CheckVerdict::warn);
  EXPECT_EQ(f[0]->measured, "Gen1 x16");
  EXPECT_EQ(f[0]->expected, "Gen5 x16 (max)");
  EXPECT_NE(f[0]->note.find("idle"), std::string::npos);
  EXPECT_NE(f[0]->note.find("h2d_pinned reached 87.3%"), std::string::npos) << f[0]->note;
  EXPECT_EQ(count_findings(r.findings).fail, 0);

  CheckSettings strict;
  strict.strict_pcie = true;
  const auto r2 = check(s, good_records(s), strict);
  EXPECT_EQ(with(r2.findings, "pcie_link", "GPU 1")[0]->verdict, CheckVerdict::fail);
  EXPECT_EQ(with(r2.findings, "pcie_link", "GPU 0")[0]->verdict, CheckVerdict::pass);

  s.devices[0].pcie.max_width = Known<int>::unknown("NVML absent");
  const auto r3 = check(s, good_records(s), strict);
  const auto unknown = with(r3.findings, "pcie_link", "GPU 0");
  EXPECT_EQ(unknown[0]->verdict, CheckVerdict::warn);
  EXPECT_NE(unknown[0]->note.find("NVML absent"), std::string::npos);
}

TEST(CheckDefaults, PeerBandwidthIsTheBestOfWriteAndReadAgainst75Percent) {
  const SystemInfo s = nvlink_system(2);
  // ce_write 74 % of theoretical, ce_read 76 %: the pair passes on ce_read.
  auto records = good_records(s, 0.74 * kNvlinkRate, 0.76 * kNvlinkRate);
  auto r = check(s, records);
  auto f = with(r.findings, "peer_bandwidth", "0->1");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]->verdict, CheckVerdict::pass) << dump(r.findings);
  EXPECT_EQ(f[0]->method, "ce_read");
  EXPECT_NEAR(*f[0]->expected_value, 0.75 * kNvlinkRate, 1.0);

  records = good_records(s, 0.74 * kNvlinkRate, 0.70 * kNvlinkRate);
  r = check(s, records);
  f = with(r.findings, "peer_bandwidth", "1->0");
  EXPECT_EQ(f[0]->verdict, CheckVerdict::fail);
  EXPECT_NE(f[0]->note.find("74.0% of"), std::string::npos) << f[0]->note;
}

TEST(CheckDefaults, PeerWithUnknownTheoreticalWarns) {
  SystemInfo s = nvlink_system(2);
  s.pairs[0].theoretical_bytes_per_s = Known<double>::unknown("NVLink speed unknown");
  const auto r = check(s, good_records(s));
  const auto f = with(r.findings, "peer_bandwidth", "0->1");
  EXPECT_EQ(f[0]->verdict, CheckVerdict::warn);
  EXPECT_NE(f[0]->note.find("NVLink speed unknown"), std::string::npos);
}

TEST(CheckDefaults, HostBandwidthAgainst80PercentOfPcie) {
  const SystemInfo s = nvlink_system(2);
  auto records = good_records(s);
  scale_rate(find_record(records, Method::d2h_pinned, 1, kHost), 0.79 * kPcieRate / 55e9);
  const auto r = check(s, records);
  const auto f = with(r.findings, "host_bandwidth", "GPU 1");
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0]->method, "h2d_pinned");
  EXPECT_EQ(f[0]->verdict, CheckVerdict::pass);
  EXPECT_EQ(f[1]->method, "d2h_pinned");
  EXPECT_EQ(f[1]->verdict, CheckVerdict::fail);
  EXPECT_NEAR(*f[1]->expected_value, 0.8 * kPcieRate, 1.0);
}

TEST(CheckDefaults, PcieNodeChecksPeerOnlyWhereP2PIsPossible) {
  const SystemInfo s = pcie_system();
  auto records = good_records(s, 0.80 * kPcieRate, 0.78 * kPcieRate, 0.85 * kPcieRate);
  auto r = check(s, records);
  EXPECT_TRUE(with(r.findings, "nvlink_up").empty()) << "GPUs without NVLink have nothing to check";
  EXPECT_EQ(with(r.findings, "peer_bandwidth").size(), 4u);  // 0<->1, 2<->3
  EXPECT_EQ(with(r.findings, "p2p_enabled").size(), 5u);     // 4 pairs + one WARN for the 8 without P2P
  const auto impossible = with(r.findings, "p2p_enabled", "8 pairs");
  ASSERT_EQ(impossible.size(), 1u);
  EXPECT_EQ(impossible[0]->verdict, CheckVerdict::warn);
  EXPECT_NE(impossible[0]->note.find("CPU interconnect"), std::string::npos);
  EXPECT_EQ(count_findings(r.findings).fail, 0) << dump(r.findings);
  const auto pix = with(r.findings, "peer_outlier", "0->1");
  ASSERT_EQ(pix.size(), 1u);
  EXPECT_NE(pix[0]->note.find("4 PIX pairs"), std::string::npos) << pix[0]->note;

  records = good_records(s, 0.70 * kPcieRate, 0.70 * kPcieRate, 0.85 * kPcieRate);
  r = check(s, records);
  EXPECT_EQ(with(r.findings, "peer_bandwidth", "2->3")[0]->verdict, CheckVerdict::fail);
}

TEST(CheckDefaults, P2PNotEnabledFailsOrWarnsWhenNotAttempted) {
  SystemInfo s = nvlink_system(2);
  s.pairs[1].peer_enabled = false;
  s.pairs[1].peer_error = "cudaErrorTooManyPeers";
  auto r = check(s, good_records(s));
  auto f = with(r.findings, "p2p_enabled", "1->0");
  EXPECT_EQ(f[0]->verdict, CheckVerdict::fail);
  EXPECT_EQ(f[0]->note, "cudaErrorTooManyPeers");
  CheckSettings not_attempted;
  not_attempted.peer_enable_attempted = false;
  r = check(s, good_records(s), not_attempted);
  EXPECT_EQ(with(r.findings, "p2p_enabled", "1->0")[0]->verdict, CheckVerdict::warn);
}

TEST(CheckDefaults, FailedErrorTimeoutAndUnverifiedRecordsFail) {
  const SystemInfo s = nvlink_system(2);
  auto records = good_records(s);
  Record bad = record(Method::sm_push, 0, 1, 360e9);
  bad.status = Status::failed;
  bad.mismatches = 17;
  bad.reason = "verification failed";
  records.push_back(bad);
  Record unverified = record(Method::sm_pull, 0, 1, 370e9);
  unverified.verified = false;
  records.push_back(unverified);
  Record timeout = record(Method::bidir_ce, 0, 1, 1);
  timeout.status = Status::timeout;
  timeout.reason = "a GPU wait exceeded 60 s";
  timeout.time.reset();
  records.push_back(timeout);
  Record not_run = record(Method::bidir_sm, 0, 1, 1);
  not_run.status = Status::skipped;
  not_run.reason = "not run: a case timed out";
  records.push_back(not_run);
  Record skipped = record(Method::sm_push, 1, 0, 1);
  skipped.status = Status::skipped;
  skipped.reason = "does not fit";
  records.push_back(skipped);

  const auto r = check(s, records);
  const auto f = with(r.findings, "records");
  ASSERT_EQ(f.size(), 4u) << dump(r.findings);
  EXPECT_EQ(f[0]->subject, "0->1");
  EXPECT_EQ(f[0]->what, "sm_push 400 MB");
  EXPECT_EQ(f[0]->measured, "failed");
  EXPECT_NE(f[0]->note.find("17 mismatches"), std::string::npos);
  EXPECT_EQ(f[1]->measured, "timeout");
  EXPECT_EQ(f[2]->what, "peer sm_pull");
  EXPECT_EQ(f[2]->measured, "not verified");
  EXPECT_EQ(f[3]->measured, "not run");
  for (const auto* x : f) EXPECT_EQ(x->verdict, CheckVerdict::fail);
}

TEST(CheckDefaults, AllGoodRecordsGiveOnePass) {
  const SystemInfo s = nvlink_system(2);
  auto records = good_records(s);
  Record skipped = record(Method::sm_push, 1, 0, 1);
  skipped.status = Status::skipped;
  skipped.reason = "does not fit";
  records.push_back(skipped);
  const auto r = check(s, records);
  const auto f = with(r.findings, "records");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]->verdict, CheckVerdict::pass);
  EXPECT_EQ(f[0]->measured, "8 ok, 1 skipped, all verified");
}

TEST(CheckDefaults, MissingOrFailedPeerRecordFailsThePair) {
  const SystemInfo s = nvlink_system(2);
  auto records = good_records(s);
  for (auto& r : records) {
    if (r.test.src == 0 && r.test.dst == 1) {
      r.status = Status::error;
      r.reason = "cudaErrorIllegalAddress";
      r.time.reset();
    }
  }
  const auto r = check(s, records);
  const auto f = with(r.findings, "peer_bandwidth", "0->1");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]->verdict, CheckVerdict::fail);
  EXPECT_NE(f[0]->note.find("ce_write error: cudaErrorIllegalAddress"), std::string::npos) << f[0]->note;
}

TEST(CheckDefaults, NoRecordsWarnsAndSuitesNotRunWarn) {
  const SystemInfo s = nvlink_system(2);
  auto r = check(s, {});
  EXPECT_EQ(count_findings(r.findings).fail, 0);
  EXPECT_EQ(with(r.findings, "records")[0]->verdict, CheckVerdict::warn);
  EXPECT_TRUE(with(r.findings, "peer_bandwidth").empty());

  // Only the latency suite was run: peer and host are each one WARN.
  r = check(s, {latency_record(Method::peer_b2b, 0, 1, 2.3e-6, 4)});
  EXPECT_EQ(with(r.findings, "peer_bandwidth").size(), 1u);
  EXPECT_EQ(with(r.findings, "peer_bandwidth")[0]->verdict, CheckVerdict::warn);
  EXPECT_EQ(with(r.findings, "host_bandwidth")[0]->verdict, CheckVerdict::warn);
}

TEST(CheckOutliers, PairFivePercentUnderItsClassMedianFails) {
  const SystemInfo s = nvlink_system(4);
  auto records = good_records(s);
  scale_rate(find_record(records, Method::ce_write, 2, 3), 0.80);
  const auto r = check(s, records);
  const auto fails = with_verdict(r.findings, CheckVerdict::fail);
  ASSERT_EQ(fails.size(), 1u) << dump(r.findings);
  EXPECT_EQ(fails[0]->rule, "peer_outlier");
  EXPECT_EQ(fails[0]->subject, "2->3");
  EXPECT_EQ(fails[0]->method, "ce_write");
  EXPECT_NE(fails[0]->note.find("-20.0%"), std::string::npos) << fails[0]->note;
  // The pair still clears 75 % of theoretical on ce_read.
  EXPECT_EQ(with(r.findings, "peer_bandwidth", "2->3")[0]->verdict, CheckVerdict::pass);
}

TEST(CheckOutliers, BoundaryIsFivePercentInclusive) {
  const SystemInfo s = nvlink_system(4);
  auto records = good_records(s);
  scale_rate(find_record(records, Method::ce_read, 1, 0), 0.951);
  EXPECT_EQ(with(check(s, records).findings, "peer_outlier", "1->0")[0]->verdict, CheckVerdict::pass);
  records = good_records(s);
  scale_rate(find_record(records, Method::ce_read, 1, 0), 0.95);
  EXPECT_EQ(with(check(s, records).findings, "peer_outlier", "1->0")[0]->verdict, CheckVerdict::fail);
}

TEST(CheckOutliers, TwoGpuNodeComparesItsTwoPairs) {
  const SystemInfo s = nvlink_system(2);
  auto records = good_records(s);
  scale_rate(find_record(records, Method::ce_write, 0, 1), 0.80);
  const auto r = check(s, records);
  EXPECT_EQ(with(r.findings, "peer_outlier", "0->1")[0]->verdict, CheckVerdict::fail);
  EXPECT_EQ(with(r.findings, "peer_outlier", "1->0")[0]->verdict, CheckVerdict::pass);
}

TEST(CheckOutliers, ClassOfOnePairIsNotJudged) {
  const SystemInfo s = pcie_system();
  std::vector<Record> records;
  for (Method m : {Method::ce_write, Method::ce_read}) records.push_back(record(m, 0, 1, 50e9, kHeadline, "PIX"));
  const auto r = check(s, records);
  EXPECT_TRUE(with(r.findings, "peer_outlier").empty()) << dump(r.findings);
}

TEST(CheckOutliers, RemeasureHookRunsOncePerOutlierAndItsResultIsJudged) {
  const SystemInfo s = nvlink_system(4);
  auto records = good_records(s);
  scale_rate(find_record(records, Method::ce_write, 2, 3), 0.80);
  std::vector<std::pair<int, int>> calls;
  // A transient dip: the re-measure is normal.
  const RemeasureFn good_again = [&](int src, int dst) {
    calls.emplace_back(src, dst);
    return std::vector<Record>{record(Method::ce_write, src, dst, 391e9), record(Method::ce_read, src, dst, 387e9)};
  };
  auto r = check(s, records, {}, good_again);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0], std::make_pair(2, 3));
  auto f = with(r.findings, "peer_outlier", "2->3");
  EXPECT_EQ(f[0]->verdict, CheckVerdict::warn) << dump(r.findings);
  EXPECT_NE(f[0]->note.find("re-measured once (first ce_write 313.6 GB/s"), std::string::npos) << f[0]->note;
  EXPECT_EQ(count_findings(r.findings).fail, 0);
  // The judged records carry the new measurement.
  EXPECT_NEAR(*median_rate(find_record(r.records, Method::ce_write, 2, 3)), 391e9, 1e3);

  // Still slow on the second try: FAIL, saying it was re-measured.
  calls.clear();
  const RemeasureFn slow_again = [&](int src, int dst) {
    calls.emplace_back(src, dst);
    return std::vector<Record>{record(Method::ce_write, src, dst, 300e9), record(Method::ce_read, src, dst, 387e9)};
  };
  r = check(s, records, {}, slow_again);
  EXPECT_EQ(calls.size(), 1u);
  f = with(r.findings, "peer_outlier", "2->3");
  EXPECT_EQ(f[0]->verdict, CheckVerdict::fail);
  EXPECT_NE(f[0]->note.find("re-measured once"), std::string::npos);

  // Nothing is re-measured when nothing is an outlier.
  calls.clear();
  (void)check(s, good_records(s), {}, slow_again);
  EXPECT_TRUE(calls.empty());
}

TEST(CheckOutput, TableAndJsonCarryEveryFinding) {
  const SystemInfo s = nvlink_system(2);
  auto records = good_records(s);
  scale_rate(find_record(records, Method::ce_write, 0, 1), 0.5);
  const auto r = check(s, records);
  const Table t = findings_table(r.findings);
  EXPECT_EQ(t.rows.size(), r.findings.size());
  EXPECT_EQ(t.header.front(), "verdict");
  const Json j = findings_json(r.findings, s, Json{{"result", "x.json"}});
  EXPECT_EQ(j["schema"], "gpuxfer.check");
  EXPECT_EQ(j["summary"]["verdict"], "FAIL");
  EXPECT_EQ(j["summary"]["fail"].get<int>(), count_findings(r.findings).fail);
  EXPECT_EQ(j["findings"].size(), r.findings.size());
  bool found = false;
  for (const auto& f : j["findings"]) {
    if (f["rule"] == "peer_outlier" && f["verdict"] == "FAIL") {
      found = true;
      EXPECT_EQ(f["src"], 0);
      EXPECT_EQ(f["dst"], 1);
      EXPECT_EQ(f["unit"], "B/s");
      EXPECT_TRUE(f["measured"]["value"].is_number());
    }
  }
  EXPECT_TRUE(found) << j.dump(2);
}

TEST(CheckOutput, SystemBriefNamesMixedModels) {
  SystemInfo s = nvlink_system(3);
  s.devices[2].name = "NVIDIA H100 80GB HBM3";
  EXPECT_EQ(system_brief(s), "2x NVIDIA H200 + 1x NVIDIA H100 80GB HBM3 (node)");
}

// Multi-rank runs: NCCL figures per GPU pair against the median of their link class; a slow pair
// of hosts ("net") fails alone, pairs within a host are judged among themselves.
TEST(CheckNccl, SlowHostPairFailsAgainstItsClassMedian) {
  const SystemInfo s = nvlink_system(4);
  auto records = good_records(s);
  // GPUs 0,1 on host A and 2,3 on host B: 0<->1 and 2<->3 over NVLink, the rest over the network.
  for (int a = 0; a < 4; ++a) {
    for (int b = 0; b < 4; ++b) {
      if (a == b) continue;
      const bool same_host = a / 2 == b / 2;
      const double rate = same_host ? 366e9 : (a == 1 && b == 3 ? 30e9 : 45e9);
      records.push_back(record(Method::nccl_send, a, b, rate, kHeadline, same_host ? "NV18" : "net"));
    }
  }
  records.push_back(record(Method::nccl_bidir, 0, 2, 90e9, kHeadline, "net"));  // alone in its class
  const CheckResult result = run_check(s, records, Expectations{}, CheckSettings{}, nullptr);
  const auto nccl = with(result.findings, "nccl_outlier");
  ASSERT_EQ(nccl.size(), 12u) << dump(result.findings);  // every nccl_send pair; the lone bidir is not judged
  for (const Finding* f : nccl) {
    const bool slow = f->subject == "1->3";
    EXPECT_EQ(f->verdict, slow ? CheckVerdict::fail : CheckVerdict::pass) << f->subject << " " << f->note;
    EXPECT_EQ(f->method, "nccl_send");
  }
  const auto slow = with(result.findings, "nccl_outlier", "1->3");
  ASSERT_EQ(slow.size(), 1u);
  EXPECT_NE(slow[0]->what.find("different hosts"), std::string::npos) << slow[0]->what;
  EXPECT_NEAR(*slow[0]->expected_value, 0.95 * 45e9, 1e6);
  EXPECT_EQ(slow[0]->link_class, "net");
}

TEST(CheckNccl, NoisySlowPairIsAWarning) {
  const SystemInfo s = nvlink_system(2);
  auto records = good_records(s);
  for (int i = 0; i < 3; ++i) records.push_back(record(Method::nccl_send, 0, 1, 45e9, kHeadline, "net"));
  records.push_back(record(Method::nccl_send, 1, 0, 30e9, kHeadline, "net"));
  records.back().time->cv = 0.09;  // noisy
  const CheckResult result = run_check(s, records, Expectations{}, CheckSettings{}, nullptr);
  const auto slow = with(result.findings, "nccl_outlier", "1->0");
  ASSERT_EQ(slow.size(), 1u);
  EXPECT_EQ(slow[0]->verdict, CheckVerdict::warn) << slow[0]->note;
  EXPECT_NE(slow[0]->note.find("noisy"), std::string::npos);
}

TEST(CheckNccl, NoNcclRecordsNoFindings) {
  const SystemInfo s = nvlink_system(2);
  const CheckResult result = run_check(s, good_records(s), Expectations{}, CheckSettings{}, nullptr);
  EXPECT_TRUE(with(result.findings, "nccl_outlier").empty());
}
