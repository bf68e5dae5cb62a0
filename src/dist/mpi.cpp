#include "dist/mpi.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>

namespace gx::dist {
namespace {

// Point-to-point tag of gather_strings; the communicator is gpuxfer's own duplicate, so no other
// code sends with it.
constexpr int kGatherTag = 7001;
// Tag of exchange(): pairs of ranks keeping two-process measurements in step.
constexpr int kExchangeTag = 7002;

std::string error_text(int code) {
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) return fmt::format("MPI error {}", code);
  int error_class = 0;
  if (MPI_Error_class(code, &error_class) != MPI_SUCCESS) error_class = code;
  return fmt::format("{} (error class {})", std::string(text, static_cast<std::size_t>(std::max(length, 0))),
                     error_class);
}

int as_count(std::size_t n) {
  // Pieces are at most chunk_bytes, which the callers keep within int.
  return static_cast<int>(std::min<std::size_t>(n, static_cast<std::size_t>(std::numeric_limits<int>::max())));
}

std::size_t checked_chunk(std::size_t chunk_bytes) {
  if (chunk_bytes == 0 || chunk_bytes > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw UsageError(
        fmt::format("MPI message piece of {} bytes: must be 1..{}", chunk_bytes, std::numeric_limits<int>::max()));
  }
  return chunk_bytes;
}

}  // namespace

MpiError::MpiError(const char* expression, int code, const char* file, int line)
    : DeviceError(fmt::format("MPI error: {} failed: {} at {}:{}", expression, error_text(code), file, line)),
      code_(code) {}

void check_mpi(int code, const char* expression, const char* file, int line) {
  if (code != MPI_SUCCESS) throw MpiError(expression, code, file, line);
}

Environment::Environment(int* argc, char*** argv) {
  int initialized = 0;
  GX_MPI(MPI_Initialized(&initialized));
  if (initialized != 0) throw DeviceError("MPI error: MPI is already initialized in this process");
  GX_MPI(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided_));
  // From here on a failing call returns its code instead of killing every rank. A constructor
  // that throws runs no destructor, so a failure here finalizes itself.
  const int rc = MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  if (rc != MPI_SUCCESS) {
    MpiError error("MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN)", rc, __FILE__, __LINE__);
    MPI_Finalize();
    throw error;
  }
}

Environment::~Environment() {
  // Never throws: a destructor may run while an exception unwinds. A failure here has no one
  // left to report to; the exit code already says how the run went.
  if (active()) MPI_Finalize();
}

std::string Environment::library_version() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int length = 0;
  GX_MPI(MPI_Get_library_version(text, &length));
  std::string version(text, static_cast<std::size_t>(std::max(length, 0)));
  // Open MPI appends a newline and build details after it; the first line names it.
  const auto newline = version.find_first_of("\r\n");
  if (newline != std::string::npos) version.resize(newline);
  while (!version.empty() && version.back() == '\0') version.pop_back();
  return version;
}

bool Environment::active() noexcept {
  int initialized = 0;
  int finalized = 0;
  if (MPI_Initialized(&initialized) != MPI_SUCCESS || MPI_Finalized(&finalized) != MPI_SUCCESS) return false;
  return initialized != 0 && finalized == 0;
}

Communicator Communicator::world() {
  if (!Environment::active()) throw DeviceError("MPI error: MPI is not initialized (no gx::dist::Environment)");
  MPI_Comm comm = MPI_COMM_NULL;
  GX_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &comm));
  Communicator out(comm);
  // Inherited from the parent already; set explicitly so it never depends on that.
  GX_MPI(MPI_Comm_set_errhandler(out.comm_, MPI_ERRORS_RETURN));
  return out;
}

Communicator::Communicator(Communicator&& other) noexcept : comm_(std::exchange(other.comm_, MPI_COMM_NULL)) {}

Communicator& Communicator::operator=(Communicator&& other) noexcept {
  if (this != &other) {
    reset();
    comm_ = std::exchange(other.comm_, MPI_COMM_NULL);
  }
  return *this;
}

Communicator::~Communicator() {
  reset();
}

void Communicator::reset() noexcept {
  if (comm_ != MPI_COMM_NULL && Environment::active()) MPI_Comm_free(&comm_);
  comm_ = MPI_COMM_NULL;
}

int Communicator::rank() const {
  int r = 0;
  GX_MPI(MPI_Comm_rank(comm_, &r));
  return r;
}

int Communicator::size() const {
  int s = 0;
  GX_MPI(MPI_Comm_size(comm_, &s));
  return s;
}

Communicator Communicator::split_shared() const {
  MPI_Comm node = MPI_COMM_NULL;
  GX_MPI(MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank(), MPI_INFO_NULL, &node));
  Communicator out(node);
  GX_MPI(MPI_Comm_set_errhandler(out.comm_, MPI_ERRORS_RETURN));
  return out;
}

Communicator Communicator::split(int color, int key) const {
  if (color < 0) throw UsageError(fmt::format("communicator split: color {} must be >= 0", color));
  MPI_Comm part = MPI_COMM_NULL;
  GX_MPI(MPI_Comm_split(comm_, color, key, &part));
  Communicator out(part);
  GX_MPI(MPI_Comm_set_errhandler(out.comm_, MPI_ERRORS_RETURN));
  return out;
}

void Communicator::barrier() const {
  GX_MPI(MPI_Barrier(comm_));
}

