#pragma once
// `gpuxfer --version`: the binary's build stamp and the driver versions found at run time, as one
// line of text for people or one JSON object for scripts. Both are built from the same facts.
#include <string>
#include <string_view>

#include "core/report_json.hpp"

namespace gx::cli {

enum class VersionFormat { text, json };

// "text" (and "table", the global --format default) or "json"; anything else is a UsageError.
[[nodiscard]] VersionFormat parse_version_format(std::string_view text);
[[nodiscard]] std::string version_text();
[[nodiscard]] Json version_json();

}  // namespace gx::cli
