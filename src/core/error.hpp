#pragma once
// Typed errors thrown below src/cli; only the CLI prints them and maps them to exit codes
// (docs/failure.md).
#include <stdexcept>
#include <string>
#include <string_view>

namespace gx {

enum class ExitCode : int {
  ok = 0,
  check_failed = 1,
  usage = 2,
  cannot_run = 3,
  device_error = 4,
  watchdog = 5,
  interrupted_int = 130,
  interrupted_term = 143,
};

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  [[nodiscard]] virtual ExitCode exit_code() const noexcept = 0;
};

// A bad flag or flag value.
class UsageError : public Error {
 public:
  using Error::Error;
  [[nodiscard]] ExitCode exit_code() const noexcept override { return ExitCode::usage; }
};

// Bad input data: an unreadable, malformed or incompatible file, a device that does not exist.
class InputError : public Error {
 public:
  using Error::Error;
  [[nodiscard]] ExitCode exit_code() const noexcept override { return ExitCode::usage; }
};

// The machine cannot run the request: no driver, no GPU, fewer GPUs than asked.
class CannotRunError : public Error {
 public:
  using Error::Error;
  [[nodiscard]] ExitCode exit_code() const noexcept override { return ExitCode::cannot_run; }
};

// A CUDA / NCCL / MPI failure during the run. The device layer derives CudaError from it.
class DeviceError : public Error {
 public:
  using Error::Error;
  [[nodiscard]] ExitCode exit_code() const noexcept override { return ExitCode::device_error; }
};

// A device wait or a case exceeded its deadline (the watchdog).
class TimeoutError : public Error {
 public:
  using Error::Error;
  [[nodiscard]] ExitCode exit_code() const noexcept override { return ExitCode::watchdog; }
};

// The error document's `kind` for an exit code (docs/schema.md "Error document"): usage,
// cannot_run, device_error, timeout, or error for the rest.
[[nodiscard]] constexpr std::string_view error_kind_name(ExitCode code) noexcept {
  switch (code) {
    case ExitCode::usage: return "usage";
    case ExitCode::cannot_run: return "cannot_run";
    case ExitCode::device_error: return "device_error";
    case ExitCode::watchdog: return "timeout";
    default: return "error";
  }
}

// Whether `kind` is one of the names error_kind_name gives.
[[nodiscard]] constexpr bool is_error_kind_name(std::string_view kind) noexcept {
  for (const ExitCode c :
       {ExitCode::usage, ExitCode::cannot_run, ExitCode::device_error, ExitCode::watchdog, ExitCode::check_failed}) {
    if (error_kind_name(c) == kind) return true;
  }
  return false;
}

}  // namespace gx
