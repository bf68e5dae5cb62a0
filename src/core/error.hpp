#pragma once
// Typed errors thrown below src/cli; only the CLI prints them and maps them to exit codes
// (docs/failure.md).
#include <stdexcept>
#include <string>

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

}  // namespace gx
