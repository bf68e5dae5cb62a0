// The table of bad inputs (tests/data/bad_inputs/bad_inputs.tsv): every line is run against the
// built binary and must give its exit code (2), nothing on stdout and exactly one line on stderr
// naming the bad value. The table must cover every value-taking flag `--help` lists and, for every
// file reader, the size cap, the depth cap, a missing, an empty and a newer-major file.
#include <gtest/gtest.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli_runner.hpp"
#include "core/expectations.hpp"
#include "core/report_load.hpp"

using gx::test::count_lines;
using gx::test::run_gpuxfer;

namespace {

namespace fs = std::filesystem;

const std::string kDataDir = GPUXFER_TEST_DATA_DIR;
const std::string kTable = kDataDir + "/bad_inputs/bad_inputs.tsv";
const std::string kRuns = kDataDir + "/runs/";
const char* const kSubcommands[] = {"list", "bench", "compare", "check", "report", "show"};
// The generated oversize files are one byte over the readers' caps.
constexpr std::uintmax_t kReportCap = gx::kMaxReportBytes;
constexpr std::uintmax_t kExpectCap = gx::kMaxExpectBytes;
// Hides every GPU, so a value that slips past validation reaches device discovery and exits 3
// on any machine instead of starting a benchmark.
const std::string kEnv = "CUDA_VISIBLE_DEVICES= NO_COLOR=1";

struct Entry {
  int line = 0;
  bool known_bug = false;  // "#BUG: " lines
  std::string args;        // as written, placeholders not substituted
  int exit_code = 2;
  std::string mention;
  std::string what;
};

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, sep)) parts.push_back(part);
  if (!text.empty() && text.back() == sep) parts.emplace_back();
  return parts;
}

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Parses the table; malformed lines are test failures naming the line.
std::vector<Entry> read_table() {
  std::ifstream in(kTable);
  EXPECT_TRUE(in.good()) << "cannot open " << kTable;
  std::vector<Entry> entries;
  std::string text;
  for (int number = 1; std::getline(in, text); ++number) {
    Entry e;
    e.line = number;
    if (text.rfind("#BUG: ", 0) == 0) {
      e.known_bug = true;
      text = text.substr(6);
    } else if (text.empty() || text[0] == '#') {
      continue;
    }
    const std::vector<std::string> cols = split(text, '\t');
    if (cols.size() != 4 || cols[0].empty() || cols[2].empty()) {
      ADD_FAILURE() << kTable << ":" << number << ": expected 4 tab-separated columns "
                    << "(args, exit, mention, what), got: " << text;
      continue;
    }
    e.args = cols[0];
    char* end = nullptr;
    const long code = std::strtol(cols[1].c_str(), &end, 10);
    if (cols[1].empty() || *end != '\0' || code < 0 || code > 255) {
      ADD_FAILURE() << kTable << ":" << number << ": exit code '" << cols[1] << "' is not a number";
      continue;
    }
    e.exit_code = static_cast<int>(code);
    e.mention = cols[2];
    e.what = cols[3];
    entries.push_back(e);
  }
  return entries;
}

std::string subcommand_of(const std::string& args) {
  for (const auto& w : words(args)) {
    for (const char* sub : kSubcommands) {
      if (w == sub) return sub;
    }
  }
  return "";
}

bool uses_flag(const std::string& args, const std::vector<std::string>& names) {
  for (const auto& w : words(args)) {
    for (const auto& name : names) {
      if (w == name || w.rfind(name + "=", 0) == 0) return true;
    }
  }
  return false;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t pos = 0; (pos = text.find(from, pos)) != std::string::npos; pos += to.size()) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

void make_sparse(const std::string& path, std::uintmax_t size) {
  { std::ofstream create(path, std::ios::binary); }
  fs::resize_file(path, size);  // sparse: no disk space, and the reader refuses it by its size
}

