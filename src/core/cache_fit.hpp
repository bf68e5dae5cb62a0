#pragma once
// Which GPU's L2 a case's working set is judged against (core/bench_model: working_set_bytes,
// cache_resident), from the system's inventory. plan() sets Case::l2_bytes for new cases; a
// document read back gets it from its own system.gpus, so records of documents written before
// the mark existed (schema < 1.7) are marked too, and a GPU whose L2 was not recorded (0) marks
// nothing (docs/method.md, "Cache-resident records").
#include <cstdint>
#include <vector>

#include "core/bench_model.hpp"
#include "core/model.hpp"

namespace gx {

// The GPUs whose memory holds the working set: elementwise on one GPU: src; on several: devices;
// chase_local and chase_peer: dst (the chain's memory). Empty when the case has no working set.
[[nodiscard]] std::vector<int> working_set_gpus(const Case& c);

// The smallest L2 of those GPUs; 0 when there are none, one is not in `system` or its L2 is 0.
[[nodiscard]] std::uint64_t working_set_l2_bytes(const Case& c, const SystemInfo& system);

// Sets test.l2_bytes of every record that has none yet (0) from `system`.
void assign_l2_bytes(std::vector<Record>& records, const SystemInfo& system);

}  // namespace gx
