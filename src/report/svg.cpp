#include "report/svg.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "core/table.hpp"
#include "core/units.hpp"
#include "report/html.hpp"

namespace gx::report {
namespace {

constexpr const char* kFont = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif";
constexpr const char* kText = "#222";
constexpr const char* kMuted = "#666";
constexpr const char* kGrid = "#e4e4e4";
constexpr const char* kMinorGrid = "#f3f3f3";
constexpr const char* kAxis = "#888";

// A coordinate or length with one decimal; never "-0.0".
std::string num(double v) {
  if (!std::isfinite(v) || std::abs(v) < 0.05) return "0.0";
  return fmt::format("{:.1f}", v);
}

// Rough rendered width of a text (code points x 0.6 em): enough for layout decisions.
double text_width(std::string_view text, double font_size) {
  return static_cast<double>(display_width(text)) * 0.6 * font_size;
}

std::string svg_open(double width, double height) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"{2}\" font-size=\"12\" role=\"img\">\n",
      num(width), num(height), kFont);
}

// anchor: start, middle, end; extra: more attributes (already escaped), may be empty.
std::string text(double x, double y, std::string_view content, std::string_view anchor = "start",
                 std::string_view extra = "") {
  std::string attributes;
  if (anchor != "start") attributes += fmt::format(" text-anchor=\"{}\"", anchor);
  if (!extra.empty()) attributes += " " + std::string(extra);
  return fmt::format("<text x=\"{}\" y=\"{}\"{}>{}</text>\n", num(x), num(y), attributes, html_escape(content));
}

std::string line(double x1, double y1, double x2, double y2, std::string_view stroke, double stroke_width = 1) {
  return fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"{}\"/>\n", num(x1),
                     num(y1), num(x2), num(y2), stroke, num(stroke_width));
}

std::string title_element(std::string_view tooltip) {
  return tooltip.empty() ? "" : "<title>" + html_escape(tooltip) + "</title>";
}

// A marker of a line style centered at (x, y): circle, square, diamond, triangle.
std::string marker(int style, double x, double y, std::string_view fill, std::string_view tooltip) {
  const double r = 3.6;
  const std::string close = title_element(tooltip);
  switch (((style % 4) + 4) % 4) {
    case 0:
      return fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\">{}</circle>\n", num(x), num(y), num(r), fill,
                         close);
    case 1:
      return fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\">{}</rect>\n", num(x - r),
                         num(y - r), num(2 * r), num(2 * r), fill, close);
    case 2:
      return fmt::format("<polygon points=\"{},{} {},{} {},{} {},{}\" fill=\"{}\">{}</polygon>\n", num(x),
                         num(y - r - 1), num(x + r + 1), num(y), num(x), num(y + r + 1), num(x - r - 1), num(y), fill,
                         close);
    default:
      return fmt::format("<polygon points=\"{},{} {},{} {},{}\" fill=\"{}\">{}</polygon>\n", num(x), num(y - r - 1),
                         num(x + r + 1), num(y + r), num(x - r - 1), num(y + r), fill, close);
  }
}

std::string dash_attribute(int style) {
  const std::string dash = dash_pattern(style);
  return dash.empty() ? "" : " stroke-dasharray=\"" + dash + "\"";
}

struct Rgb {
  double r, g, b;
};

Rgb parse_hex(std::string_view hex) {
  const auto channel = [&](std::size_t at) {
    return static_cast<double>(std::stoi(std::string(hex.substr(at, 2)), nullptr, 16));
  };
  return {channel(1), channel(3), channel(5)};
}

// Viridis at ten evenly spaced stops.
constexpr std::array<const char*, 10> kViridis{"#440154", "#482878", "#3e4989", "#31688e", "#26828e",
                                               "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"};

Rgb scale_rgb(double fraction) {
  const double f = std::clamp(std::isfinite(fraction) ? fraction : 0.0, 0.0, 1.0);
  const double pos = f * static_cast<double>(kViridis.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, kViridis.size() - 1);
  const double t = pos - static_cast<double>(lo);
  const Rgb a = parse_hex(kViridis[lo]);
  const Rgb b = parse_hex(kViridis[hi]);
  return {a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t};
}

