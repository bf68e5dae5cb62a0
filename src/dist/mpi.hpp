#pragma once
// The MPI layer of multi-process runs (docs/distributed.md): MPI's C API behind RAII
// owners and checked calls. MPI is the control plane only (who runs, who measures when, results
// to rank 0); GPU data moves by CUDA IPC or NCCL, never through MPI.
//
// Every communicator this layer makes returns error codes (MPI_ERRORS_RETURN) instead of
// aborting the job, and every call goes through GX_MPI, so an MPI failure is an MpiError
// (exit code 4, docs/failure.md) that the CLI reports like a CUDA error.
//
// Collectives must be called by every rank of the communicator in the same order. A rank that
// fails must therefore not skip ahead to its exit: catch the error, contribute its exit code to
// agree_exit_code(), and let rank 0 report it (collect_reports does this).
#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace gx::dist {

// An MPI call returned an error: which call, MPI's error string and class, where.
class MpiError : public DeviceError {
 public:
  MpiError(const char* expression, int code, const char* file, int line);
  [[nodiscard]] int code() const noexcept { return code_; }

 private:
  int code_;
};

// Throws MpiError unless `code` is MPI_SUCCESS.
void check_mpi(int code, const char* expression, const char* file, int line);

}  // namespace gx::dist

#define GX_MPI(expr) ::gx::dist::check_mpi((expr), #expr, __FILE__, __LINE__)

namespace gx::dist {

// MPI_Init_thread / MPI_Finalize for the process. One per process, created first in main() and
// destroyed last: Communicators must not outlive it. Threads: MPI_THREAD_FUNNELED (only the main
// thread calls MPI; gpuxfer's watchdog thread never does). MPI_COMM_WORLD is switched to
// MPI_ERRORS_RETURN at once.
class Environment {
 public:
  // Throws MpiError when MPI cannot start, and Error when MPI was already initialized in this
  // process (two owners would finalize twice).
  Environment(int* argc, char*** argv);
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;
  Environment(Environment&&) = delete;
  Environment& operator=(Environment&&) = delete;

  [[nodiscard]] int thread_level() const noexcept { return provided_; }
  // "Open MPI v4.1.4, ..." (MPI_Get_library_version), for the run's record.
  [[nodiscard]] static std::string library_version();
  // MPI_Initialized && !MPI_Finalized.
  [[nodiscard]] static bool active() noexcept;

 private:
  int provided_ = 0;
};

// The worst exit code of all ranks and the lowest rank that reported it.
struct Agreement {
  int exit_code = 0;
  int rank = 0;
};

// An owned communicator (MPI_Comm_free on destruction, while MPI is active). Move-only.
class Communicator {
 public:
  // A duplicate of MPI_COMM_WORLD: gpuxfer's messages cannot match those of another library
  // (NCCL's bootstrap, a user's code) on the world communicator.
  [[nodiscard]] static Communicator world();

  Communicator(Communicator&& other) noexcept;
  Communicator& operator=(Communicator&& other) noexcept;
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;
  ~Communicator();

  [[nodiscard]] int rank() const;
  [[nodiscard]] int size() const;
  [[nodiscard]] MPI_Comm handle() const noexcept { return comm_; }

  // The ranks that share this rank's memory domain (its node): MPI_Comm_split_type with
  // MPI_COMM_TYPE_SHARED, ordered by rank here.
  [[nodiscard]] Communicator split_shared() const;
  // MPI_Comm_split: ranks with the same color form one communicator, ordered by key (then
  // rank). Every rank gets one (MPI_UNDEFINED is not offered: no null communicators here).
  [[nodiscard]] Communicator split(int color, int key) const;

  void barrier() const;

  // Every rank's string at `root`, in rank order; other ranks get an empty vector. Lengths go
  // first; a string longer than `max_bytes` is refused on every rank alike (InputError naming
  // the rank) before anything large moves, so no rank is left blocked in a send. Data moves in
  // pieces of at most `chunk_bytes` (MPI counts are int).
  [[nodiscard]] std::vector<std::string> gather_strings(const std::string& mine, int root = 0,
                                                        std::size_t max_bytes = kMaxStringBytes,
                                                        std::size_t chunk_bytes = kChunkBytes) const;
  // Every rank's string on every rank (a gather to rank 0, then broadcasts).
  [[nodiscard]] std::vector<std::string> all_gather_strings(const std::string& mine) const;
  // `root`'s value on every rank (others' `value` is ignored).
  [[nodiscard]] std::string broadcast_string(const std::string& value, int root = 0,
                                             std::size_t chunk_bytes = kChunkBytes) const;
  // Every rank contributes its exit code (0 = fine); every rank learns the worst (the largest,
  // core/merge worst_exit_code) and the lowest rank that had it: MPI_Allreduce with MPI_MAXLOC.
  [[nodiscard]] Agreement agree_exit_code(int mine) const;
  // MPI_Sendrecv with `peer`, which calls it with this rank at the same point: each side gets
  // the other's value. Neither returns before both have arrived, so it is also a barrier of two.
  [[nodiscard]] double exchange(int peer, double mine) const;
  [[nodiscard]] std::uint64_t exchange(int peer, std::uint64_t mine) const;
  // MPI_Allreduce MAX / MIN of one integer.
  [[nodiscard]] long long all_max(long long mine) const;
  [[nodiscard]] long long all_min(long long mine) const;

  // Reports are capped at 512 MiB on reading (core/report_load), so one rank's string is too.
  static constexpr std::size_t kMaxStringBytes = 512ull << 20;
  static constexpr std::size_t kChunkBytes = 1ull << 30;

 private:
  explicit Communicator(MPI_Comm comm) : comm_(comm) {}
  void reset() noexcept;
  MPI_Comm comm_ = MPI_COMM_NULL;
};

// MPI_Get_processor_name: the host name as MPI knows it.
[[nodiscard]] std::string processor_name();

}  // namespace gx::dist
