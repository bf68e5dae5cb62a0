#include "core/table.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

using namespace gx;

namespace {
Table sample() {
  Table t;
  t.title = "Peer GB/s";
  t.header = {"GPU", "name", "GB/s"};
  t.align = {Align::right, Align::left, Align::right};
  t.rows = {{"0", "H100", "394.5"}, {"10", "a,b \"q\"", "7.1"}};
  t.notes = {"* noisy"};
  return t;
}
}  // namespace

TEST(Table, TextIsAligned) {
  const std::string text = render_text(sample(), false);
  EXPECT_EQ(text,
            "Peer GB/s\n"
            "GPU  name     GB/s\n"
            "---  -------  -----\n"
            "  0  H100     394.5\n"
            " 10  a,b \"q\"    7.1\n"
            "* noisy\n");
}

TEST(Table, ColorOnlyAddsEscapes) {
  const std::string colored = render_text(sample(), true);
  EXPECT_NE(colored.find("\x1b["), std::string::npos);
  EXPECT_EQ(render_text(sample(), false).find("\x1b["), std::string::npos);
}

TEST(Table, CsvQuotesPerRfc4180) {
  EXPECT_EQ(render_csv(sample()), "GPU,name,GB/s\n0,H100,394.5\n10,\"a,b \"\"q\"\"\",7.1\n");
}

TEST(Table, MarkdownEscapesPipes) {
  Table t = sample();
  t.rows[0][1] = "a|b";
  const std::string md = render_markdown(t);
  EXPECT_NE(md.find("### Peer GB/s"), std::string::npos);
  EXPECT_NE(md.find("| GPU | name | GB/s |"), std::string::npos);
  EXPECT_NE(md.find("| ---: | --- | ---: |"), std::string::npos);
  EXPECT_NE(md.find("a\\|b"), std::string::npos);
}

TEST(Table, Utf8WidthCountsCodePoints) {
  EXPECT_EQ(display_width("10000×10000"), 11u);
  EXPECT_EQ(display_width("abc"), 3u);
}

TEST(Table, FormatNames) {
  EXPECT_EQ(parse_output_format("json"), OutputFormat::json);
  EXPECT_EQ(parse_output_format("markdown"), OutputFormat::markdown);
  EXPECT_EQ(parse_output_format("md"), OutputFormat::markdown);
  EXPECT_THROW((void)parse_output_format("yaml"), UsageError);
  EXPECT_THROW((void)parse_output_format(""), UsageError);
}

TEST(Table, ColorPolicy) {
  EXPECT_TRUE(use_color(true, false, OutputFormat::table));
  EXPECT_FALSE(use_color(false, false, OutputFormat::table));
  EXPECT_FALSE(use_color(true, true, OutputFormat::table));  // NO_COLOR
  EXPECT_FALSE(use_color(true, false, OutputFormat::csv));
  EXPECT_FALSE(use_color(true, false, OutputFormat::json));
}
