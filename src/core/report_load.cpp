#include "core/report_load.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <tuple>

#include "core/error.hpp"
#include "core/health_json.hpp"
#include "core/plan.hpp"
#include "core/cache_fit.hpp"
#include "core/record_json.hpp"

namespace gx {

Json parse_json_capped(std::string_view text, const std::string& name, std::size_t max_depth) {
  // The callback sees the depth of every element as it is parsed: refusing deep input there
  // bounds the parser's recursion before it can exhaust the stack.
  const Json::parser_callback_t guard = [&](int depth, Json::parse_event_t, Json&) {
    if (static_cast<std::size_t>(depth) > max_depth) {
      throw InputError(fmt::format("{}: JSON nested deeper than {} levels", name, max_depth));
    }
    return true;
  };
  try {
    return Json::parse(text.begin(), text.end(), guard);
  } catch (const Json::parse_error& e) {
    // e.byte locates the problem; nlohmann's what() is long, keep one line. Truncated only when
    // the parser ran out of text (junk after a whole document also mentions "end of input").
    const bool truncated = e.byte > text.size();
    throw InputError(fmt::format("{}: {} at byte {}", name,
                                 truncated ? "truncated JSON (unexpected end of input)" : "malformed JSON", e.byte));
  } catch (const Json::out_of_range&) {  // nlohmann's error 406, a number beyond double: "1e400"
    throw InputError(fmt::format("{}: malformed JSON (a number out of range)", name));
  }
}

std::string read_file_capped(const std::string& path, std::size_t max_bytes) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw InputError(fmt::format("{}: is a folder, not a file", path));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open for reading", path));
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) throw InputError(fmt::format("{}: cannot read (not a regular file?)", path));
  if (static_cast<std::size_t>(size) > max_bytes) {
    throw InputError(
        fmt::format("{}: {} bytes, more than the {} bytes gpuxfer reads from one file", path, size, max_bytes));
  }
  in.seekg(0, std::ios::beg);
  std::string text(static_cast<std::size_t>(size), '\0');
  if (size > 0 && !in.read(text.data(), size)) throw InputError(fmt::format("{}: read failed", path));
  if (text.empty()) throw InputError(fmt::format("{}: empty file", path));
  return text;
}

namespace {

// 1.0 documents have no `tuning` key. Their pipelined tuning grid is the pipelined records
// outside the headline matrix of which one pair and size has several (chunk, ring depth)
// settings; every other pipelined record used the run's best setting. Marked here, so readers
// ask is_tuning_case whatever the document's version.
void mark_tuning_grid_of_1_0(std::vector<Record>& records) {
  using Group = std::tuple<int, int, std::vector<int>, DType, std::uint64_t>;
  std::map<Group, std::set<std::pair<std::uint64_t, int>>> settings;
  auto group = [](const Case& c) { return Group{c.src, c.dst, c.devices, c.dtype, c.bytes}; };
  for (const auto& r : records) {
    if (r.test.method == Method::pipelined && !r.test.headline) {
      settings[group(r.test)].emplace(r.test.chunk_bytes, r.test.ring_depth);
    }
  }
  for (auto& r : records) {
    Case& c = r.test;
    c.tuning = c.method == Method::pipelined && !c.headline && settings[group(c)].size() > 1;
  }
}

}  // namespace

LoadedReport parse_report(std::string_view text, const std::string& name) {
  return parse_report_document(parse_json_capped(text, name), name);
}

LoadedReport parse_report_document(const Json& doc, const std::string& name) {
  if (!doc.is_object()) throw InputError(fmt::format("{}: not a gpuxfer report (top level is not an object)", name));
  const auto schema = doc.find("schema");
  if (schema == doc.end() || !schema->is_string() || *schema != kReportSchema) {
    throw InputError(fmt::format("{}: not a gpuxfer report (schema is not \"{}\")", name, kReportSchema));
  }
  LoadedReport report;
  report.path = name;
  try {
    const Json& version = doc.at("schema_version");
    // get<int>() of a float is a plain cast: undefined behaviour for 1e300.
    if (!version.at("major").is_number_integer() || !version.at("minor").is_number_integer())
      throw InputError(fmt::format("{}: schema_version must be {{\"major\": int, \"minor\": int}}", name));
    report.schema_major = version.at("major").get<int>();
    report.schema_minor = version.at("minor").get<int>();
  } catch (const Json::exception&) {
    throw InputError(fmt::format("{}: schema_version must be {{\"major\": int, \"minor\": int}}", name));
  }
  if (report.schema_major > kReportSchemaMajor) {
    throw InputError(fmt::format("{}: schema version {}.{} is newer than this gpuxfer reads ({}.x); update gpuxfer",
                                 name, report.schema_major, report.schema_minor, kReportSchemaMajor));
  }
  if (report.schema_major < kReportSchemaMajor) {
    throw InputError(fmt::format("{}: schema version {}.{} is older than this gpuxfer reads ({}.x)", name,
                                 report.schema_major, report.schema_minor, kReportSchemaMajor));
  }
  if (doc.contains("error")) {
    const Json& error = doc["error"];
    const std::string message = error.is_object() && error.contains("message") && error["message"].is_string()
                                    ? error["message"].get<std::string>()
                                    : "?";
    throw InputError(fmt::format("{}: is the error report of a failed run ({})", name, message));
  }
  try {
    report.tool = doc.at("tool");
    const Json& run = doc.at("run");
    report.run.started_utc = run.at("started_utc").get<std::string>();
    report.run.finished_utc = run.value("finished_utc", std::string());
    report.run.hostname = run.value("hostname", std::string());
    if (run.contains("argv")) report.run.argv = run.at("argv").get<std::vector<std::string>>();
    if (run.contains("options")) report.run.options = run.at("options");
    if (const auto early = run.find("ended_early"); early != run.end() && early->is_object()) {
      const auto code = early->find("exit_code");
      report.ended_early_exit_code = code != early->end() && code->is_number_integer() ? code->get<int>() : 1;
      report.ended_early_reason = early->value("reason", std::string("ended early"));
    }
  } catch (const Json::exception& e) {
    throw InputError(fmt::format("{}: run section: {}", name, e.what()));
  }
  try {
    report.system = system_from_json(doc.at("system"));
    report.records = records_from_json(doc.at("records"));
    if (report.schema_minor == 0) mark_tuning_grid_of_1_0(report.records);
    // Before 1.7 records carry no l2_bytes: the GPUs' own L2 from system.gpus marks them.
    assign_l2_bytes(report.records, report.system);
    // 1.6+: absent from older documents, which load with no health data.
    if (const auto health = doc.find("health"); health != doc.end()) report.system.health = health_from_json(*health);
  } catch (const InputError& e) {
    throw InputError(fmt::format("{}: {}", name, e.what()));
  } catch (const Json::exception& e) {
    throw InputError(fmt::format("{}: {}", name, e.what()));
  }
  return report;
}

LoadedReport load_report(const std::string& path) {
  return parse_report(read_file_capped(path), path);
}

}  // namespace gx
