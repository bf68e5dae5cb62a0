// libFuzzer target: the command-line value parsers of src/core on arbitrary text.
// Every input goes through all of them: parse_size, parse_sizes, parse_shape, parse_duration,
// parse_device_spec + resolve_devices (against a fixed 4-GPU identity list), parse_output_format
// and parse_suites. Contract: each returns a value that honours its documented range or throws
// gx::UsageError / gx::InputError; any other exception, a broken invariant, a crash, a sanitizer
// report or a hang is a bug.
// Built and run by scripts/fuzz.sh; seeds in tests/data/fuzz/fuzz_parsers/.
#include <algorithm>
#include <cxxabi.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "core/device_select.hpp"
#include "core/error.hpp"
#include "core/plan.hpp"
#include "core/sweep.hpp"
#include "core/table.hpp"
#include "core/units.hpp"

namespace {

// "std::out_of_range" rather than "St12out_of_range".
std::string type_name(const std::type_info& type) {
  int status = 0;
  char* name = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
  std::string text = status == 0 && name != nullptr ? name : type.name();
  std::free(name);
  return text;
}

[[noreturn]] void die(const char* parser, const std::string& what) {
  std::fprintf(stderr, "fuzz_parsers: %s: %s\n", parser, what.c_str());
  std::abort();
}

void check(bool ok, const char* parser, const char* invariant) {
  if (!ok) die(parser, std::string("broken invariant: ") + invariant);
}

// Runs f; UsageError and InputError are the documented outcomes for bad text.
template <class F>
void run(const char* parser, F&& f) {
  try {
    f();
  } catch (const gx::UsageError&) {
  } catch (const gx::InputError&) {
  } catch (const std::exception& e) {
    die(parser, "threw " + type_name(typeid(e)) + ": " + e.what());
  } catch (...) {
    die(parser, "threw a non-std exception");
  }
}

// GPUs 0-2 as on a 4x H200 (NVSwitch) machine (tests/data/runs/h200x4-nvswitch-2026-11-26-81750e97/list.json); GPU 3 is
// made up: its UUID shares "GPU-8175" with GPU 0 (so an ambiguous prefix is reachable) and its bus id has a non-zero
// PCI domain.
const std::vector<gx::DeviceIdentity>& four_gpus() {
  static const std::vector<gx::DeviceIdentity> gpus{
      {0, "GPU-81750e97-43b6-e717-86f3-4f9b29931d71", "0000:00:06.0"},
      {1, "GPU-98b77910-ffd8-94b2-bd29-e7df4fbe3282", "0000:00:07.0"},
      {2, "GPU-7bda1070-f300-ab5c-5196-6e506eb6177d", "0000:00:08.0"},
      {3, "GPU-8175a0b1-e96a-9a07-d01d-8d054697acdb", "0001:c1:00.0"},
  };
  return gpus;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  run("parse_size", [&] {
    const std::uint64_t bytes = gx::parse_size(text);
    check(bytes >= 1, "parse_size", "at least 1 byte");
    for (gx::DType d : {gx::DType::f32, gx::DType::f16, gx::DType::bf16, gx::DType::f64}) {
      const auto shape = gx::shape_for_bytes(bytes, d);
      if (shape) {
        check(shape->elements() * gx::dtype_bytes(d) == bytes, "shape_for_bytes", "shape holds the bytes");
        check(gx::parse_shape(gx::format_shape(*shape)) == *shape, "shape_for_bytes", "shape reparses");
      }
    }
    (void)gx::format_bytes(bytes);
    (void)gx::format_bytes_binary(bytes);
  });

  run("parse_sizes", [&] {
    const std::vector<std::uint64_t> sizes = gx::parse_sizes(text);
    check(!sizes.empty(), "parse_sizes", "not empty");
    check(sizes.size() <= gx::kMaxSweepSizes, "parse_sizes", "at most kMaxSweepSizes sizes");
    check(sizes.front() >= 1, "parse_sizes", "every size at least 1 byte");
    check(std::adjacent_find(sizes.begin(), sizes.end(), [](auto a, auto b) { return a >= b; }) == sizes.end(),
          "parse_sizes", "ascending without duplicates");
  });

  run("parse_shape", [&] {
    const gx::Shape shape = gx::parse_shape(text);
    check(!shape.dims.empty() && shape.dims.size() <= 8, "parse_shape", "1 to 8 dimensions");
    check(std::all_of(shape.dims.begin(), shape.dims.end(), [](auto d) { return d >= 1; }), "parse_shape",
          "every dimension at least 1");
    check(gx::parse_shape(gx::format_shape(shape)) == shape, "parse_shape", "format_shape reparses");
  });

  run("parse_duration", [&] {
    const double seconds = gx::parse_duration(text);
    check(seconds > 0 && seconds <= 86400, "parse_duration", "in (0 s, 1 day]");
    (void)gx::format_duration(seconds);
  });

  run("parse_device_spec", [&] {
    const gx::DeviceSpec spec = gx::parse_device_spec(text);
    check(spec.all == spec.items.empty(), "parse_device_spec", "all exactly when no items");
    run("resolve_devices", [&] {
      const std::vector<int> chosen = gx::resolve_devices(spec, four_gpus());
      check(spec.all ? chosen.size() == 4 : chosen.size() == spec.items.size(), "resolve_devices", "one GPU per item");
      std::vector<int> sorted = chosen;
      std::sort(sorted.begin(), sorted.end());
      check(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end(), "resolve_devices", "no GPU twice");
      check(std::all_of(chosen.begin(), chosen.end(), [](int i) { return i >= 0 && i < 4; }), "resolve_devices",
            "ordinals in 0-3");
    });
  });

  run("parse_output_format", [&] { (void)gx::parse_output_format(text); });

  run("parse_suites", [&] {
    const std::vector<gx::Suite> suites = gx::parse_suites(text);
    std::vector<gx::Suite> sorted = suites;
    std::sort(sorted.begin(), sorted.end());
    check(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end(), "parse_suites", "no suite twice");
  });

  run("parse_gemm_precisions", [&] {
    const std::vector<gx::Method> precisions = gx::parse_gemm_precisions(text);
    check(!precisions.empty(), "parse_gemm_precisions", "at least one precision");
    check(std::all_of(precisions.begin(), precisions.end(), [](gx::Method m) { return gx::is_gemm(m); }),
          "parse_gemm_precisions", "only gemm methods");
    std::vector<gx::Method> sorted = precisions;
    std::sort(sorted.begin(), sorted.end());
    check(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end(), "parse_gemm_precisions",
          "no precision twice");
  });
  return 0;
}