std::vector<std::string> Communicator::gather_strings(const std::string& mine, int root, std::size_t max_bytes,
                                                      std::size_t chunk_bytes) const {
  checked_chunk(chunk_bytes);
  const int me = rank();
  const int n = size();
  if (root < 0 || root >= n) throw UsageError(fmt::format("gather to rank {}: the communicator has {} ranks", root, n));

  // 1. Every length to the root.
  const auto my_length = static_cast<std::uint64_t>(mine.size());
  std::vector<std::uint64_t> lengths(me == root ? static_cast<std::size_t>(n) : 0);
  GX_MPI(MPI_Gather(&my_length, 1, MPI_UINT64_T, lengths.data(), 1, MPI_UINT64_T, root, comm_));

  // 2. The root decides for everyone whether it takes them all; -1 = yes, else the first rank
  // whose string is too long. Every rank learns it, so all throw or none does.
  long long refused = -1;
  if (me == root) {
    for (int r = 0; r < n; ++r) {
      if (lengths[static_cast<std::size_t>(r)] > max_bytes) {
        refused = r;
        break;
      }
    }
  }
  GX_MPI(MPI_Bcast(&refused, 1, MPI_LONG_LONG, root, comm_));
  if (refused >= 0) {
    throw InputError(
        fmt::format("rank {}'s document is larger than the {} bytes rank {} accepts", refused, max_bytes, root));
  }

  // 3. The data, rank by rank, in pieces. Point-to-point rather than MPI_Gatherv: the total of
  // all ranks may pass INT_MAX even when each piece does not.
  std::vector<std::string> out;
  if (me == root) {
    out.resize(static_cast<std::size_t>(n));
    for (int r = 0; r < n; ++r) {
      std::string& text = out[static_cast<std::size_t>(r)];
      if (r == root) {
        text = mine;
        continue;
      }
      text.resize(static_cast<std::size_t>(lengths[static_cast<std::size_t>(r)]));
      for (std::size_t offset = 0; offset < text.size(); offset += chunk_bytes) {
        const int count = as_count(std::min(chunk_bytes, text.size() - offset));
        GX_MPI(MPI_Recv(text.data() + offset, count, MPI_CHAR, r, kGatherTag, comm_, MPI_STATUS_IGNORE));
      }
    }
  } else {
    for (std::size_t offset = 0; offset < mine.size(); offset += chunk_bytes) {
      const int count = as_count(std::min(chunk_bytes, mine.size() - offset));
      GX_MPI(MPI_Send(mine.data() + offset, count, MPI_CHAR, root, kGatherTag, comm_));
    }
  }
  return out;
}

std::vector<std::string> Communicator::all_gather_strings(const std::string& mine) const {
  std::vector<std::string> all = gather_strings(mine, 0);
  const int n = size();
  all.resize(static_cast<std::size_t>(n));
  for (int r = 0; r < n; ++r) all[static_cast<std::size_t>(r)] = broadcast_string(all[static_cast<std::size_t>(r)], 0);
  return all;
}

std::string Communicator::broadcast_string(const std::string& value, int root, std::size_t chunk_bytes) const {
  checked_chunk(chunk_bytes);
  const int n = size();
  if (root < 0 || root >= n)
    throw UsageError(fmt::format("broadcast from rank {}: the communicator has {} ranks", root, n));
  const bool sender = rank() == root;
  auto length = static_cast<std::uint64_t>(sender ? value.size() : 0);
  GX_MPI(MPI_Bcast(&length, 1, MPI_UINT64_T, root, comm_));
  std::string out = sender ? value : std::string(static_cast<std::size_t>(length), '\0');
  for (std::size_t offset = 0; offset < out.size(); offset += chunk_bytes) {
    const int count = as_count(std::min(chunk_bytes, out.size() - offset));
    GX_MPI(MPI_Bcast(out.data() + offset, count, MPI_CHAR, root, comm_));
  }
  return out;
}

Agreement Communicator::agree_exit_code(int mine) const {
  // MPI_2INT pairs a value with a rank; MAXLOC keeps the largest value and, among equal values,
  // the lowest rank.
  struct {
    int value;
    int rank;
  } in{mine, rank()}, out{0, 0};
  GX_MPI(MPI_Allreduce(&in, &out, 1, MPI_2INT, MPI_MAXLOC, comm_));
  return Agreement{out.value, out.rank};
}

double Communicator::exchange(int peer, double mine) const {
  double theirs = 0;
  GX_MPI(MPI_Sendrecv(&mine, 1, MPI_DOUBLE, peer, kExchangeTag, &theirs, 1, MPI_DOUBLE, peer, kExchangeTag, comm_,
                      MPI_STATUS_IGNORE));
  return theirs;
}

std::uint64_t Communicator::exchange(int peer, std::uint64_t mine) const {
  std::uint64_t theirs = 0;
  GX_MPI(MPI_Sendrecv(&mine, 1, MPI_UINT64_T, peer, kExchangeTag, &theirs, 1, MPI_UINT64_T, peer, kExchangeTag, comm_,
                      MPI_STATUS_IGNORE));
  return theirs;
}

long long Communicator::all_max(long long mine) const {
  long long out = 0;
  GX_MPI(MPI_Allreduce(&mine, &out, 1, MPI_LONG_LONG, MPI_MAX, comm_));
  return out;
}

long long Communicator::all_min(long long mine) const {
  long long out = 0;
  GX_MPI(MPI_Allreduce(&mine, &out, 1, MPI_LONG_LONG, MPI_MIN, comm_));
  return out;
}

std::string processor_name() {
  char name[MPI_MAX_PROCESSOR_NAME] = {};
  int length = 0;
  GX_MPI(MPI_Get_processor_name(name, &length));
  return std::string(name, static_cast<std::size_t>(std::max(length, 0)));
}

}  // namespace gx::dist
