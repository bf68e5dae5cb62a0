#pragma once
// Most transfer methods are a set of copies on streams. This module verifies such a set
// (pattern in, one operation, compare out, guards intact) and measures it into a Record.
#include <functional>
#include <string>
#include <vector>

#include "suites/context.hpp"

namespace gx {

enum class Engine { copy_peer, copy_default, sm };

struct Transfer {
  std::string name;  // "0->1", "h2d", ...
  Region dst;
  Region src;
  std::size_t bytes = 0;
  const Stream* stream = nullptr;
  Engine engine = Engine::copy_default;
  bool chained = false;  // src is the previous transfer's dst (a staged sequence)
  // SM copies that run at once on one GPU: each kernel gets 1/sm_share of the GPU's resident
  // block slots, so they run side by side instead of partly in turn.
  int sm_share = 1;
};

struct TransferSet {
  std::vector<Transfer> transfers;
  // Replaces enqueueing `transfers` one after another (pipelined staging); the transfers still
  // describe what is verified and which streams are timed.
  std::function<void()> custom_enqueue;
  // What verification checks, when it differs from `transfers` (a copy split into pieces or
  // pipelined through a ring is verified as the one whole copy it implements).
  std::vector<Transfer> verify_transfers;
  // Bytes that count for the rate of one operation; 0 = the sum over non-chained transfers.
  double bytes_per_op = 0;
};

// Enqueues one transfer (no waiting).
void enqueue(Context& context, const Transfer& transfer);

// Verifies then measures (device or host mode per timing_of(c.method)).
[[nodiscard]] Record run_transfer_set(Context& context, const Case& c, const TransferSet& set);

// Records a verification: `mismatches` bytes differed from the pattern or the guards. A record
// with any is marked failed with the reason; returns whether it passed.
bool record_verification(Record& record, std::uint64_t mismatches);

// Fills the record's statistics from a measurement (shared with non-transfer suites).
void fill_measurement(Record& record, const Measurement& m, double bytes_per_op);

}  // namespace gx
