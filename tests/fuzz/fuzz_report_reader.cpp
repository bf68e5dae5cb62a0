// libFuzzer target: gx::parse_report on arbitrary bytes (what compare / check / report read).
// Contract: it returns a LoadedReport or throws gx::Error (InputError in practice); any other
// exception, a crash, a sanitizer report or a hang is a bug. A report it accepts must also
// survive a round trip: written back with the writers of src/core and read again, unchanged in
// its counts.
// Built and run by scripts/fuzz.sh; seeds in tests/data/fuzz/fuzz_report_reader/.
#include <cxxabi.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <typeinfo>

#include "core/error.hpp"
#include "core/record_json.hpp"
#include "core/report_json.hpp"
#include "core/report_load.hpp"

namespace {

// "std::out_of_range" rather than "St12out_of_range".
std::string type_name(const std::type_info& type) {
  int status = 0;
  char* name = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
  std::string text = status == 0 && name != nullptr ? name : type.name();
  std::free(name);
  return text;
}

[[noreturn]] void die(const char* stage, const char* type, const char* what) {
  std::fprintf(stderr, "fuzz_report_reader: %s threw %s: %s\n", stage, type, what);
  std::abort();
}

// Runs f. gx::Error is the documented outcome for bad input: returns false, unless
// error_is_bug. Anything else aborts, so libFuzzer keeps the input and prints the stack.
template <class F>
bool run(const char* stage, bool error_is_bug, F&& f) {
  try {
    f();
    return true;
  } catch (const gx::Error& e) {
    if (error_is_bug) die(stage, type_name(typeid(e)).c_str(), e.what());
    return false;
  } catch (const std::exception& e) {
    die(stage, type_name(typeid(e)).c_str(), e.what());
  } catch (...) {
    die(stage, "a non-std exception", "?");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  gx::LoadedReport report;
  if (!run("parse_report", false, [&] { report = gx::parse_report(text, "fuzz.json"); })) return 0;

  // Accepted: what gpuxfer writes from it must read back.
  std::string again;
  run("writing back", true,
      [&] { again = gx::make_report(report.run, report.system, gx::records_to_json(report.records)).dump(); });
  gx::LoadedReport second;
  run("reading back", true, [&] { second = gx::parse_report(again, "roundtrip.json"); });
  if (second.records.size() != report.records.size() || second.system.devices.size() != report.system.devices.size() ||
      second.system.pairs.size() != report.system.pairs.size()) {
    die("round trip", "nothing", "the record, GPU or pair count changed");
  }
  return 0;
}
