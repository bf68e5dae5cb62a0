#include "core/host.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <cctype>
#include <climits>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

namespace gx {

std::string host_name() {
  char buffer[HOST_NAME_MAX + 1] = {};
  if (gethostname(buffer, sizeof(buffer) - 1) != 0) return "unknown";
  return buffer;
}

std::string cpu_model_from_cpuinfo(const std::string& cpuinfo_text) {
  std::istringstream in(cpuinfo_text);
  std::string line;
  std::string fallback;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    if (key == "model name" && !value.empty()) return value;
    if ((key == "Hardware" || key == "CPU part") && fallback.empty()) fallback = value;
  }
  return fallback.empty() ? "unknown" : fallback;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  if (!in) return "unknown";
  std::stringstream buffer;
  buffer << in.rdbuf();
  return cpu_model_from_cpuinfo(buffer.str());
}

std::vector<int> parse_cpu_list(const std::string& text) {
  std::vector<int> cpus;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) {
    int first = 0;
    int last = 0;
    char dash = 0;
    std::stringstream range(part);
    if (!(range >> first)) return {};
    if (range >> dash) {
      if (dash != '-' || !(range >> last) || last < first) return {};
    } else {
      last = first;
    }
    if (first < 0 || last > 65535) return {};
    for (int c = first; c <= last; ++c) cpus.push_back(c);
  }
  return cpus;
}

bool bind_current_thread(const std::string& cpu_list) {
  const auto cpus = parse_cpu_list(cpu_list);
  if (cpus.empty()) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int c : cpus) {
    if (c < CPU_SETSIZE) CPU_SET(c, &set);
  }
  return sched_setaffinity(0, sizeof(set), &set) == 0;
}

std::string utc_now_iso8601() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", utc, static_cast<int>(millis));
}

std::optional<double> parse_utc_iso8601(const std::string& text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, used = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute, &second, &used) !=
      6) {
    return std::nullopt;
  }
  double fraction = 0;
  std::size_t pos = static_cast<std::size_t>(used);
  if (pos < text.size() && text[pos] == '.') {
    double scale = 0.1;
    ++pos;
    if (pos >= text.size() || !std::isdigit(static_cast<unsigned char>(text[pos]))) return std::nullopt;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      fraction += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
  }
  if (pos + 1 != text.size() || text[pos] != 'Z') return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  std::tm utc{};
  utc.tm_year = year - 1900;
  utc.tm_mon = month - 1;
  utc.tm_mday = day;
  utc.tm_hour = hour;
  utc.tm_min = minute;
  utc.tm_sec = second;
  return static_cast<double>(timegm(&utc)) + fraction;
}

std::uint64_t mem_available_from_meminfo(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("MemAvailable:", 0) != 0) continue;
    std::istringstream fields(line.substr(13));
    std::uint64_t kib = 0;
    std::string unit;
    if (fields >> kib >> unit && unit == "kB" && kib < (std::uint64_t{1} << 50)) return kib * 1024;
    return 0;
  }
  return 0;
}

std::uint64_t host_memory_available() {
  std::ifstream in("/proc/meminfo");
  if (!in) return 0;
  std::stringstream text;
  text << in.rdbuf();
  return mem_available_from_meminfo(text.str());
}

}  // namespace gx