class CliBadInputs : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string pattern = "/tmp/gpuxfer_bad_inputs_" + std::to_string(::getpid()) + "_XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    tmp_ = pattern;
    const std::string good = kRuns + "h200x2-nvswitch-2026-11-26-b1ce9020/bench.json";
    fs::copy_file(good, tmp_ + "/good.json");
    for (const char* victim : {"victim1.json", "victim2.json", "victim3.json"}) {
      fs::copy_file(good, tmp_ + "/" + victim);
    }
    fs::copy_file(kRuns + "h200x4-nvswitch-2026-11-26-81750e97/list.json", tmp_ + "/list.json");
    make_sparse(tmp_ + "/huge.json", kReportCap + 1);
    make_sparse(tmp_ + "/huge.expect.json", kExpectCap + 1);
  }

  static void TearDownTestSuite() {
    std::error_code ignored;
    if (!tmp_.empty()) fs::remove_all(tmp_, ignored);
  }

  static std::string substitute(const std::string& text) {
    return replace_all(replace_all(text, "@DATA@", kDataDir), "@TMP@", tmp_);
  }

  // Empty when the entry behaves as the table says, else what went wrong.
  static std::string run_entry(const Entry& e, gx::test::CliResult& r) {
    r = run_gpuxfer(substitute(e.args), kEnv);
    const std::string mention = substitute(e.mention);
    std::string problems;
    if (r.exit_code != e.exit_code) {
      problems += "exit " + std::to_string(r.exit_code) + ", expected " + std::to_string(e.exit_code) + "; ";
    }
    if (!r.out.empty()) problems += "stdout not empty (" + std::to_string(r.out.size()) + " bytes); ";
    if (count_lines(r.err) != 1 || r.err.empty() || r.err.back() != '\n') {
      problems += std::to_string(count_lines(r.err)) + " line(s) on stderr, expected 1; ";
    }
    if (r.err.find(mention) == std::string::npos) problems += "stderr lacks '" + mention + "'; ";
    for (const char* crash :
         {"terminate", "Assertion", "Segmentation", "internal error", "AddressSanitizer", "runtime error"}) {
      if (r.err.find(crash) != std::string::npos) problems += std::string("stderr has '") + crash + "'; ";
    }
    return problems;
  }

  static std::string tmp_;
};

std::string CliBadInputs::tmp_;

// `--flag` names that take a value, from help text like "  -o,--output TEXT   Write ...":
// a type name in capitals follows the names, and its default after "=" ("--dtype TEXT=f32");
// flags have none, or "Excludes: ...". A subcommand's help repeats the global options under
// "Global options:" at its end; they are the top level's, checked there.
std::vector<std::vector<std::string>> value_flags(const std::string& help) {
  static const std::regex option(
      R"(^\s+((?:-[A-Za-z0-9],)*)(--[A-Za-z0-9][A-Za-z0-9-]*)\s+([A-Z][A-Z0-9_:]*)(?=[\s:=]|$))");
  std::vector<std::vector<std::string>> flags;
  std::istringstream in(help);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Global options:", 0) == 0) break;
    std::smatch m;
    if (!std::regex_search(line, m, option)) continue;
    std::vector<std::string> names{m[2].str()};
    for (const auto& short_name : split(m[1].str(), ',')) {
      if (!short_name.empty()) names.push_back(short_name);
    }
    flags.push_back(names);
  }
  return flags;
}

TEST_F(CliBadInputs, TableHasAtLeast40EntriesOnEverySubcommand) {
  const auto entries = read_table();
  std::map<std::string, int> per_sub;
  int active = 0;
  for (const auto& e : entries) {
    if (e.known_bug) continue;
    ++active;
    ++per_sub[subcommand_of(e.args)];
  }
  EXPECT_GE(active, 40) << kTable;
  for (const char* sub : kSubcommands) EXPECT_GE(per_sub[sub], 5) << "entries for " << sub;
  EXPECT_EQ(per_sub[""], 0) << "entries naming no subcommand";
}