// Legend entries laid out left to right, wrapping at `right`; returns the SVG and the rows used.
struct LegendItem {
  std::string swatch;  // SVG of the swatch drawn with its left edge at x = 0, centered on y = 0
  double swatch_width = 0;
  std::string label;
  bool new_row = false;  // start a new legend row with this item
};

std::string legend(const std::vector<LegendItem>& items, double left, double right, double top, int& rows_used) {
  std::string out;
  double x = left;
  double y = top;
  rows_used = items.empty() ? 0 : 1;
  for (const auto& item : items) {
    const double w = item.swatch_width + 6 + text_width(item.label, 12) + 18;
    if (x > left && (item.new_row || x + w > right)) {
      x = left;
      y += 18;
      ++rows_used;
    }
    out += fmt::format("<g transform=\"translate({},{})\">{}</g>\n", num(x), num(y), item.swatch);
    out += text(x + item.swatch_width + 6, y + 4, item.label, "start", fmt::format("fill=\"{}\"", kText));
    x += w;
  }
  return out;
}

}  // namespace

// ---- axes ----------------------------------------------------------------------------------------

std::string byte_label(std::uint64_t bytes) {
  return format_size(bytes);
}

std::vector<Tick> log2_byte_ticks(double lo, double hi, double min_octaves_apart) {
  lo = std::max(lo, 1.0);
  hi = std::max(hi, lo);
  const double elo = std::log2(lo);
  const double ehi = std::log2(hi);
  const auto power_tick = [](int e) {
    const auto bytes = std::uint64_t{1} << e;
    return Tick{static_cast<double>(bytes), byte_label(bytes)};
  };
  const auto edge_tick = [](double bytes) {
    return Tick{bytes, byte_label(static_cast<std::uint64_t>(std::llround(bytes)))};
  };
  std::vector<Tick> ticks;
  const int first = static_cast<int>(std::ceil(elo - 1e-9));
  const int last = std::min(static_cast<int>(std::floor(ehi + 1e-9)), 62);
  for (const int step : {1, 2, 5, 10}) {
    ticks.clear();
    for (int e = first; e <= last; ++e) {
      if (e % step == 0) ticks.push_back(power_tick(e));
    }
    if (ticks.size() <= 8) break;
  }
  const auto far_from_all = [&](double bytes) {
    const double e = std::log2(bytes);
    return std::all_of(ticks.begin(), ticks.end(),
                       [&](const Tick& t) { return std::abs(std::log2(t.value) - e) >= min_octaves_apart; });
  };
  const bool lo_is_power = std::abs(elo - std::round(elo)) < 1e-9;
  const bool hi_is_power = std::abs(ehi - std::round(ehi)) < 1e-9;
  if (far_from_all(lo) || (lo_is_power && ticks.empty())) ticks.insert(ticks.begin(), edge_tick(lo));
  if (hi > lo && far_from_all(hi) && !(hi_is_power && !ticks.empty() && ticks.back().value == hi)) {
    ticks.push_back(edge_tick(hi));
  }
  if (ticks.empty()) ticks.push_back(edge_tick(lo));
  return ticks;
}

namespace {

// The smallest 1, 2, 2.5 or 5 x 10^k step at least `raw`, and the decimals its labels need
// (one more for 2.5 below 10).
struct NiceStep {
  double step;
  int decimals;
};
NiceStep nice_step(double raw) {
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  double multiple = 1;
  for (const double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    multiple = m;
    step = m * magnitude;
    if (step >= raw * (1 - 1e-9)) break;
  }
  const int decimals =
      std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9))) + (multiple == 2.5 && step < 10 ? 1 : 0);
  return {step, decimals};
}

}  // namespace

std::vector<Tick> linear_ticks(double hi, int target) {
  if (!std::isfinite(hi) || hi <= 0) hi = 1;
  target = std::max(target, 1);
  const auto [step, decimals] = nice_step(hi / target);
  const int count = static_cast<int>(std::ceil(hi / step - 1e-9));
  std::vector<Tick> ticks;
  for (int i = 0; i <= std::max(count, 1); ++i) {
    const double v = step * i;
    ticks.push_back({v, fmt::format("{:.{}f}", v, decimals)});
  }
  return ticks;
}

