#pragma once
// Table cells of Known<T> values: a known value through its formatter, an unknown one as "?",
// with each distinct reason gathered once as a footnote of the table.
#include <map>
#include <string>

#include "core/known.hpp"
#include "core/table.hpp"

namespace gx {

class UnknownCells {
 public:
  template <class T, class Format>
  std::string cell(const Known<T>& value, Format format) {
    if (value.has_value()) return format(*value);
    reasons_.emplace(value.reason, 0);
    return "?";
  }
  void add_notes(Table& table) const {
    for (const auto& [reason, unused] : reasons_) table.notes.push_back("? unknown: " + reason);
  }

 private:
  std::map<std::string, int> reasons_;
};

}  // namespace gx