TEST_F(CliBadInputs, EveryEntryIsOneLineNamingTheValueWithItsExitCode) {
  for (const auto& e : read_table()) {
    if (e.known_bug) continue;
    SCOPED_TRACE("bad_inputs.tsv:" + std::to_string(e.line) + ": gpuxfer " + e.args + "  (" + e.what + ")");
    gx::test::CliResult r;
    const std::string problems = run_entry(e, r);
    EXPECT_EQ(problems, "") << "stderr: " << r.err;
  }
}

// A new flag that takes a value fails here until the table has a bad value for it.
TEST_F(CliBadInputs, EveryValueFlagOfEverySubcommandHasAnEntry) {
  const auto entries = read_table();
  const auto global = run_gpuxfer("--help");
  ASSERT_EQ(global.exit_code, 0);
  const auto global_flags = value_flags(global.out);
  EXPECT_GE(global_flags.size(), 3u) << "--format, --output, --devices expected in:\n" << global.out;
  for (const auto& names : global_flags) {
    bool covered = false;
    for (const auto& e : entries) covered = covered || (!e.known_bug && uses_flag(e.args, names));
    EXPECT_TRUE(covered) << "no bad-input entry uses the global option " << names[0];
  }
  std::size_t total = 0;
  for (const char* sub : kSubcommands) {
    const auto help = run_gpuxfer(std::string(sub) + " --help");
    ASSERT_EQ(help.exit_code, 0) << sub;
    for (const auto& names : value_flags(help.out)) {
      ++total;
      bool covered = false;
      for (const auto& e : entries) {
        covered = covered || (!e.known_bug && subcommand_of(e.args) == sub && uses_flag(e.args, names));
      }
      EXPECT_TRUE(covered) << "no bad-input entry for `gpuxfer " << sub << " " << names[0] << "`";
    }
  }
  EXPECT_GE(total, 25u) << "the help parser found too few value flags";
}

// Each JSON reader: missing, empty, newer major, too deep and oversize files.
TEST_F(CliBadInputs, EveryFileReaderHasTheCapsAndBrokenFiles) {
  const auto entries = read_table();
  struct Reader {
    std::string name;
    bool (*selects)(const Entry&);
  };
  const Reader readers[] = {
      {"compare REPORT", [](const Entry& e) { return subcommand_of(e.args) == "compare"; }},
      {"check RESULT",
       [](const Entry& e) { return subcommand_of(e.args) == "check" && e.args.find("--expect") == std::string::npos; }},
      {"check --expect",
       [](const Entry& e) { return subcommand_of(e.args) == "check" && e.args.find("--expect") != std::string::npos; }},
      {"report RESULT", [](const Entry& e) { return subcommand_of(e.args) == "report"; }},
      {"show RESULT", [](const Entry& e) { return subcommand_of(e.args) == "show"; }},
  };
  for (const auto& reader : readers) {
    for (const char* problem : {"cannot open", "empty file", "malformed JSON", "is newer", "nested deeper than",
                                "bytes, more than the", "not a gpuxfer"}) {
      bool covered = false;
      for (const auto& e : entries) {
        covered = covered || (!e.known_bug && reader.selects(e) && e.mention.find(problem) != std::string::npos);
      }
      EXPECT_TRUE(covered) << reader.name << ": no entry expecting '" << problem << "'";
    }
  }
}

// Each "#BUG: " entry must still misbehave: one that now passes fails here, so the fix drops the
// prefix and the entry joins the checked ones above.
TEST_F(CliBadInputs, KnownBugsStillMisbehave) {
  for (const auto& e : read_table()) {
    if (!e.known_bug) continue;
    gx::test::CliResult r;
    const std::string problems = run_entry(e, r);
    EXPECT_FALSE(problems.empty()) << "bad_inputs.tsv:" << e.line << ": gpuxfer " << e.args
                                   << " now behaves as the entry expects: remove its #BUG: prefix";
    if (!problems.empty()) {
      std::cout << "[ KNOWN BUG ] bad_inputs.tsv:" << e.line << ": gpuxfer " << e.args << "  -> " << problems << "\n";
    }
  }
}

}  // namespace
