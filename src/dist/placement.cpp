#include "dist/placement.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace gx::dist {

Placement compute_placement(const Communicator& comm) {
  Placement p;
  p.rank = comm.rank();
  p.size = comm.size();
  const Communicator node = comm.split_shared();
  p.local_rank = node.rank();
  p.local_size = node.size();
  p.hostname = processor_name();

  // A node is named by its lowest rank (the node communicator is ordered by rank, so that is its
  // rank 0); every rank learns every rank's leader and numbers the leaders in rank order.
  const int leader = static_cast<int>(node.all_min(p.rank));
  std::vector<int> leaders(static_cast<std::size_t>(p.size), 0);
  GX_MPI(MPI_Allgather(&leader, 1, MPI_INT, leaders.data(), 1, MPI_INT, comm.handle()));
  std::vector<int> distinct = leaders;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  p.node = static_cast<int>(std::lower_bound(distinct.begin(), distinct.end(), leader) - distinct.begin());
  p.node_count = static_cast<int>(distinct.size());
  return p;
}

Json placement_to_json(const Placement& p) {
  return Json{{"rank", p.rank},
              {"size", p.size},
              {"local_rank", p.local_rank},
              {"local_size", p.local_size},
              {"node", p.node},
              {"node_count", p.node_count},
              {"hostname", p.hostname}};
}

Placement placement_from_json(const Json& json) {
  if (!json.is_object()) throw InputError("placement: expected an object");
  auto integer = [&](const char* key) {
    const auto it = json.find(key);
    if (it == json.end() || !it->is_number_integer())
      throw InputError(fmt::format("placement.{}: expected an integer", key));
    return it->get<int>();
  };
  Placement p;
  p.rank = integer("rank");
  p.size = integer("size");
  p.local_rank = integer("local_rank");
  p.local_size = integer("local_size");
  p.node = integer("node");
  p.node_count = integer("node_count");
  const auto host = json.find("hostname");
  if (host == json.end() || !host->is_string()) throw InputError("placement.hostname: expected a string");
  p.hostname = host->get<std::string>();
  return p;
}

}  // namespace gx::dist
