#include "report/html.hpp"

#include <fmt/format.h>

namespace gx::report {

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c; break;
    }
  }
  return out;
}

std::string html_element(std::string_view tag, std::string_view text, std::string_view css_class) {
  if (css_class.empty()) return fmt::format("<{0}>{1}</{0}>", tag, html_escape(text));
  return fmt::format("<{0} class=\"{1}\">{2}</{0}>", tag, html_escape(css_class), html_escape(text));
}

std::string html_table(const Table& table, std::string_view css_class) {
  const auto align_class = [&](std::size_t column) -> std::string_view {
    return column < table.align.size() && table.align[column] == Align::right ? " class=\"r\"" : "";
  };
  std::string out = css_class.empty() ? "<table>\n" : fmt::format("<table class=\"{}\">\n", html_escape(css_class));
  if (!table.title.empty()) out += "<caption>" + html_escape(table.title) + "</caption>\n";
  if (!table.header.empty()) {
    out += "<thead><tr>";
    for (std::size_t i = 0; i < table.header.size(); ++i) {
      out += fmt::format("<th{}>{}</th>", align_class(i), html_escape(table.header[i]));
    }
    out += "</tr></thead>\n";
  }
  out += "<tbody>\n";
  for (const auto& row : table.rows) {
    out += "<tr>";
    for (std::size_t i = 0; i < row.size(); ++i) {
      out += fmt::format("<td{}>{}</td>", align_class(i), html_escape(row[i]));
    }
    out += "</tr>\n";
  }
  out += "</tbody>\n</table>\n";
  if (!table.notes.empty()) {
    out += "<ul class=\"notes\">\n";
    for (const auto& note : table.notes) out += "<li>" + html_escape(note) + "</li>\n";
    out += "</ul>\n";
  }
  return out;
}

}  // namespace gx::report