std::vector<Tick> linear_ticks_between(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return linear_ticks(1, target);
  if (hi < lo) std::swap(lo, hi);
  if (hi - lo < 1e-12) {
    const double pad = std::max(std::abs(hi) * 0.05, 1e-6);
    lo -= pad;
    hi += pad;
  }
  target = std::max(target, 1);
  const auto [step, decimals] = nice_step((hi - lo) / target);
  const double first = std::floor(lo / step + 1e-9) * step;
  const double last = std::ceil(hi / step - 1e-9) * step;
  std::vector<Tick> ticks;
  for (int i = 0; first + step * i <= last + step * 1e-6; ++i) {
    const double v = first + step * i;
    ticks.push_back({v, fmt::format("{:.{}f}", std::abs(v) < step * 1e-6 ? 0.0 : v, decimals)});
  }
  return ticks;
}

namespace {
// "0.0001", "0.1", "1", "20", "500", "1000", "10k", "200k", "1M"; "1e-05" below a ten-thousandth.
std::string log_label(double v) {
  if (v >= 1e4) {
    const bool mega = v >= 1e6;
    return fmt::format("{:.0f}{}", v / (mega ? 1e6 : 1e3), mega ? "M" : "k");
  }
  if (v >= 1) return fmt::format("{:.0f}", v);
  if (v >= 1e-4 * (1 - 1e-9)) {
    const int decimals = static_cast<int>(std::ceil(-std::log10(v) - 1e-9));
    return fmt::format("{:.{}f}", v, decimals);
  }
  return fmt::format("{:.0e}", v);
}
}  // namespace

std::vector<Tick> log10_ticks(double lo, double hi) {
  if (!(lo > 0) || !std::isfinite(lo)) lo = 1;
  if (!(hi >= lo) || !std::isfinite(hi)) hi = lo;
  int first = static_cast<int>(std::floor(std::log10(lo) + 1e-9));
  int last = static_cast<int>(std::ceil(std::log10(hi) - 1e-9));
  if (last <= first) last = first + 1;
  const bool labelled_multiples = last - first <= 2;
  std::vector<Tick> ticks;
  for (int e = first; e <= last; ++e) {
    const double decade = std::pow(10.0, e);
    ticks.push_back({decade, log_label(decade)});
    if (e == last) break;
    for (int m = 2; m <= 9; ++m) {
      const bool shown = labelled_multiples && (m == 2 || m == 5);
      if (labelled_multiples && !shown) continue;
      ticks.push_back({m * decade, shown ? log_label(m * decade) : ""});
    }
  }
  return ticks;
}

// ---- colors and styles ---------------------------------------------------------------------------

std::string palette_color(int index) {
  static constexpr std::array<const char*, 10> kPalette{"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1",
                                                        "#9c755f", "#ff9da7", "#76b7b2", "#b6992d", "#79706e"};
  const auto n = static_cast<int>(kPalette.size());
  return kPalette[static_cast<std::size_t>(((index % n) + n) % n)];
}

std::string dash_pattern(int style) {
  static constexpr std::array<const char*, 4> kDash{"", "7 4", "2 3", "9 3 2 3"};
  return kDash[static_cast<std::size_t>(((style % 4) + 4) % 4)];
}

std::string scale_color(double fraction) {
  const Rgb c = scale_rgb(fraction);
  return fmt::format("#{:02x}{:02x}{:02x}", static_cast<int>(std::lround(c.r)), static_cast<int>(std::lround(c.g)),
                     static_cast<int>(std::lround(c.b)));
}

bool dark_text_on(double fraction) {
  const Rgb c = scale_rgb(fraction);
  const auto linear = [](double channel) {
    const double s = channel / 255.0;
    return s <= 0.03928 ? s / 12.92 : std::pow((s + 0.055) / 1.055, 2.4);
  };
  const double luminance = 0.2126 * linear(c.r) + 0.7152 * linear(c.g) + 0.0722 * linear(c.b);
  return luminance > 0.22;
}

