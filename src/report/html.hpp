#pragma once
// HTML building blocks for the report: escaping and tables. Every text that comes from a result
// file (hostnames, GPU names, reasons, argv, check findings) goes through html_escape.
#include <string>
#include <string_view>

#include "core/table.hpp"

namespace gx::report {

// Escapes & < > " ' so the text is safe in element content and in quoted attribute values.
[[nodiscard]] std::string html_escape(std::string_view text);

// A core Table as an HTML <table>: title as <caption>, header as <th>, per-column alignment as
// class "r" (right) or none, notes as a list under the table. Every cell is escaped.
// `css_class` is added to the <table> element (may be empty).
[[nodiscard]] std::string html_table(const Table& table, std::string_view css_class = "");

// <tag class="css_class">escaped text</tag>
[[nodiscard]] std::string html_element(std::string_view tag, std::string_view text, std::string_view css_class = "");

}  // namespace gx::report
