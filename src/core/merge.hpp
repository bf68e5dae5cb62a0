#pragma once
// One result document from several MPI ranks' documents (docs/distributed.md).
//
// Every rank writes an ordinary gpuxfer.report (list or bench) of its own GPUs, or an error
// document when it could not run; rank 0 gathers them (src/dist) and merges them here. Host-only,
// so the whole merge is unit-tested without MPI or a GPU.
//
// Global GPU ids are rank-major: rank 0's GPUs first (in its CUDA ordinal order), then rank 1's,
// and so on; with one rank per GPU, global id = rank. In the merged document `system.gpus[].index`
// and every record's `src`, `dst` and `devices` are global ids (so compare, check and report read
// it like a one-host document); the CUDA ordinal is kept as `local_index`.
//
// What a rank's document must say:
// - `run.options.devices`: the CUDA ordinals the rank owns (measures). Absent: every GPU of its
//   `system.gpus`. `system.gpus` may list more (the node's whole inventory, as a rank that sees all
//   the node's GPUs has it): those GPUs and the pairs among them are then mapped, by UUID, to the
//   rank that owns them, so same-host pairs between ranks keep their link class.
// - records name the rank's own CUDA ordinals. A record about a GPU of another rank (a transfer
//   between ranks) says whose ordinal `src` / `dst` / `devices[i]` is with the optional keys
//   `src_rank`, `dst_rank` and `device_ranks` (an array parallel to `devices`); they are
//   resolved here and not written to the merged document.
#include <string>
#include <vector>

#include "core/report_json.hpp"

namespace gx {

// One rank's contribution, with where it ran as MPI told the rank (dist::Placement).
struct RankDocument {
  int rank = 0;          // world rank
  int node = -1;         // shared-memory node id, the same for ranks on one host; -1: by hostname
  int local_rank = -1;   // rank within its node; -1 when not known
  std::string hostname;  // "": the document's run.hostname ("unknown" for an error document)
  Json document;         // the rank's gpuxfer.report or error document
};

struct MergeResult {
  // One gpuxfer.report of every rank; an error document when no rank produced a report.
  Json document;
  // The worst exit code any rank reported (worst_exit_code), 0 when every rank finished.
  int exit_code = 0;
  // For a person, not errors: ranks running different gpuxfer builds, and the like.
  std::vector<std::string> warnings;
};

// Merges the ranks' documents (any order; ranks must be distinct and >= 0). The merged report:
// - tool and schema version of this binary (rank 0 merges, so its own);
// - run: rank 0's (argv, options, hostname) over the span of every rank (earliest start, latest
//   finish); `options.devices` the global ids; `ended_early` when any rank ended early or
//   failed, with the worst exit code and the first such rank's reason; `ranks`: one entry per
//   rank (host, local rank, GPUs, status, exit code, reason);
// - system: rank 0's host fields (hostname, CPU, driver) as in a one-host document; `gpus`
//   every rank's GPUs with `host` (index into `hosts`), `hostname`, `rank`, `local_index`;
//   `pairs` the same-host pairs some rank's inventory describes (there is no pair entry for GPUs
//   on different hosts); `hosts` one entry per host (its hostname, CPU, driver, ranks, GPUs);
// - health: each GPU's entry from the rank that owns it, under the GPU's global id;
// - records: every rank's, in rank order, re-indexed to global ids (direction names such as
//   "0->1" and "h2d 0" too).
// Throws InputError naming the rank when a document is not a gpuxfer.report of this major, when
// the ranks ran different commands (options other than devices differ) or mix list and bench
// reports, when two ranks own one GPU (same host and UUID), or when a record names a GPU that no
// rank owns.
[[nodiscard]] MergeResult merge_rank_reports(const std::vector<RankDocument>& ranks);

// The worse of two exit codes: the larger (0 ok < 1 < 2 < 3 < 4 MPI/CUDA < 5 watchdog < 130 /
// 143 interrupted), which is also what MPI_MAX over the ranks' codes agrees on.
[[nodiscard]] int worst_exit_code(int a, int b);

// The exit code a document carries: error.exit_code, run.ended_early.exit_code, else 0.
[[nodiscard]] int document_exit_code(const Json& document);

}  // namespace gx