// ---- line chart ----------------------------------------------------------------------------------

std::string svg_line_chart(const std::vector<Series>& series, const LineChartAxes& axes) {
  const double ml = 62;
  const double mr = 18;
  const double mt = 36;
  const double width = std::max(axes.width, 240);
  const double ph = std::max(axes.plot_height, 80);
  const double pw = width - ml - mr;
  const bool log_y = axes.y_scale == YScale::log;

  // A point is drawn when finite, at a positive size, and (log axis) at a positive value.
  const auto drawable = [&](const Point& p) {
    return std::isfinite(p.x) && std::isfinite(p.y) && p.x > 0 && (!log_y || p.y > 0);
  };
  const auto has_band = [&](const Point& p) {
    return drawable(p) && p.lo && p.hi && std::isfinite(*p.lo) && std::isfinite(*p.hi) && (!log_y || *p.lo > 0);
  };
  double x_lo = 0;
  double x_hi = 0;
  double y_lo = 0;
  double y_hi = 0;
  bool any = false;
  bool any_band = false;
  for (const auto& s : series) {
    for (const auto& p : s.points) {
      if (!drawable(p)) continue;
      double lo = p.y;
      double hi = p.y;
      if (has_band(p)) {
        lo = std::min(lo, *p.lo);
        hi = std::max(hi, *p.hi);
        any_band = true;
      }
      x_lo = any ? std::min(x_lo, p.x) : p.x;
      x_hi = any ? std::max(x_hi, p.x) : p.x;
      y_lo = any ? std::min(y_lo, lo) : lo;
      y_hi = any ? std::max(y_hi, hi) : hi;
      any = true;
    }
  }
  if (axes.reference_y && any) {
    y_lo = std::min(y_lo, *axes.reference_y);
    y_hi = std::max(y_hi, *axes.reference_y);
  }

  // Legend: each variant (color) once, then the line styles when there are several files.
  std::vector<LegendItem> items;
  std::vector<std::pair<int, std::string>> seen;
  for (const auto& s : series) {
    if (s.points.empty()) continue;
    const std::pair<int, std::string> key{s.color, s.label};
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
    seen.push_back(key);
    const std::string color = palette_color(s.color);
    items.push_back(
        {fmt::format("<line x1=\"0\" y1=\"0\" x2=\"22\" y2=\"0\" stroke=\"{}\" stroke-width=\"2.5\"/>", color), 22,
         s.label});
  }
  for (const auto& entry : axes.style_labels) {
    std::string swatch =
        fmt::format("<line x1=\"0\" y1=\"0\" x2=\"34\" y2=\"0\" stroke=\"#444\" stroke-width=\"1.8\"{}/>",
                    dash_attribute(entry.style));
    swatch += marker(entry.style, 17, 0, "#444", "");
    items.push_back({std::move(swatch), 34, entry.label, &entry == &axes.style_labels.front()});
  }
  if (any_band && !axes.band_label.empty()) {
    items.push_back({"<rect x=\"0\" y=\"-6\" width=\"22\" height=\"12\" fill=\"#444\" fill-opacity=\"0.2\"/>", 22,
                     axes.band_label, axes.style_labels.empty()});
  }
  int legend_rows = 0;
  const double legend_top = mt + ph + 58;
  const std::string legend_svg = legend(items, ml, width - mr, legend_top, legend_rows);
  const double height = legend_top + legend_rows * 18.0 + (legend_rows > 0 ? 4 : -10);

  std::string out = svg_open(width, height);
  out += text(ml, 20, axes.title, "start", fmt::format("font-size=\"14\" font-weight=\"bold\" fill=\"{}\"", kText));
  out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fff\" stroke=\"{}\"/>\n", num(ml),
                     num(mt), num(pw), num(ph), kGrid);

  // The y axis: ticks and the fraction of the plot height a value sits at.
  std::vector<Tick> y_ticks;
  switch (axes.y_scale) {
    case YScale::linear: y_ticks = linear_ticks(y_hi); break;
    case YScale::linear_range: y_ticks = linear_ticks_between(any ? y_lo : 0, any ? y_hi : 1); break;
    case YScale::log: y_ticks = log10_ticks(any ? y_lo : 1, any ? y_hi : 10); break;
  }
  const double y_bottom = y_ticks.front().value;
  const double y_top = y_ticks.back().value;
  const auto y_of = [&](double v) {
    double f = 0;
    if (log_y) {
      f = (std::log10(v) - std::log10(y_bottom)) / (std::log10(y_top) - std::log10(y_bottom));
    } else {
      f = (v - y_bottom) / (y_top - y_bottom);
    }
    return mt + ph - f * ph;
  };
  for (const auto& t : y_ticks) {
    out += line(ml, y_of(t.value), ml + pw, y_of(t.value), t.label.empty() ? kMinorGrid : kGrid);
    if (!t.label.empty()) out += text(ml - 6, y_of(t.value) + 4, t.label, "end", fmt::format("fill=\"{}\"", kMuted));
  }
  out += text(16, mt + ph / 2, axes.y_label, "middle",
              fmt::format("fill=\"{}\" transform=\"rotate(-90 16 {})\"", kText, num(mt + ph / 2)));

  if (!any) {
    out += text(ml + pw / 2, mt + ph / 2, "no data", "middle", fmt::format("fill=\"{}\"", kMuted));
  } else {
    // Half an octave of room on each side so the end markers sit inside the frame.
    const double e_lo = std::log2(x_lo) - 0.5;
    const double e_hi = std::log2(x_hi) + 0.5;
    const auto x_of = [&](double bytes) { return ml + (std::log2(bytes) - e_lo) / (e_hi - e_lo) * pw; };
    for (int e = static_cast<int>(std::ceil(e_lo)); e <= static_cast<int>(std::floor(e_hi)); ++e) {
      const double x = x_of(std::ldexp(1.0, e));
      out += line(x, mt, x, mt + ph, kMinorGrid);
    }
    // Edge labels (the smallest and largest size) only where they do not collide with a tick's.
    const double px_per_octave = pw / (e_hi - e_lo);
    for (const auto& t : log2_byte_ticks(x_lo, x_hi, std::max(1.0, 52.0 / px_per_octave))) {
      const double x = x_of(t.value);
      out += line(x, mt, x, mt + ph, kGrid);
      out += line(x, mt + ph, x, mt + ph + 4, kAxis);
      out += text(x, mt + ph + 18, t.label, "middle", fmt::format("fill=\"{}\"", kMuted));
    }
    if (axes.reference_y) {
      const double y = y_of(*axes.reference_y);
      out += fmt::format(
          "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#555\" stroke-width=\"1.2\" stroke-dasharray=\"5 3\"/>\n",
          num(ml), num(y), num(ml + pw), num(y));
      if (!axes.reference_label.empty()) {
        out +=
            text(ml + pw - 4, y - 5, axes.reference_label, "end", fmt::format("font-size=\"11\" fill=\"{}\"", kMuted));
      }
    }
    // Bands first, under every line: the upper edge left to right, the lower edge back.
    for (const auto& s : series) {
      std::vector<std::string> upper;
      std::vector<std::string> lower;
      for (const auto& p : s.points) {
        if (!has_band(p)) continue;
        upper.push_back(num(x_of(p.x)) + "," + num(y_of(*p.hi)));
        lower.push_back(num(x_of(p.x)) + "," + num(y_of(*p.lo)));
      }
      if (upper.size() < 2) continue;
      std::reverse(lower.begin(), lower.end());
      out += fmt::format("<polygon fill=\"{}\" fill-opacity=\"0.18\" stroke=\"none\" points=\"{} {}\"/>\n",
                         palette_color(s.color), fmt::join(upper, " "), fmt::join(lower, " "));
    }
    for (const auto& s : series) {
      std::vector<std::string> coords;
      for (const auto& p : s.points) {
        if (!drawable(p)) continue;
        coords.push_back(num(x_of(p.x)) + "," + num(y_of(p.y)));
      }
      if (coords.empty()) continue;
      const std::string color = palette_color(s.color);
      out += fmt::format("<g><title>{}</title>\n", html_escape(s.label));
      out += fmt::format(
          "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" stroke-linejoin=\"round\"{} points=\"{}\"/>\n",
          color, dash_attribute(s.style), fmt::join(coords, " "));
      for (const auto& p : s.points) {
        if (!drawable(p)) continue;
        out += marker(s.style, x_of(p.x), y_of(p.y), color, p.tooltip);
      }
      out += "</g>\n";
    }
  }
  out += line(ml, mt + ph, ml + pw, mt + ph, kAxis);
  out += line(ml, mt, ml, mt + ph, kAxis);
  out += text(ml + pw / 2, mt + ph + 38, axes.x_label, "middle", fmt::format("fill=\"{}\"", kText));
  out += legend_svg;
  out += "</svg>\n";
  return out;
}

