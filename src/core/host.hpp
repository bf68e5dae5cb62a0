#pragma once
// Facts about the host that need no GPU: name, CPU model, clock.
#include <string>

namespace gx {

[[nodiscard]] std::string host_name();
// "model name" of /proc/cpuinfo (x86) or "Hardware"/"CPU part" fallbacks; "unknown" otherwise.
[[nodiscard]] std::string cpu_model();
[[nodiscard]] std::string cpu_model_from_cpuinfo(const std::string& cpuinfo_text);
// Current time as ISO 8601 UTC with milliseconds: "2026-11-26T21:39:36.123Z".
[[nodiscard]] std::string utc_now_iso8601();

}  // namespace gx
