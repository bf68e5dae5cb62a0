#pragma once
// Selecting and grouping records for views (text tables, HTML report, compare): defined once.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/bench_model.hpp"

namespace gx {

using Records = std::vector<const Record*>;  // views into a report's records, in report order

[[nodiscard]] Records select(const std::vector<Record>& records, const std::function<bool(const Record&)>& keep);
[[nodiscard]] std::map<std::uint64_t, Records> by_bytes(const Records& records);
// Methods of `records`, in enum (plan) order.
[[nodiscard]] std::vector<Method> methods_in(const Records& records);
// "GPU3", or "host" for kHost.
[[nodiscard]] std::string gpu_label(int gpu);

}  // namespace gx
