#pragma once
// Tables of strings and their renderings: aligned text (optionally colored), CSV, markdown.
// Reporters build Tables from records; this module knows nothing about GPUs.
#include <string>
#include <string_view>
#include <vector>

namespace gx {

enum class Align { left, right };

struct Table {
  std::string title;  // shown above text tables and as a heading in markdown; not in CSV
  std::vector<std::string> header;
  std::vector<Align> align;  // per column; missing entries are left-aligned
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> notes;  // footnotes under text and markdown tables
};

enum class OutputFormat { table, json, csv, markdown };

// A table whose first `left_columns` columns are left-aligned and the rest right-aligned
// (labels first, numbers after).
[[nodiscard]] Table make_table(std::string title, std::vector<std::string> header, std::size_t left_columns);

[[nodiscard]] std::string_view to_string(OutputFormat format);
// Throws UsageError naming the value and the allowed formats.
[[nodiscard]] OutputFormat parse_output_format(std::string_view text);

[[nodiscard]] std::string render_text(const Table& table, bool color);
[[nodiscard]] std::string render_csv(const Table& table);
[[nodiscard]] std::string render_markdown(const Table& table);
// Renders several tables in a text-like format, separated by blank lines. `max_width` > 0 (the
// terminal's width) splits text tables wider than it by columns (split_columns); markdown, CSV
// and output to files keep every table whole.
[[nodiscard]] std::string render_tables(const std::vector<Table>& tables, OutputFormat format, bool color,
                                        std::size_t max_width = 0);

// A table too wide for `max_width` terminal columns as several narrower tables: each keeps the
// leading left-aligned (label) columns and takes as many of the others as fit, at least one;
// titles say which columns ("GPU1-GPU7, part 1 of 2"); notes stay with the last part. A table
// that fits is returned as it is.
[[nodiscard]] std::vector<Table> split_columns(const Table& table, std::size_t max_width);

// Terminal columns a UTF-8 string occupies (one per code point; no wide-glyph tables needed
// for what gpuxfer prints).
[[nodiscard]] std::size_t display_width(std::string_view text);

// Whether to color output: never with NO_COLOR set (any value, per no-color.org), never when
// not a terminal, and never for machine formats.
[[nodiscard]] bool use_color(bool is_tty, bool no_color_env, OutputFormat format);

}  // namespace gx
