#pragma once
// Known<T> fields of JSON objects, one convention for every section of a report (system, health,
// telemetry): a known value is written as itself, an unknown one as null with its reason in the
// object's "unknown" map; reading gives the value back, or unknown with that reason, and names
// the section and the object's path in every error.
#include <fmt/format.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "core/error.hpp"
#include "core/known.hpp"
#include "core/report_json.hpp"

namespace gx {

// Writes Known<T> fields of one object; the "unknown" map of their reasons is added when the
// writer goes out of scope.
class KnownWriter {
 public:
  explicit KnownWriter(Json& object) : object_(object) {}
  template <class T>
  void known(const char* key, const Known<T>& value) {
    if (value.has_value()) {
      object_[key] = *value;
    } else {
      object_[key] = nullptr;
      unknown_[key] = value.reason;
    }
  }
  // A reason for a field written by the caller (an object or array that may be unknown).
  void reason(const char* key, const std::string& why) { unknown_[key] = why; }
  ~KnownWriter() {
    if (!unknown_.empty()) object_["unknown"] = unknown_;
  }
  KnownWriter(const KnownWriter&) = delete;
  KnownWriter& operator=(const KnownWriter&) = delete;

 private:
  Json& object_;
  Json unknown_ = Json::object();
};

// Reads the fields of one object. `section` (may be empty) and `path` name it in errors
// ("health section: health.gpus[0].ecc.volatile: ..."); `missing_reason` is what a key the object lacks reads as
// (a later minor may add fields older files do not have).
class KnownReader {
 public:
  KnownReader(const Json& object, std::string section, std::string path, std::string missing_reason = "unknown")
      : object_(object), section_(std::move(section)), path_(std::move(path)), missing_(std::move(missing_reason)) {
    if (!object_.is_object()) fail("", "expected an object");
  }
  [[noreturn]] void fail(std::string_view key, std::string_view what) const {
    throw InputError(fmt::format("{}{}{}{}{}: {}", section_, section_.empty() ? "" : ": ", path_,
                                 key.empty() ? "" : ".", key, what));
  }
  [[nodiscard]] const Json* find(const char* key) const {
    const auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }
  [[nodiscard]] const Json& at(const char* key) const {
    const Json* v = find(key);
    if (v == nullptr) fail(key, "missing");
    return *v;
  }
  // The reason an unknown field was written with, "unknown" when the writer gave none.
  [[nodiscard]] std::string reason(const char* key) const {
    const auto unknown = object_.find("unknown");
    if (unknown != object_.end() && unknown->is_object()) {
      const auto r = unknown->find(key);
      if (r != unknown->end() && r->is_string()) return r->get<std::string>();
    }
    return "unknown";
  }
  template <class T>
  [[nodiscard]] T value(const char* key, const Json& v) const {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      // nlohmann's get<int>() of a float or of an integer out of range is a plain cast:
      // undefined behaviour for 1e300 or -1.5, a wrapped value for -1 as an unsigned.
      if (!v.is_number_integer()) fail(key, fmt::format("expected an integer (got {})", v.type_name()));
      const bool fits = v.is_number_unsigned()
                            ? v.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<T>::max())
                            : v.get<std::int64_t>() >= static_cast<std::int64_t>(std::numeric_limits<T>::min()) &&
                                  (std::is_unsigned_v<T> ||
                                   v.get<std::int64_t>() <= static_cast<std::int64_t>(std::numeric_limits<T>::max()));
      if (!fits) fail(key, fmt::format("{} is out of range", v.dump()));
    } else if constexpr (std::is_same_v<T, bool>) {
      if (!v.is_boolean()) fail(key, fmt::format("expected a boolean (got {})", v.type_name()));
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!v.is_string()) fail(key, fmt::format("expected a string (got {})", v.type_name()));
    } else if constexpr (std::is_floating_point_v<T>) {
      if (!v.is_number()) fail(key, fmt::format("expected a number (got {})", v.type_name()));
    }
    try {
      return v.get<T>();
    } catch (const nlohmann::json::exception&) {
      fail(key, fmt::format("wrong type ({})", v.type_name()));
    }
  }
  template <class T>
  [[nodiscard]] T get(const char* key) const {
    return value<T>(key, at(key));
  }
  template <class T>
  [[nodiscard]] Known<T> known(const char* key) const {
    const Json* v = find(key);
    if (v == nullptr) return Known<T>::unknown(missing_);
    if (v->is_null()) return Known<T>::unknown(reason(key));
    return value<T>(key, *v);
  }
  // The object under `key`, read as an empty one when absent.
  [[nodiscard]] KnownReader child(const char* key) const {
    static const Json kEmpty = Json::object();
    const Json* v = find(key);
    return KnownReader(v == nullptr ? kEmpty : *v, section_, path_ + "." + key, missing_);
  }
  [[nodiscard]] KnownReader nested(const Json& object, std::string path) const {
    return KnownReader(object, section_, std::move(path), missing_);
  }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  const Json& object_;
  std::string section_;
  std::string path_;
  std::string missing_;
};

}  // namespace gx
