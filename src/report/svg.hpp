#pragma once
// Inline SVG charts for the HTML report: a line chart over a log-2 x axis of bytes (a linear y
// axis from 0, a linear range, or a log-10 y axis; optional interquartile bands and a reference
// line), a GPU x GPU heatmap colored by a fraction (% of theoretical), and a grouped bar chart.
// Pure functions of plain data: deterministic text (fixed one-decimal coordinates), no ids, no
// scripts, every label escaped, so the output can be compared against golden files.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gx::report {

// ---- axes ----------------------------------------------------------------------------------------

struct Tick {
  double value = 0;
  std::string label;
};

// The report's one size notation, that of the text tables (core/units format_size): binary
// units, exact multiples without decimals ("4 B", "1 KiB", "32 MiB"), others with three
// significant digits ("381 MiB" for 400 MB).
[[nodiscard]] std::string byte_label(std::uint64_t bytes);

// Ticks of a log-2 byte axis from lo to hi (bytes, lo >= 1): powers of two every 1, 2, 5 or 10
// octaves (so 1 KiB and 1 MiB fall on ticks when the step allows), plus lo and hi themselves
// when they are at least `min_octaves_apart` octaves from every other tick.
[[nodiscard]] std::vector<Tick> log2_byte_ticks(double lo, double hi, double min_octaves_apart = 1.5);

// 0 .. a "nice" maximum >= hi in steps of 1, 2, 2.5 or 5 x 10^k, about `target` steps.
[[nodiscard]] std::vector<Tick> linear_ticks(double hi, int target = 6);
// A "nice" range around [lo, hi] (lo < hi, both may be far from 0), about `target` steps.
[[nodiscard]] std::vector<Tick> linear_ticks_between(double lo, double hi, int target = 6);
// A log-10 axis over [lo, hi] (lo > 0): whole decades from the one at or below lo to the one at
// or above hi, labelled ("0.01", "1", "100", "10k"); across at most two decades also 2x and 5x,
// labelled; across more, 2x..9x as unlabelled minor ticks (label "").
[[nodiscard]] std::vector<Tick> log10_ticks(double lo, double hi);

// ---- colors and styles ---------------------------------------------------------------------------

// Categorical palette (10 colors, repeating).
[[nodiscard]] std::string palette_color(int index);
// Stroke dash pattern of a line style: "" (solid), "7 4", "2 3", "9 3 2 3" (repeating).
[[nodiscard]] std::string dash_pattern(int style);
// A sequential color for a fraction in [0, 1] (clamped): viridis, dark purple to yellow.
[[nodiscard]] std::string scale_color(double fraction);
// Whether text drawn on scale_color(fraction) should be dark (light background).
[[nodiscard]] bool dark_text_on(double fraction);

// ---- line chart ----------------------------------------------------------------------------------

struct Point {
  double x = 0;         // bytes
  double y = 0;         // in the y axis' unit
  std::string tooltip;  // shown on hover (<title>); empty: none
  // The spread drawn as a band around the line (the interquartile range of the samples, in the
  // y axis' unit); a series gets a band where at least two points have both.
  std::optional<double> lo;
  std::optional<double> hi;
};

struct Series {
  std::string label;          // legend name of the variant (method); series of one color share it
  int color = 0;              // palette index: one per variant
  int style = 0;              // dash pattern and marker shape: one per input file
  std::vector<Point> points;  // drawn in order; x ascending
};

// A legend entry for a line style (an input file).
struct StyleLabel {
  int style = 0;
  std::string label;
};

enum class YScale {
  linear,        // 0 .. a nice maximum
  linear_range,  // a nice range around the data (ratios near 1)
  log,           // log-10 decades
};

struct LineChartAxes {
  std::string title;
  std::string x_label = "transfer size (bytes, log scale)";
  std::string y_label = "GB/s";
  YScale y_scale = YScale::linear;
  // A horizontal reference line (ratio charts: 1 = the same), labelled at its right end.
  std::optional<double> reference_y;
  std::string reference_label;
  // Legend entry for the bands, shown when a series has one ("shaded: q1-q3 of the samples").
  std::string band_label;
  // Line styles (input files) named in the legend after the variants; empty: none.
  std::vector<StyleLabel> style_labels;
  int width = 660;
  int plot_height = 300;
};

// One polyline with markers per series over a log-2 byte x axis and the y axis of
// axes.y_scale (points at or below 0 are left out on a log axis); bands under the lines.
// The legend lists each variant (color) once, then each entry of axes.style_labels, then the band.
[[nodiscard]] std::string svg_line_chart(const std::vector<Series>& series, const LineChartAxes& axes);

// ---- heatmap -------------------------------------------------------------------------------------

struct HeatCell {
  std::string text;                // main value ("391.9"), or a status ("skip", "FAIL"), or "" (empty cell)
  std::string sub;                 // second line ("82%"), may be empty
  std::optional<double> fraction;  // colors the cell; none: neutral gray
  std::string tooltip;
  bool diagonal = false;  // a GPU with itself: drawn hatched-gray, no text
};

struct HeatmapMatrix {
  std::string title;
  std::string row_axis = "src";
  std::string col_axis = "dst";
  std::vector<std::string> row_labels;
  std::vector<std::string> col_labels;
  std::vector<std::vector<HeatCell>> cells;  // [row][col]; missing entries are empty cells
  std::string scale_label = "% of theoretical";
  bool show_scale = true;  // false: the page shows one shared svg_color_scale instead
};

[[nodiscard]] std::string svg_heatmap(const HeatmapMatrix& matrix);
// A horizontal color bar "label: 0% ... 100%" explaining scale_color, for a group of heatmaps.
[[nodiscard]] std::string svg_color_scale(std::string_view label);

// ---- grouped bar chart ---------------------------------------------------------------------------

struct Bar {
  double value = 0;  // in the y axis' unit
  std::string text;  // value label above the bar ("55.0")
  std::string sub;   // second label ("87%"), may be empty
  std::string tooltip;
};

struct BarGroup {
  std::string label;                     // "GPU0"
  std::vector<std::optional<Bar>> bars;  // one per series; none: no bar
};

struct BarChartSpec {
  std::string title;
  std::string y_label = "GB/s";
  std::vector<std::string> series;  // legend names, colored by palette index
  std::vector<BarGroup> groups;
  int max_width = 1300;
  int plot_height = 260;
};

[[nodiscard]] std::string svg_bar_chart(const BarChartSpec& chart);

}  // namespace gx::report
