#pragma once
// Machine outputs of `gpuxfer check` for CI and monitoring: JUnit XML (one testcase per finding,
// FAIL as <failure>) and a Prometheus node-exporter textfile (headline bandwidths and finding
// counts). Both are plain text; the CLI writes them atomically.
#include <string>
#include <string_view>
#include <vector>

#include "core/bench_model.hpp"
#include "core/check.hpp"
#include "core/model.hpp"

namespace gx {

// Escapes & < > " ' for text and attribute values; control characters XML 1.0 cannot carry
// (below 0x20 except tab, newline, carriage return) become U+FFFD.
[[nodiscard]] std::string xml_escape(std::string_view text);

// <testsuites><testsuite name="gpuxfer check" ...> with one <testcase> per finding: classname
// "gpuxfer.check.<rule>", name "<subject> <what>"; FAIL -> <failure message type="FAIL">, WARN and
// PASS -> <system-out>. `timestamp` (ISO 8601, may be empty) lands on the testsuite.
[[nodiscard]] std::string junit_xml(const std::vector<Finding>& findings, const SystemInfo& system,
                                    std::string_view timestamp);

// Label values: backslash, double quote and newline escaped as the exposition format requires.
[[nodiscard]] std::string prometheus_label_escape(std::string_view text);

// gpuxfer_peer_bandwidth_bytes_per_second{src,dst,method,link}: ok peer records at the headline
// size; gpuxfer_host_bandwidth_bytes_per_second{gpu,method,link}: ok host records at the headline
// size (gpu="all" for all_h2d / all_d2h); gpuxfer_check_findings{verdict}; gpuxfer_check_passed
// (1 when no finding is FAIL). Every metric has # HELP and # TYPE lines.
[[nodiscard]] std::string prometheus_text(const std::vector<Finding>& findings, const std::vector<Record>& records);

}  // namespace gx