// ---- heatmap -------------------------------------------------------------------------------------

std::string svg_heatmap(const HeatmapMatrix& m) {
  const double cw = 74;
  const double ch = 46;
  const double rows = static_cast<double>(m.row_labels.size());
  const double cols = static_cast<double>(m.col_labels.size());
  double label_w = text_width(m.row_axis + " \\ " + m.col_axis, 12) + 14;
  for (const auto& l : m.row_labels) label_w = std::max(label_w, text_width(l, 12) + 14);
  const double top = 62;
  const double grid_w = cols * cw;
  const double grid_h = rows * ch;
  const double scale_x = label_w + grid_w + 16;
  const double scale_h = m.show_scale ? std::max(grid_h, 100.0) : 0.0;
  double width = m.show_scale ? scale_x + 14 + 40 : label_w + grid_w + 8;
  width = std::max(width, text_width(m.title, 14) + 14);
  if (m.show_scale) width = std::max(width, text_width("color: " + m.scale_label, 11) + label_w + 8);
  const double height = top + std::max(grid_h, scale_h) + (m.show_scale ? 28 : 8);

  std::string out = svg_open(width, height);
  out += text(6, 20, m.title, "start", fmt::format("font-size=\"14\" font-weight=\"bold\" fill=\"{}\"", kText));
  out += text(label_w + grid_w / 2, 38, m.col_axis + " \u2192", "middle", fmt::format("fill=\"{}\"", kMuted));
  out += text(label_w - 8, 56, m.row_axis + " \u2193", "end", fmt::format("fill=\"{}\"", kMuted));
  for (std::size_t c = 0; c < m.col_labels.size(); ++c) {
    out += text(label_w + (static_cast<double>(c) + 0.5) * cw, 56, m.col_labels[c], "middle",
                fmt::format("font-weight=\"bold\" fill=\"{}\"", kText));
  }
  for (std::size_t r = 0; r < m.row_labels.size(); ++r) {
    const double y = top + static_cast<double>(r) * ch;
    out += text(label_w - 8, y + ch / 2 + 4, m.row_labels[r], "end",
                fmt::format("font-weight=\"bold\" fill=\"{}\"", kText));
    for (std::size_t c = 0; c < m.col_labels.size(); ++c) {
      const double x = label_w + static_cast<double>(c) * cw;
      const HeatCell empty;
      const HeatCell& cell = r < m.cells.size() && c < m.cells[r].size() ? m.cells[r][c] : empty;
      std::string fill = "#f7f7f7";
      std::string ink = kText;
      if (cell.diagonal) {
        fill = "#e6e6e6";
      } else if (cell.fraction) {
        fill = scale_color(*cell.fraction);
        ink = dark_text_on(*cell.fraction) ? "#111" : "#fff";
      } else if (!cell.text.empty()) {
        fill = "#d9d9d9";
      }
      out += "<g>" + title_element(cell.tooltip) + "\n";
      out += fmt::format(
          "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#fff\" stroke-width=\"2\"/>\n",
          num(x), num(y), num(cw), num(ch), fill);
      const double cx = x + cw / 2;
      if (cell.diagonal) {
        // nothing to say about a GPU and itself
      } else if (cell.text.empty()) {
        out += text(cx, y + ch / 2 + 4, "\u2013", "middle", "fill=\"#aaa\"");
      } else if (cell.sub.empty()) {
        out += text(cx, y + ch / 2 + 5, cell.text, "middle",
                    fmt::format("font-size=\"13\" font-weight=\"bold\" fill=\"{}\"", ink));
      } else {
        out += text(cx, y + ch / 2 - 2, cell.text, "middle",
                    fmt::format("font-size=\"13\" font-weight=\"bold\" fill=\"{}\"", ink));
        out += text(cx, y + ch / 2 + 14, cell.sub, "middle", fmt::format("font-size=\"11\" fill=\"{}\"", ink));
      }
      out += "</g>\n";
    }
  }
  if (m.show_scale) {
    // Ten steps, 100 % at the top.
    const int steps = 10;
    const double step_h = scale_h / steps;
    for (int i = 0; i < steps; ++i) {
      const double f = 1.0 - (i + 0.5) / steps;
      out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"14\" height=\"{}\" fill=\"{}\"/>\n", num(scale_x),
                         num(top + i * step_h), num(step_h + 0.5), scale_color(f));
    }
    out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"14\" height=\"{}\" fill=\"none\" stroke=\"{}\"/>\n",
                       num(scale_x), num(top), num(scale_h), kAxis);
    const std::string muted11 = fmt::format("font-size=\"11\" fill=\"{}\"", kMuted);
    out += text(scale_x + 18, top + 9, "100%", "start", muted11);
    out += text(scale_x + 18, top + scale_h / 2 + 4, "50%", "start", muted11);
    out += text(scale_x + 18, top + scale_h, "0%", "start", muted11);
    out += text(label_w, top + std::max(grid_h, scale_h) + 18, "color: " + m.scale_label, "start", muted11);
  }
  out += "</svg>\n";
  return out;
}

