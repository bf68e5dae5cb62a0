#pragma once
// The end of a multi-rank run: every rank's document to rank 0, merged into one (core/merge), and
// one exit code that every rank agrees on (only rank 0 writes; errors on any rank reach
// rank 0 and the exit code).
#include <exception>
#include <optional>

#include "core/merge.hpp"
#include "core/report_json.hpp"
#include "dist/mpi.hpp"
#include "dist/placement.hpp"

namespace gx::dist {

struct Collected {
  // The exit code of the whole run, the same on every rank: the worst of every rank's own exit
  // code, of what their documents say (ended_early, error documents) and of the merge itself.
  int exit_code = 0;
  // Rank 0 only: the merged document (and warnings for stderr). Empty on the other ranks and
  // when the merge failed.
  std::optional<MergeResult> merged;
  // Rank 0 only: why the merge failed (a gx::Error, usually InputError), null otherwise. Kept,
  // not thrown, so rank 0 still reaches finish_run(); rethrow it there to report it.
  std::exception_ptr merge_error;
};

// Collective over `comm`: every rank passes its placement, its document (a report, or an error
// document when it could not run) and the exit code it would exit with on its own. Rank 0
// merges. When the merge fails (the ranks ran different commands, two ranks drove one GPU),
// rank 0 gets the error in `merge_error` and every rank its exit code. A document too large to
// gather is an InputError thrown on every rank alike; an MPI failure is an MpiError.
[[nodiscard]] Collected collect_reports(const Communicator& comm, const Placement& me, const Json& document,
                                        int exit_code);

// The last collective of a run, after rank 0 has written the merged document: rank 0 passes the
// exit code of that write (0, or 2 when the file could not be written), the others 0; every
// rank gets worst(collected, that). No rank may exit before it: mpirun ends the whole job as
// soon as one rank exits non-zero, which would cut rank 0's output short.
[[nodiscard]] int finish_run(const Communicator& comm, int collected_exit_code, int my_exit_code);

}  // namespace gx::dist
