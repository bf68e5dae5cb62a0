#pragma once
// Where each rank runs: world rank, node-local rank, node (one rank per GPU, the local
// rank picks the GPU; core/schedule rank_device).
#include <string>
#include <vector>

#include "core/report_json.hpp"
#include "dist/mpi.hpp"

namespace gx::dist {

struct Placement {
  int rank = 0;  // in the communicator it was computed over (the world)
  int size = 1;
  int local_rank = 0;  // among the ranks sharing this rank's node (MPI_COMM_TYPE_SHARED)
  int local_size = 1;
  int node = 0;  // nodes numbered 0.. in the order of their lowest rank
  int node_count = 1;
  std::string hostname;  // MPI_Get_processor_name

  friend bool operator==(const Placement& a, const Placement& b) {
    return a.rank == b.rank && a.size == b.size && a.local_rank == b.local_rank && a.local_size == b.local_size &&
           a.node == b.node && a.node_count == b.node_count && a.hostname == b.hostname;
  }
};

// Collective over `comm`: splits it by shared memory and numbers the nodes.
[[nodiscard]] Placement compute_placement(const Communicator& comm);

[[nodiscard]] Json placement_to_json(const Placement& p);
// Throws InputError naming the field.
[[nodiscard]] Placement placement_from_json(const Json& json);

}  // namespace gx::dist