std::string svg_color_scale(std::string_view label) {
  const std::string caption = std::string(label) + ":";
  const double left = text_width(caption, 12) + 12;
  const int steps = 20;
  const double step_w = 14;
  const double width = left + steps * step_w + 44;
  std::string out = svg_open(width, 34);
  out += text(0, 15, caption, "start", fmt::format("fill=\"{}\"", kText));
  for (int i = 0; i < steps; ++i) {
    const double f = (i + 0.5) / steps;
    out += fmt::format("<rect x=\"{}\" y=\"4\" width=\"{}\" height=\"14\" fill=\"{}\"/>\n", num(left + i * step_w),
                       num(step_w + 0.5), scale_color(f));
  }
  out += fmt::format("<rect x=\"{}\" y=\"4\" width=\"{}\" height=\"14\" fill=\"none\" stroke=\"{}\"/>\n", num(left),
                     num(steps * step_w), kAxis);
  const std::string muted11 = fmt::format("font-size=\"11\" fill=\"{}\"", kMuted);
  for (const int percent : {0, 25, 50, 75, 100}) {
    out += text(left + steps * step_w * percent / 100.0, 31, fmt::format("{}%", percent), "middle", muted11);
  }
  out += "</svg>\n";
  return out;
}

// ---- grouped bar chart ---------------------------------------------------------------------------

