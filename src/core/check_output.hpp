#pragma once
// JUnit XML of `gpuxfer check --junit` (docs/check.md, "JUnit"): one testcase per finding, FAIL
// as <failure>, WARN as <skipped type="WARN"> (Jenkins and GitLab show it apart from a pass and
// do not fail the build on it), a run that could not finish as one <error> testcase. Classnames
// carry the host, so files merged from many nodes never collide. Validated against the Jenkins
// xunit junit-10.xsd in tests. The CLI writes it atomically.
#include <optional>
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

struct JunitRun {
  std::string timestamp;             // ISO 8601 start of the bench judged; may be empty
  std::optional<double> duration_s;  // of the whole bench, when known
  std::string run_error;             // non-empty: the run could not finish (one <error> testcase)
  std::string run_error_type;        // "exit 3", "exit 4", ...
};

// Seconds a record spent being timed: its samples x operations per sample.
[[nodiscard]] double measured_seconds(const Record& record);
// The timed seconds of the records a finding judges (matched by suite, method, endpoints,
// size); nullopt for findings about the system or a rule rather than measurements.
[[nodiscard]] std::optional<double> finding_seconds(const Finding& finding, const std::vector<Record>& records);

// <testsuites><testsuite name="gpuxfer check HOST"> with one <testcase> per finding: classname
// "gpuxfer.check.<host>.<rule>" (dots of the host as '_'), name "<subject> <what>", time the
// finding's measured seconds where known; testsuite skipped = WARN count, time = duration_s or
// the sum of the testcases'.
[[nodiscard]] std::string junit_xml(const std::vector<Finding>& findings, const std::vector<Record>& records,
                                    const SystemInfo& system, const JunitRun& run);

}  // namespace gx
