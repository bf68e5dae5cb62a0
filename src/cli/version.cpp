#include "cli/version.hpp"

#include <fmt/format.h>

#include "cli/libraries.hpp"

#include "core/build_info.hpp"
#include "core/error.hpp"
#include "core/model.hpp"
#include "gpu/devices.hpp"

namespace gx::cli {

namespace {

std::string dirty_text(const BuildInfo& b) {
  if (b.git_sha == "unknown") return "";  // no repository was read: nothing more to say
  if (!b.git_dirty.has_value()) return ", changes unknown";
  return *b.git_dirty ? ", uncommitted changes" : ", clean";
}

// A Known value as JSON: the value, or null with the reason in `unknown`.
template <typename T>
Json known_json(const Known<T>& k, const char* key, Json& unknown) {
  if (k.has_value()) return Json(*k);
  unknown[key] = k.reason;
  return Json(nullptr);
}

}  // namespace

VersionFormat parse_version_format(std::string_view text) {
  if (text == "text" || text == "table") return VersionFormat::text;
  if (text == "json") return VersionFormat::json;
  throw UsageError(fmt::format("invalid --format '{}' for --version: allowed text, json", text));
}

std::string version_text() {
  const auto& b = build_info();
  std::string text = fmt::format("gpuxfer {} (git {}{}, {} build, built with CUDA {} by {})\n", b.version, b.git_sha,
                                 dirty_text(b), b.build_type, b.cuda_build_version, b.compiler);
  const DriverVersions v = driver_versions();
  if (v.cuda_driver_version.has_value()) {
    text +=
        fmt::format("CUDA driver {}, NVIDIA driver {}, CUDA runtime {}\n", format_cuda_version(*v.cuda_driver_version),
                    v.driver_release.has_value() ? *v.driver_release : "unknown (" + v.driver_release.reason + ")",
                    v.cuda_runtime_version.has_value() ? format_cuda_version(*v.cuda_runtime_version) : "unknown");
  } else {
    text += "no NVIDIA driver found at run time\n";
  }
  // Loaded at run time, none required (docs/deploy.md); the cases needing a missing one are skipped.
  text += "libraries loaded at run time (GPUXFER_LIBRARY_PATH first):\n";
  text += libraries_text(runtime_libraries(), "  ");
  return text;
}

Json version_json() {
  const auto& b = build_info();
  Json unknown = Json::object();
  Json dirty = nullptr;
  if (b.git_dirty.has_value()) {
    dirty = *b.git_dirty;
  } else {
    unknown["git_dirty"] = b.git_sha == "unknown"
                               ? "not built from the source tree's own git repository, or git was missing"
                               : "git could not read the state of the tracked files";
  }
  const DriverVersions v = driver_versions();
  // Driver versions are integers as in the report's `system` (13000 = 13.0).
  Json out{{"name", "gpuxfer"},     {"version", b.version},       {"git_sha", b.git_sha},
           {"git_dirty", dirty},    {"build_type", b.build_type}, {"cuda_build_version", b.cuda_build_version},
           {"compiler", b.compiler}};
  out["cuda_driver_version"] = known_json(v.cuda_driver_version, "cuda_driver_version", unknown);
  out["driver_release"] = known_json(v.driver_release, "driver_release", unknown);
  out["cuda_runtime_version"] = known_json(v.cuda_runtime_version, "cuda_runtime_version", unknown);
  out["libraries"] = libraries_json(runtime_libraries());
  if (!unknown.empty()) out["unknown"] = unknown;
  return out;
}

}  // namespace gx::cli