std::string svg_bar_chart(const BarChartSpec& chart) {
  const double ml = 62;
  const double mr = 18;
  const double ph = std::max(chart.plot_height, 80);
  const double group_gap = 24;
  const auto n_series = std::max<std::size_t>(chart.series.size(), 1);
  const auto n_groups = std::max<std::size_t>(chart.groups.size(), 1);
  const double available = std::max(chart.max_width, 300) - ml - mr;
  const double bar_w =
      std::clamp((available / static_cast<double>(n_groups) - group_gap) / static_cast<double>(n_series), 10.0, 46.0);
  const double group_w = bar_w * static_cast<double>(n_series) + group_gap;
  const double pw = group_w * static_cast<double>(n_groups);
  double width = std::max(ml + pw + mr, text_width(chart.title, 14) + ml);

  double max_value = 0;
  double label_w = 0;
  for (const auto& g : chart.groups) {
    for (const auto& b : g.bars) {
      if (!b) continue;
      max_value = std::max(max_value, b->value);
      label_w = std::max({label_w, text_width(b->text, 11), text_width(b->sub, 10)});
    }
  }
  const bool rotated = label_w + 2 > bar_w;
  double rotated_len = 0;
  if (rotated) {
    for (const auto& g : chart.groups) {
      for (const auto& b : g.bars) {
        if (b) rotated_len = std::max(rotated_len, text_width(b->text + (b->sub.empty() ? "" : "  " + b->sub), 11));
      }
    }
  }
  const double mt = 34 + (rotated ? rotated_len + 8 : 30);

  std::vector<LegendItem> items;
  for (std::size_t i = 0; i < chart.series.size(); ++i) {
    items.push_back({fmt::format("<rect x=\"0\" y=\"-6\" width=\"12\" height=\"12\" fill=\"{}\"/>",
                                 palette_color(static_cast<int>(i))),
                     12, chart.series[i]});
  }
  int legend_rows = 0;
  const double legend_top = mt + ph + 40;
  const std::string legend_svg = legend(items, ml, std::max(width, 500.0) - mr, legend_top, legend_rows);
  width = std::max(width, 500.0);
  const double height = legend_top + legend_rows * 18.0 + (legend_rows > 0 ? 4 : -10);

  std::string out = svg_open(width, height);
  out += text(ml, 20, chart.title, "start", fmt::format("font-size=\"14\" font-weight=\"bold\" fill=\"{}\"", kText));
  const auto y_ticks = linear_ticks(max_value, 5);
  const double y_top = y_ticks.back().value;
  const auto y_of = [&](double v) { return mt + ph - std::max(v, 0.0) / y_top * ph; };
  for (const auto& t : y_ticks) {
    out += line(ml, y_of(t.value), ml + pw, y_of(t.value), kGrid);
    out += text(ml - 6, y_of(t.value) + 4, t.label, "end", fmt::format("fill=\"{}\"", kMuted));
  }
  out += text(16, mt + ph / 2, chart.y_label, "middle",
              fmt::format("fill=\"{}\" transform=\"rotate(-90 16 {})\"", kText, num(mt + ph / 2)));
  for (std::size_t g = 0; g < chart.groups.size(); ++g) {
    const BarGroup& group = chart.groups[g];
    const double gx = ml + static_cast<double>(g) * group_w + group_gap / 2;
    for (std::size_t i = 0; i < group.bars.size() && i < n_series; ++i) {
      if (!group.bars[i]) continue;
      const Bar& bar = *group.bars[i];
      const double x = gx + static_cast<double>(i) * bar_w;
      const double y = y_of(bar.value);
      out +=
          fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\">{}</rect>\n", num(x + 1), num(y),
                      num(bar_w - 2), num(mt + ph - y), palette_color(static_cast<int>(i)), title_element(bar.tooltip));
      const double cx = x + bar_w / 2;
      if (rotated) {
        const std::string label = bar.text + (bar.sub.empty() ? "" : "  " + bar.sub);
        out += text(cx + 4, y - 4, label, "start",
                    fmt::format("font-size=\"11\" fill=\"{}\" transform=\"rotate(-90 {} {})\"", kText, num(cx + 4),
                                num(y - 4)));
      } else {
        out += text(cx, bar.sub.empty() ? y - 4 : y - 16, bar.text, "middle",
                    fmt::format("font-size=\"11\" fill=\"{}\"", kText));
        if (!bar.sub.empty()) {
          out += text(cx, y - 4, bar.sub, "middle", fmt::format("font-size=\"10\" fill=\"{}\"", kMuted));
        }
      }
    }
    out += text(gx + bar_w * static_cast<double>(n_series) / 2, mt + ph + 18, group.label, "middle",
                fmt::format("font-weight=\"bold\" fill=\"{}\"", kText));
  }
  out += line(ml, mt + ph, ml + pw, mt + ph, kAxis);
  out += line(ml, mt, ml, mt + ph, kAxis);
  out += legend_svg;
  out += "</svg>\n";
  return out;
}

}  // namespace gx::report
