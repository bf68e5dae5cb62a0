#include "core/record_json.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

using namespace gx;

namespace {

Record measured(Method method, int src, int dst, std::uint64_t bytes, std::vector<double> samples) {
  Record r;
  r.test.suite = suite_of(method);
  r.test.method = method;
  r.test.src = src;
  r.test.dst = dst;
  r.test.bytes = bytes;
  r.test.link_class = "NV18";
  r.test.theoretical_bytes_per_s = 478.125e9;
  r.test.headline = true;
  r.status = Status::ok;
  r.timing = timing_of(method);
  r.warmup_ops = 3;
  r.ops_per_sample = 7;
  r.verified = true;
  r.sample_seconds = samples;
  r.time = summarize(std::move(samples));
  r.bytes_per_op = static_cast<double>(bytes);
  return r;
}

Record skipped() {
  Record r;
  r.test.suite = Suite::peer;
  r.test.method = Method::sm_pull;
  r.test.src = 1;
  r.test.dst = 0;
  r.test.bytes = 400000000;
  r.test.theoretical_bytes_per_s = Known<double>::unknown("link class unknown");
  r.test.skip_reason = "P2P not enabled for GPU 1 -> GPU 0: cudaErrorPeerAccessUnsupported";
  r.status = Status::skipped;
  r.reason = r.test.skip_reason;
  return r;
}

Record failed() {
  Record r = measured(Method::sm_push, 0, 1, 4096, {1.1e-6, 1.3e-6});
  r.status = Status::failed;
  r.reason = "17 mismatches after one copy";
  r.verified = false;
  r.mismatches = 17;
  return r;
}

Record latency() {
  Record r = measured(Method::h2d_b2b, kHost, 2, 4, {2.1e-6, 2.05e-6, 2.3e-6});
  r.test.link_class = "PCIe";
  r.test.theoretical_bytes_per_s = Known<double>::unknown("latency: not a bandwidth measurement");
  return r;
}

Record concurrent() {
  Record r = measured(Method::scatter_ce, kHost, kHost, 400000000, {0.00301, 0.00297, 0.0032});
  r.test.devices = {2, 0, 1};
  r.test.link_class = "mixed";
  r.bytes_per_op = 8e8;
  r.directions = {{"to 0", 4e8, 133.3e9}, {"to 1", 4e8, 0.1 + 130e9}};
  return r;
}

// Schema 1.7: a capped small copy and a pointer chase with its walk.
Record capped() {
  Record r = measured(Method::peer_b2b, 0, 1, 4, {2.3e-6, 2.4e-6});
  r.test.theoretical_bytes_per_s = Known<double>::unknown("latency: not a bandwidth measurement");
  r.ops_per_sample = 256;
  r.min_sample_seconds = 1e-3;
  r.ops_capped = true;
  return r;
}

Record chase() {
  Record r = measured(Method::chase_local, 0, 0, 64u << 20, {3.41e-7, 3.40e-7});
  r.test.theoretical_bytes_per_s = Known<double>::unknown("latency: not a bandwidth measurement");
  r.test.l2_bytes = 62914560;
  r.ops_per_sample = 1;
  r.min_sample_seconds = 1e-3;
  ChaseWalk w;
  w.lines = (64u << 20) / 256;
  w.steps_per_op = kChaseSteps;
  w.loads_before_samples = 320000;
  w.loads_timed = 20000;
  r.chase = w;
  r.bytes_per_op = 8;
  return r;
}

Record pipelined() {
  Record r = measured(Method::pipelined, 0, 3, 1u << 20, {1e-4, 1.1e-4});
  r.test.chunk_bytes = 8u << 20;
  r.test.ring_depth = 3;
  r.test.streams = 2;
  r.test.dtype = DType::bf16;
  r.test.headline = false;
  return r;
}

void expect_same(const Record& a, const Record& b) {
  EXPECT_EQ(a.test.suite, b.test.suite);
  EXPECT_EQ(a.test.method, b.test.method);
  EXPECT_EQ(a.test.src, b.test.src);
  EXPECT_EQ(a.test.dst, b.test.dst);
  EXPECT_EQ(a.test.devices, b.test.devices);
  EXPECT_EQ(a.test.bytes, b.test.bytes);
  EXPECT_EQ(a.test.dtype, b.test.dtype);
  EXPECT_EQ(a.test.streams, b.test.streams);
  EXPECT_EQ(a.test.chunk_bytes, b.test.chunk_bytes);
  EXPECT_EQ(a.test.ring_depth, b.test.ring_depth);
  EXPECT_EQ(a.test.link_class, b.test.link_class);
  EXPECT_EQ(a.test.headline, b.test.headline);
  EXPECT_TRUE(a.test.theoretical_bytes_per_s == b.test.theoretical_bytes_per_s);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.timing, b.timing);
  EXPECT_EQ(a.warmup_ops, b.warmup_ops);
  EXPECT_EQ(a.ops_per_sample, b.ops_per_sample);
  EXPECT_EQ(a.verified, b.verified);
  EXPECT_EQ(a.mismatches, b.mismatches);
  EXPECT_EQ(a.sample_seconds, b.sample_seconds);  // exact: doubles round-trip bit for bit
  EXPECT_EQ(a.bytes_per_op, b.bytes_per_op);
  ASSERT_EQ(a.time.has_value(), b.time.has_value());
  if (a.time) {
    EXPECT_EQ(a.time->n, b.time->n);
    EXPECT_EQ(a.time->min, b.time->min);
    EXPECT_EQ(a.time->q1, b.time->q1);
    EXPECT_EQ(a.time->median, b.time->median);
    EXPECT_EQ(a.time->q3, b.time->q3);
    EXPECT_EQ(a.time->max, b.time->max);
    EXPECT_EQ(a.time->mean, b.time->mean);
    EXPECT_EQ(a.time->stdev, b.time->stdev);
    EXPECT_EQ(a.time->cv, b.time->cv);
  }
  EXPECT_EQ(a.min_sample_seconds, b.min_sample_seconds);
  EXPECT_EQ(a.ops_capped, b.ops_capped);
  EXPECT_EQ(a.test.l2_bytes, b.test.l2_bytes);
  EXPECT_EQ(a.chase.has_value(), b.chase.has_value());
  if (a.chase && b.chase) {
    EXPECT_TRUE(*a.chase == *b.chase);
  }
  ASSERT_EQ(a.directions.size(), b.directions.size());
  for (std::size_t i = 0; i < a.directions.size(); ++i) {
    EXPECT_EQ(a.directions[i].name, b.directions[i].name);
    EXPECT_EQ(a.directions[i].bytes_per_op, b.directions[i].bytes_per_op);
    EXPECT_EQ(a.directions[i].median_bytes_per_s, b.directions[i].median_bytes_per_s);
  }
}

