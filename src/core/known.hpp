#pragma once
// A value the tool may not be able to read (NVML missing, query unsupported). It is never
// guessed: either a value, or no value plus the reason, which JSON carries next to a null.
#include <optional>
#include <string>
#include <utility>

namespace gx {

template <class T>
struct Known {
  std::optional<T> value;
  std::string reason;  // why value is missing; empty when it is known

  Known() : reason("not queried") {}
  Known(T v) : value(std::move(v)) {}  // NOLINT(google-explicit-constructor): reads naturally
  static Known unknown(std::string why) {
    Known k;
    k.reason = std::move(why);
    return k;
  }
  [[nodiscard]] bool has_value() const { return value.has_value(); }
  [[nodiscard]] const T& operator*() const { return *value; }
  [[nodiscard]] const T* operator->() const { return &*value; }
  friend bool operator==(const Known& a, const Known& b) {
    return a.value == b.value && (a.value || a.reason == b.reason);
  }
};

}  // namespace gx
