#include "core/table.hpp"

#include <fmt/color.h>
#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"

namespace gx {

Table make_table(std::string title, std::vector<std::string> header, std::size_t left_columns) {
  Table t;
  t.title = std::move(title);
  t.align.assign(header.size(), Align::right);
  for (std::size_t i = 0; i < left_columns && i < header.size(); ++i) t.align[i] = Align::left;
  t.header = std::move(header);
  return t;
}

std::string_view to_string(OutputFormat format) {
  switch (format) {
    case OutputFormat::table: return "table";
    case OutputFormat::json: return "json";
    case OutputFormat::csv: return "csv";
    case OutputFormat::markdown: return "markdown";
  }
  return "table";
}

OutputFormat parse_output_format(std::string_view text) {
  for (auto f : {OutputFormat::table, OutputFormat::json, OutputFormat::csv, OutputFormat::markdown}) {
    if (text == to_string(f)) return f;
  }
  if (text == "md") return OutputFormat::markdown;
  if (text == "text") return OutputFormat::table;  // the name fleet's docs use for the default
  throw UsageError(fmt::format("invalid --format '{}': allowed table, json, csv, markdown", text));
}

std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool use_color(bool is_tty, bool no_color_env, OutputFormat format) {
  return is_tty && !no_color_env && format == OutputFormat::table;
}

namespace {

Align align_of(const Table& t, std::size_t column) {
  return column < t.align.size() ? t.align[column] : Align::left;
}

std::string pad(const std::string& cell, std::size_t width, Align align) {
  const std::size_t w = display_width(cell);
  const std::string fill(width > w ? width - w : 0, ' ');
  return align == Align::right ? fill + cell : cell + fill;
}

std::vector<std::size_t> column_widths(const Table& t) {
  std::vector<std::size_t> widths(t.header.size(), 0);
  for (std::size_t c = 0; c < t.header.size(); ++c) widths[c] = display_width(t.header[c]);
  for (const auto& row : t.rows) {
    for (std::size_t c = 0; c < row.size() && c < widths.size(); ++c) {
      widths[c] = std::max(widths[c], display_width(row[c]));
    }
  }
  return widths;
}

std::string csv_cell(const std::string& cell) {
  if (cell.find_first_of(",\"\n\r") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (char c : cell) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string markdown_cell(const std::string& cell) {
  std::string out;
  for (char c : cell) {
    if (c == '|') out += '\\';
    out += (c == '\n') ? ' ' : c;
  }
  return out;
}

}  // namespace

std::string render_text(const Table& t, bool color) {
  const auto widths = column_widths(t);
  std::string out;
  if (!t.title.empty()) {
    out += color ? fmt::format(fmt::emphasis::bold, "{}", t.title) : t.title;
    out += '\n';
  }
  auto line = [&](const std::vector<std::string>& cells, bool header) {
    std::string text;
    for (std::size_t c = 0; c < widths.size(); ++c) {
      const std::string cell = c < cells.size() ? cells[c] : "";
      if (c > 0) text += "  ";
      text += pad(cell, widths[c], header ? Align::left : align_of(t, c));
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text;
  };
  const std::string header_line = line(t.header, true);
  out += color ? fmt::format(fmt::emphasis::underline, "{}", header_line) : header_line;
  out += '\n';
  if (!color) {
    std::string rule;
    for (std::size_t c = 0; c < widths.size(); ++c) {
      if (c > 0) rule += "  ";
      rule += std::string(widths[c], '-');
    }
    out += rule + '\n';
  }
  for (const auto& row : t.rows) out += line(row, false) + '\n';
  for (const auto& note : t.notes) out += note + '\n';
  return out;
}

std::vector<Table> split_columns(const Table& t, std::size_t max_width) {
  const auto widths = column_widths(t);
  std::size_t total = 0;
  for (std::size_t c = 0; c < widths.size(); ++c) total += widths[c] + (c > 0 ? 2 : 0);
  if (max_width == 0 || total <= max_width || widths.size() < 2) return {t};
  // The label columns repeat in every part: the leading left-aligned ones (make_table), at
  // least one, and never all of them.
  std::size_t keep = 0;
  while (keep < widths.size() && align_of(t, keep) == Align::left) ++keep;
  keep = std::clamp<std::size_t>(keep, 1, widths.size() - 1);
  std::size_t label_width = 0;
  for (std::size_t c = 0; c < keep; ++c) label_width += widths[c] + (c > 0 ? 2 : 0);
  std::vector<std::pair<std::size_t, std::size_t>> ranges;  // [first, last) of the other columns
  std::size_t first = keep;
  while (first < widths.size()) {
    std::size_t used = label_width;
    std::size_t last = first;
    while (last < widths.size() && (last == first || used + 2 + widths[last] <= max_width)) used += 2 + widths[last++];
    ranges.emplace_back(first, last);
    first = last;
  }
  std::vector<Table> parts;
  for (std::size_t p = 0; p < ranges.size(); ++p) {
    // Plain copies, not a structured binding: C++17 lambdas cannot capture those (clang).
    const std::size_t from = ranges[p].first;
    const std::size_t to = ranges[p].second;
    Table part;
    const std::string span = to - from == 1 ? t.header[from] : t.header[from] + "-" + t.header[to - 1];
    part.title = fmt::format("{} ({}, part {} of {})", t.title, span, p + 1, ranges.size());
    auto pick = [&](const std::vector<std::string>& cells) {
      std::vector<std::string> out;
      for (std::size_t c = 0; c < keep; ++c) out.push_back(c < cells.size() ? cells[c] : "");
      for (std::size_t c = from; c < to; ++c) out.push_back(c < cells.size() ? cells[c] : "");
      return out;
    };
    part.header = pick(t.header);
    for (std::size_t c = 0; c < keep; ++c) part.align.push_back(align_of(t, c));
    for (std::size_t c = from; c < to; ++c) part.align.push_back(align_of(t, c));
    for (const auto& row : t.rows) part.rows.push_back(pick(row));
    if (p + 1 == ranges.size()) part.notes = t.notes;
    parts.push_back(std::move(part));
  }
  return parts;
}

std::string render_csv(const Table& t) {
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    for (std::size_t c = 0; c < cells.size(); ++c) {
      if (c > 0) out += ',';
      out += csv_cell(cells[c]);
    }
    out += '\n';
  };
  line(t.header);
  for (const auto& row : t.rows) line(row);
  return out;
}

std::string render_markdown(const Table& t) {
  std::string out;
  if (!t.title.empty()) out += "### " + markdown_cell(t.title) + "\n\n";
  auto line = [&](const std::vector<std::string>& cells) {
    out += '|';
    for (std::size_t c = 0; c < t.header.size(); ++c) {
      out += ' ' + markdown_cell(c < cells.size() ? cells[c] : "") + " |";
    }
    out += '\n';
  };
  line(t.header);
  out += '|';
  for (std::size_t c = 0; c < t.header.size(); ++c) {
    out += align_of(t, c) == Align::right ? " ---: |" : " --- |";
  }
  out += '\n';
  for (const auto& row : t.rows) line(row);
  if (!t.notes.empty()) {
    out += '\n';
    for (const auto& note : t.notes) out += markdown_cell(note) + "  \n";
  }
  return out;
}

std::string render_tables(const std::vector<Table>& tables, OutputFormat format, bool color, std::size_t max_width) {
  std::string out;
  bool first = true;
  for (const Table& table : tables) {
    const std::vector<Table> parts =
        format == OutputFormat::table ? split_columns(table, max_width) : std::vector<Table>{table};
    for (const Table& part : parts) {
      if (!first) out += '\n';
      first = false;
      switch (format) {
        case OutputFormat::csv: out += render_csv(part); break;
        case OutputFormat::markdown: out += render_markdown(part); break;
        default: out += render_text(part, color); break;
      }
    }
  }
  return out;
}

}  // namespace gx
