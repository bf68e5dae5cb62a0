#pragma once
// `gpuxfer list` as tables: human tables (text, markdown) and flat tables (CSV, one row per
// GPU and one per ordered pair, every field a column).
#include <vector>

#include "core/model.hpp"
#include "core/table.hpp"

namespace gx {

[[nodiscard]] std::vector<Table> inventory_tables(const SystemInfo& system);
[[nodiscard]] std::vector<Table> inventory_flat_tables(const SystemInfo& system);

}  // namespace gx
