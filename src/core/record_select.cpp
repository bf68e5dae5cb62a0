#include "core/record_select.hpp"

#include <fmt/format.h>

#include <set>

namespace gx {

Records select(const std::vector<Record>& records, const std::function<bool(const Record&)>& keep) {
  Records out;
  for (const auto& r : records) {
    if (keep(r)) out.push_back(&r);
  }
  return out;
}

std::map<std::uint64_t, Records> by_bytes(const Records& records) {
  std::map<std::uint64_t, Records> groups;
  for (const Record* r : records) groups[r->test.bytes].push_back(r);
  return groups;
}

std::vector<Method> methods_in(const Records& records) {
  std::set<Method> set;
  for (const Record* r : records) set.insert(r->test.method);
  return {set.begin(), set.end()};
}

std::string gpu_label(int gpu) {
  return gpu == kHost ? "host" : fmt::format("GPU{}", gpu);
}

}  // namespace gx
