#pragma once
// Reading results back: compare, check and report start from JSON files and never touch CUDA.
// Inputs are capped in size and nesting depth; every problem is an InputError naming the file.
#include <string>
#include <string_view>
#include <vector>

#include "core/bench_model.hpp"
#include "core/model.hpp"
#include "core/report_json.hpp"

namespace gx {

inline constexpr std::size_t kMaxReportBytes = 512ull << 20;  // a 8-GPU --all-pairs run is ~20 MB
inline constexpr std::size_t kMaxJsonDepth = 64;              // reports nest about 6 deep

struct LoadedReport {
  std::string path;  // as given, for messages
  int schema_major = 0;
  int schema_minor = 0;
  Json tool;
  RunInfo run;
  // run.ended_early: the run stopped before every planned case (exit 4, 5, 130, 143); 0 when not.
  int ended_early_exit_code = 0;
  std::string ended_early_reason;
  SystemInfo system;
  std::vector<Record> records;
};

// Parses JSON text with the depth cap; throws InputError "<name>: <problem>".
[[nodiscard]] Json parse_json_capped(std::string_view text, const std::string& name,
                                     std::size_t max_depth = kMaxJsonDepth);
// Reads a file whole with the size cap; throws InputError naming the file.
[[nodiscard]] std::string read_file_capped(const std::string& path, std::size_t max_bytes = kMaxReportBytes);

// A gpuxfer.report of this major version (any minor); a newer major is refused naming both
// versions; an error document, another schema, a truncated or malformed file: InputError.
[[nodiscard]] LoadedReport parse_report(std::string_view text, const std::string& name);
[[nodiscard]] LoadedReport load_report(const std::string& path);
// The same from a document already parsed (by parse_json_capped), for readers that also look at
// sections LoadedReport does not carry.
[[nodiscard]] LoadedReport parse_report_document(const Json& doc, const std::string& name);

}  // namespace gx