// A valid record document to break one field of.
Json valid() {
  return record_to_json(measured(Method::ce_write, 0, 1, 4096, {1e-6, 1.2e-6}));
}

std::string error_of(const Json& records) {
  try {
    (void)records_from_json(records);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(RecordJson, RoundTripThroughText) {
  const std::vector<Record> records{measured(Method::ce_write, 0, 1, 400000000, {1.01e-3, 0.99e-3, 1.0e-3}),
                                    skipped(),
                                    failed(),
                                    latency(),
                                    concurrent(),
                                    pipelined(),
                                    capped(),
                                    chase()};
  const std::string text = records_to_json(records).dump(2);
  const auto back = records_from_json(Json::parse(text));
  ASSERT_EQ(back.size(), records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    SCOPED_TRACE(i);
    expect_same(records[i], back[i]);
  }
  EXPECT_EQ(records_to_json(back).dump(), records_to_json(records).dump());
}

TEST(RecordJson, BandwidthRecordFields) {
  const Json j = record_to_json(measured(Method::ce_write, 0, 1, 400000000, {2e-3, 1e-3, 1e-3}));
  EXPECT_EQ(j["suite"], "peer");
  EXPECT_EQ(j["method"], "ce_write");
  EXPECT_EQ(j["metric"], "bandwidth");
  EXPECT_EQ(j["src"], 0);
  EXPECT_EQ(j["dst"], 1);
  EXPECT_EQ(j["shape"], "10000x10000");
  EXPECT_EQ(j["dtype"], "f32");
  EXPECT_TRUE(j["reason"].is_null());
  EXPECT_EQ(j["measurement"]["timing_mode"], "device");
  EXPECT_EQ(j["measurement"]["samples"], 3);
  EXPECT_EQ(j["time_s"]["median"], 1e-3);
  EXPECT_EQ(j["rate"]["unit"], "B/s");
  EXPECT_DOUBLE_EQ(j["rate"]["median"].get<double>(), 400e9);
  EXPECT_DOUBLE_EQ(j["rate"]["best"].get<double>(), 400e9);
  EXPECT_TRUE(j["latency_s"].is_null());
  EXPECT_DOUBLE_EQ(j["efficiency"]["fraction"].get<double>(), 400e9 / 478.125e9);
  EXPECT_FALSE(j["efficiency"].contains("unknown"));
  EXPECT_EQ(j["noisy"], true);  // cv of {2,1,1} ms is far above 5 %
}

TEST(RecordJson, NullsForHostSkipsAndLatency) {
  const Json s = record_to_json(skipped());
  EXPECT_EQ(s["status"], "skipped");
  EXPECT_EQ(s["reason"], skipped().reason);
  EXPECT_TRUE(s["time_s"].is_null());
  EXPECT_TRUE(s["rate"].is_null());
  EXPECT_EQ(s["samples_s"], Json::array());
  EXPECT_TRUE(s["efficiency"]["theoretical_bytes_per_s"].is_null());
  EXPECT_TRUE(s["efficiency"]["fraction"].is_null());
  EXPECT_EQ(s["efficiency"]["unknown"]["theoretical_bytes_per_s"], "link class unknown");
  EXPECT_EQ(s["noisy"], false);

  const Json l = record_to_json(latency());
  EXPECT_TRUE(l["src"].is_null());
  EXPECT_EQ(l["dst"], 2);
  EXPECT_EQ(l["metric"], "latency");
  EXPECT_TRUE(l["rate"].is_null());
  EXPECT_EQ(l["latency_s"]["median"], 2.1e-6);
  EXPECT_EQ(l["latency_s"]["best"], 2.05e-6);
  EXPECT_EQ(l["shape"], "1");

  const Json f = record_to_json(failed());
  EXPECT_TRUE(f["rate"].is_null());  // a failed measurement has no rate
  EXPECT_EQ(f["measurement"]["mismatches"], 17);

  const Json c = record_to_json(concurrent());
  EXPECT_EQ(c["devices"], Json::array({2, 0, 1}));
  EXPECT_EQ(c["directions"][1]["name"], "to 1");
}

TEST(RecordJson, MalformedInputNamesIndexAndField) {
  EXPECT_NE(error_of(Json::object()).find("records: expected an array"), std::string::npos);
  EXPECT_NE(error_of(Json::array({valid(), 3})).find("records[1]: expected an object"), std::string::npos);

  Json bad = valid();
  bad["bytes"] = -5;
  EXPECT_NE(error_of(Json::array({valid(), bad})).find("records[1].bytes: -5 is negative"), std::string::npos);
  bad = valid();
  bad["method"] = "teleport";
  EXPECT_NE(error_of(Json::array({bad})).find("records[0].method: unknown value 'teleport'"), std::string::npos);
  bad = valid();
  bad["measurement"].erase("timing_mode");
  EXPECT_NE(error_of(Json::array({bad})).find("records[0].measurement.timing_mode: missing"), std::string::npos);
  bad = valid();
  bad["measurement"]["samples"] = 5;
  EXPECT_NE(error_of(Json::array({bad})).find("records[0].measurement.samples: says 5"), std::string::npos);
  bad = valid();
  bad["suite"] = "host";
  EXPECT_NE(error_of(Json::array({bad})).find("records[0].suite"), std::string::npos);
  bad = valid();
  bad["src"] = "0";
  EXPECT_NE(error_of(Json::array({bad})).find("records[0].src: expected an integer"), std::string::npos);
  bad = valid();
  bad["time_s"]["median"] = "fast";
  EXPECT_NE(error_of(Json::array({bad})).find("records[0].time_s.median"), std::string::npos);
  bad = valid();
  bad["samples_s"][1] = nullptr;
  EXPECT_NE(error_of(Json::array({bad})).find("records[0].samples_s[1]"), std::string::npos);
  bad = valid();
  bad["streams"] = 0;
  EXPECT_NE(error_of(Json::array({bad})).find("records[0].streams"), std::string::npos);
  bad = valid();
  bad["directions"] = Json::array({Json{{"name", "0->1"}}});
  EXPECT_NE(error_of(Json::array({bad})).find("records[0].directions[0].bytes_per_op: missing"), std::string::npos);

  bad = valid();
  bad["status"] = "great";
  try {
    (void)record_from_json(bad);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("record.status: unknown value 'great'"), std::string::npos) << e.what();
  }
}

TEST(RecordJson, SampleRuleAndChaseWalkFields) {
  const Json c = record_to_json(capped());
  EXPECT_EQ(c.at("measurement").at("min_sample_s"), 1e-3);
  EXPECT_EQ(c.at("measurement").at("ops_capped"), true);
  const Json w = record_to_json(chase());
  EXPECT_EQ(w.at("chase").at("stride_bytes"), 256u);
  EXPECT_EQ(w.at("chase").at("lines"), 262144u);
  EXPECT_EQ(w.at("chase").at("loads_timed"), 20000u);
  EXPECT_EQ(w.at("chase").at("distinct_lines_timed"), 20000u);
  EXPECT_EQ(w.at("cache_resident"), false);
  EXPECT_EQ(w.at("working_set_bytes"), 64u << 20);
  EXPECT_FALSE(record_to_json(latency()).contains("chase"));
  // Documents before 1.7: none of these keys; read as not recorded.
  Json old = c;
  old["measurement"].erase("min_sample_s");
  old["measurement"].erase("ops_capped");
  const Record r = record_from_json(old);
  EXPECT_EQ(r.min_sample_seconds, 0.0);
  EXPECT_FALSE(r.ops_capped);
  Json bad = w;
  bad["chase"]["lines"] = -1;
  EXPECT_NE(error_of(Json::array({bad})).find("records[0].chase.lines"), std::string::npos);
}

TEST(RecordJson, DerivedFieldsAreRecomputedNotTrusted) {
  Json j = valid();
  j["rate"]["median"] = 1.0;
  j["noisy"] = true;
  j["shape"] = "7x7";
  j["extra_field_from_a_newer_minor"] = 1;
  const Record r = record_from_json(j);
  const Json again = record_to_json(r);
  EXPECT_NE(again["rate"]["median"], 1.0);
  EXPECT_EQ(again["noisy"], noisy(r));
  EXPECT_EQ(again["shape"], "32x32");
}
