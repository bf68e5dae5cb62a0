#pragma once
// Facts about the host that need no GPU: name, CPU model, clock.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gx {

[[nodiscard]] std::string host_name();
// "model name" of /proc/cpuinfo (x86) or "Hardware"/"CPU part" fallbacks; "unknown" otherwise.
[[nodiscard]] std::string cpu_model();
[[nodiscard]] std::string cpu_model_from_cpuinfo(const std::string& cpuinfo_text);
// Current time as ISO 8601 UTC with milliseconds: "2026-11-26T21:39:36.123Z".
[[nodiscard]] std::string utc_now_iso8601();
// Seconds since the epoch of "YYYY-MM-DDTHH:MM:SS[.fff]Z" (what utc_now_iso8601 writes);
// nullopt for any other text.
[[nodiscard]] std::optional<double> parse_utc_iso8601(const std::string& text);

// MemAvailable of /proc/meminfo in bytes (what can be allocated without swapping); 0 when it
// cannot be read. The text variant parses a /proc/meminfo text (tests).
[[nodiscard]] std::uint64_t host_memory_available();
[[nodiscard]] std::uint64_t mem_available_from_meminfo(const std::string& meminfo_text);

// CPUs of a list like "0-31,64-95"; empty for malformed text.
[[nodiscard]] std::vector<int> parse_cpu_list(const std::string& text);
// Pins the calling thread to the listed CPUs; false (and unchanged) when the list is empty or
// the OS refuses (a container may hide CPUs).
bool bind_current_thread(const std::string& cpu_list);

}  // namespace gx
