#include "dist/transfers/cross_rank.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <limits>
#include <map>
#include <memory>
#include <optional>

#include "core/cross_plan.hpp"
#include "core/merge.hpp"
#include "core/pattern.hpp"
#include "core/plan.hpp"
#include "core/report_json.hpp"
#include "gpu/check.hpp"
#include "gpu/ipc.hpp"
#include "suites/suites.hpp"
#include "suites/transfer.hpp"
#ifdef GPUXFER_HAVE_NCCL
#include "gpu/nccl/nccl.hpp"
#endif

namespace gx::dist {
namespace {

using Clock = std::chrono::steady_clock;

// The buffer other ranks write into (CUDA IPC) or receive into (NCCL): apart from the suites'
// slots so a later local case cannot regrow it while it is mapped.
constexpr int kCrossReceiveSlot = 60;
// Two processes start a sample when an MPI message arrives, a few µs apart: samples of at
// least 5 ms keep that skew under 0.2 % (as cases spanning several GPUs in one process do).
constexpr double kMinCrossSampleSeconds = 5e-3;

std::string to_hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string from_hex(const std::string& hex) {
  const auto value = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    throw InputError(fmt::format("malformed hex digit '{}' in a CUDA IPC handle", c));
  };
  if (hex.size() % 2 != 0) throw InputError("malformed CUDA IPC handle: odd number of hex digits");
  std::string out(hex.size() / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<char>(value(hex[2 * i]) * 16 + value(hex[2 * i + 1]));
  }
  return out;
}

// What every rank tells the others before the first round.
struct Peer {
  RankEndpoint endpoint;
  std::string ipc_handle;  // raw bytes; empty when export failed
  std::string ipc_error;
};

std::vector<Peer> exchange_endpoints(const Communicator& world, const Placement& me, int device,
                                     const std::string& handle, const std::string& handle_error) {
  const Json mine{{"node", me.node}, {"device", device}, {"ipc", to_hex(handle)}, {"ipc_error", handle_error}};
  const std::vector<std::string> all = world.all_gather_strings(mine.dump());
  std::vector<Peer> peers;
  for (std::size_t r = 0; r < all.size(); ++r) {
    const Json j = Json::parse(all[r]);
    Peer p;
    p.endpoint = RankEndpoint{static_cast<int>(r), j.at("node").get<int>(), j.at("device").get<int>()};
    p.ipc_handle = from_hex(j.at("ipc").get<std::string>());
    p.ipc_error = j.at("ipc_error").get<std::string>();
    peers.push_back(std::move(p));
  }
  return peers;
}

std::string schedule_text(const CrossRound& round, ScheduleKind kind) {
  return fmt::format("{} schedule, round {} of {}, {} transfer{} at once", to_string(kind), round.index + 1, round.of,
                     round.cases.size(), round.cases.size() == 1 ? "" : "s");
}

class CrossRun {
 public:
  CrossRun(Context& ctx, const SystemInfo& node_system, int device, const Communicator& world, const Placement& me,
           const CrossRankOptions& options)
      : ctx_(ctx), node_(node_system), device_(device), world_(world), me_(me), options_(options) {}

  // Appends the record of the round's case this rank owns (none when it only receives or idles).
  void run_round(const CrossRound& round, std::vector<Record>& out) {
    const int k = case_of_rank(round, me_.rank);
    if (k < 0) return;
    const CrossCase& cc = round.cases[static_cast<std::size_t>(k)];
    const bool owner = cc.src_rank == me_.rank;
    if (cc.transport == CrossTransport::ipc) {
      if (owner) out.push_back(run_ipc(round, cc));
      return;
    }
    Record r = run_nccl(round, cc);
    if (owner) out.push_back(std::move(r));
  }

  void set_peers(std::vector<Peer> peers) { peers_ = std::move(peers); }
#ifdef GPUXFER_HAVE_NCCL
  void set_nccl(std::unique_ptr<NcclComm> comm) {
    nccl_ = std::move(comm);
  }
  // Why the NCCL cases are skipped when no communicator could be made everywhere.
  void set_nccl_unavailable(std::string reason) {
    nccl_reason_ = std::move(reason);
  }
#endif
  // Unmaps every peer buffer; the exporters free theirs only after the final barrier.
  void close_mappings() {
    mappings_.clear();
  }
#ifdef GPUXFER_HAVE_NCCL
  void close_nccl() {
    if (nccl_ && failed_) nccl_->abort_on_destroy();
    nccl_.reset();
  }
#endif

  // Skip record of a case this rank owns but cannot run.
  Record skipped(const CrossCase& cc, const std::string& reason, Status status = Status::skipped) const {
    Record r;
    r.test = make_case(cc);
    r.status = status;
    r.reason = reason;
    r.src_rank = cc.src_rank;
    r.dst_rank = cc.dst_rank;
    return r;
  }

  [[nodiscard]] bool owns(const CrossCase& cc) const {
    return cc.src_rank == me_.rank;
  }

 private:
  [[nodiscard]] const Peer& peer(int rank) const {
    return peers_.at(static_cast<std::size_t>(rank));
  }

  Case make_case(const CrossCase& cc) const {
    Case c;
    c.method = cc.method;
    c.suite = suite_of(cc.method);
    c.src = peer(cc.src_rank).endpoint.device;
    c.dst = peer(cc.dst_rank).endpoint.device;
    c.bytes = options_.bytes;
    c.dtype = DType::f32;
    c.headline = true;
    if (!cc.same_node) {
      c.link_class = "net";
      c.theoretical_bytes_per_s = Known<double>::unknown("different hosts: the network path is not in the inventory");
      return c;
    }
    // Both GPUs are on this rank's node; its inventory has the pair when the rank sees both.
    const int a = c.src;
    const int b = c.dst;
    const auto pair = std::find_if(node_.pairs.begin(), node_.pairs.end(),
                                   [&](const PairInfo& p) { return p.src == a && p.dst == b; });
    if (pair == node_.pairs.end()) {
      c.theoretical_bytes_per_s =
          Known<double>::unknown(fmt::format("GPU {} -> {} is not in this rank's inventory", a, b));
      return c;
    }
    c.link_class = pair->link.name;
    c.theoretical_bytes_per_s = pair->theoretical_bytes_per_s;
    if (is_bidir(cc.method) && pair->theoretical_bytes_per_s.has_value()) {
      c.theoretical_bytes_per_s = 2 * *pair->theoretical_bytes_per_s;
    }
    return c;
  }

  Record run_ipc(const CrossRound& round, const CrossCase& cc) {
    const Peer& dst = peer(cc.dst_rank);
    if (node_.devices.size() < 2) {
      // Slurm --gpus-per-task=1 or a per-rank CUDA_VISIBLE_DEVICES: the peer's GPU is not
      // visible in this process, so its memory cannot be mapped (NCCL still measures the pair).
      return skipped(cc, "CUDA IPC: this rank sees only its own GPU, so it cannot map another rank's memory");
    }
    if (dst.ipc_handle.empty()) {
      return skipped(
          cc, "CUDA IPC: rank " + std::to_string(cc.dst_rank) + " could not export its buffer: " + dst.ipc_error);
    }
    auto it = mappings_.find(cc.dst_rank);
    if (it == mappings_.end()) {
      try {
        it = mappings_.emplace(cc.dst_rank, IpcMapping(device_, dst.ipc_handle)).first;
      } catch (const CudaError& e) {
        if (e.sticky()) throw;
        clear_cuda_error();
        Record r = skipped(cc, fmt::format("CUDA IPC: cannot map rank {}'s buffer: {}", cc.dst_rank, e.what()));
        r.status = Status::error;
        return r;
      }
    }
    auto* base = static_cast<unsigned char*>(it->second.data());
    Transfer t;
    t.name = fmt::format("{}->{}", peer(cc.src_rank).endpoint.device, dst.endpoint.device);
    // The destination lives on the other rank's GPU; this rank's GPU reaches it through the
    // mapping, so this rank's kernels fill and check it (Region::device = the worker).
    t.dst = Region{MemoryKind::device, device_, base, base + kGuardBytes, static_cast<std::size_t>(options_.bytes)};
    t.src = ctx_.device_region(device_, slot::send, options_.bytes);
    t.bytes = options_.bytes;
    t.stream = &ctx_.stream(device_);
    t.engine = cc.method == Method::sm_push ? Engine::sm : Engine::copy_default;
    TransferSet set;
    set.transfers.push_back(t);
    Record r = run_transfer_set(ctx_, make_case(cc), set);
    r.src_rank = cc.src_rank;
    r.dst_rank = cc.dst_rank;
    r.implementation =
        fmt::format("CUDA IPC: {} of rank {} writing into rank {}'s buffer; {}",
                    cc.method == Method::sm_push ? "copy kernel on the SMs" : "copy engine (cudaMemcpyAsync)",
                    cc.src_rank, cc.dst_rank, schedule_text(round, options_.schedule));
    return r;
  }

  Record run_nccl(const CrossRound& round, const CrossCase& cc) {
#ifndef GPUXFER_HAVE_NCCL
    (void)round;
    return skipped(cc, "built without NCCL (GPUXFER_WITH_NCCL)");
#else
    if (!nccl_) return skipped(cc, nccl_reason_.empty() ? "NCCL communicator not available" : nccl_reason_);
    const bool bidir = cc.method == Method::nccl_bidir;
    const bool sender = cc.src_rank == me_.rank;
    const int other = sender ? cc.dst_rank : cc.src_rank;
    const Stream& stream = ctx_.stream(device_);
    const double timeout = ctx_.settings().measure.timeout_seconds;
    const Region send = ctx_.device_region(device_, slot::send, options_.bytes);
    const Region recv = ctx_.device_region(device_, kCrossReceiveSlot, options_.bytes);
    const std::size_t bytes = options_.bytes;
    auto enqueue = [&] {
      if (bidir) {
        nccl_->send_recv(send.data, recv.data, bytes, other, stream);
      } else if (sender) {
        nccl_->send(send.data, bytes, other, stream);
      } else {
        nccl_->recv(recv.data, bytes, other, stream);
      }
    };

    Record record;
    record.test = make_case(cc);
    record.src_rank = cc.src_rank;
    record.dst_rank = cc.dst_rank;
    try {
      if (ctx_.settings().verify) {
        // Pattern: the lower rank's data carries cc.seed, the upper rank's cc.seed + 1 (bidir).
        const std::uint32_t my_seed = cc.seed + (me_.rank == cc.src_rank ? 0u : 1u);
        const std::uint32_t their_seed = cc.seed + (me_.rank == cc.src_rank ? 1u : 0u);
        const std::uint32_t poison = ~cc.seed;
        Verifier& v = ctx_.verifier(device_);
        if (bidir || sender) v.fill(send.data, bytes, my_seed, 0, stream);
        if (bidir || !sender) v.fill(recv.base, bytes + 2 * kGuardBytes, poison, 0, stream);
        wait_for(stream, timeout);
        (void)world_.exchange(other, 0.0);  // both filled before either sends
        enqueue();
        wait_for(stream, timeout);
        std::uint64_t bad = 0;
        if (bidir || !sender) {
          const std::uint32_t expected = bidir ? their_seed : cc.seed;
          bad += v.mismatches(recv.data, bytes, expected, 0, stream, timeout);
          bad += v.mismatches(recv.base, kGuardBytes, poison, 0, stream, timeout);
          bad += v.mismatches(recv.data + bytes, kGuardBytes, poison, kGuardBytes + bytes, stream, timeout);
        }
        bad += world_.exchange(other, bad);                    // the owner reports both sides' mismatches
        if (!record_verification(record, bad)) return record;  // both sides return here alike
      }
      MeasureSettings settings = ctx_.settings().measure;
      settings.min_sample_seconds = std::max(settings.min_sample_seconds, kMinCrossSampleSeconds);
      SampleSync sync;
      sync.before_release = [&] { (void)world_.exchange(other, 0.0); };
      sync.agree_seconds = [&](double s) { return std::max(s, world_.exchange(other, s)); };
      sync.agree_ops = [&](std::uint64_t ops) { return std::max(ops, world_.exchange(other, ops)); };
      const Measurement m = measure_device(ctx_.gates(), {&stream}, enqueue, settings, &sync);
      fill_measurement(record, m, static_cast<double>(bidir ? 2 * bytes : bytes));
      record.status = Status::ok;
      record.implementation =
          fmt::format("NCCL {} {}: {}; {}", nccl_version(),
                      bidir ? "ncclSend+ncclRecv both ways in one group" : "ncclSend/ncclRecv",
                      cc.same_node ? "same host" : "different hosts", schedule_text(round, options_.schedule));
    } catch (const Error&) {
      failed_ = true;  // the communicator may have a transfer in flight: abort it, not destroy
      throw;
    }
    return record;
#endif
  }

  Context& ctx_;
  const SystemInfo& node_;
  int device_;
  const Communicator& world_;
  const Placement& me_;
  CrossRankOptions options_;
  std::vector<Peer> peers_;
  std::map<int, IpcMapping> mappings_;
#ifdef GPUXFER_HAVE_NCCL
  std::unique_ptr<NcclComm> nccl_;
  std::string nccl_reason_;
#endif
  bool failed_ = false;
};

// The exit code of an error that ends this phase, as run_cases maps them.
void note_error(CrossRankOutcome& out, const Error& e, const std::string& what) {
  out.exit = static_cast<ExitCode>(worst_exit_code(static_cast<int>(out.exit), static_cast<int>(e.exit_code())));
  if (out.message.empty()) out.message = what + ": " + e.what();
}

}  // namespace

bool built_with_nccl() noexcept {
#ifdef GPUXFER_HAVE_NCCL
  return true;
#else
  return false;
#endif
}

CrossRankOutcome run_cross_rank(Context* context, const SystemInfo* node_system, int device, const Communicator& world,
                                const Placement& me, const CrossRankOptions& options,
                                const std::atomic<int>* stop_requested) {
  CrossRankOutcome out;
  [[maybe_unused]] const int n = world.size();  // NCCL communicator size
  // 1. Can everyone take part? A rank without a GPU, or without room for the receive buffer
  // every other rank may write into, only says so; nobody measures then. No collective may
  // come before this agreement that a rank which cannot take part would skip.
  bool ready = context != nullptr && node_system != nullptr;
  std::string handle;
  std::string handle_error;
  std::string not_ready;
  if (ready) {
    try {
      const Region receive = context->device_region(device, kCrossReceiveSlot, options.bytes);
      try {
        handle = export_ipc_handle(device, receive.base);
      } catch (const CudaError& e) {
        if (e.sticky()) throw;
        clear_cuda_error();
        handle_error = e.what();  // IPC cases to this rank are skipped with this reason
      }
    } catch (const Error& e) {
      ready = false;
      not_ready = e.what();
    }
  }
  const long long first_ready = world.all_min(ready ? me.rank : std::numeric_limits<int>::max());
  const bool all_ready = world.all_min(ready ? 1 : 0) == 1;
  if (!ready) {
    if (!not_ready.empty()) {
      out.exit = ExitCode::device_error;
      out.message = "transfers between ranks: " + not_ready;
    }
    return out;
  }
  if (!all_ready) {
    // The lowest ready rank says, once per method, why nothing ran between ranks.
    if (me.rank == first_ready) {
      std::vector<Method> methods;
      if (options.peer) methods = {Method::ce_write, Method::sm_push};
      if (options.peer && built_with_nccl()) methods.push_back(Method::nccl_send);
      if (options.async && built_with_nccl()) methods.push_back(Method::nccl_bidir);
      for (Method m : methods) {
        Record r;
        r.test.method = m;
        r.test.suite = suite_of(m);
        r.test.src = kHost;
        r.test.dst = kHost;
        r.test.bytes = options.bytes;
        r.status = Status::skipped;
        r.reason = "not measured between ranks: a rank could not take part (run.ranks says which)";
        out.records.push_back(r);
      }
    }
    return out;
  }
  Context& ctx = *context;

  // 2. Who is where, and the IPC handles.
  CrossPlanOptions plan_options;
  plan_options.schedule = options.schedule;
  plan_options.peer = options.peer;
  plan_options.async = options.async;
  plan_options.with_nccl = built_with_nccl();
  plan_options.seed = ctx.settings().seed;
  const std::vector<Peer> peers = exchange_endpoints(world, me, device, handle, handle_error);
  std::vector<RankEndpoint> endpoints;
  for (const Peer& p : peers) endpoints.push_back(p.endpoint);
  CrossRun run(ctx, *node_system, device, world, me, options);
  run.set_peers(peers);
  const std::vector<CrossRound> plan = plan_cross_rank(endpoints, plan_options);

#ifdef GPUXFER_HAVE_NCCL
  const bool wants_nccl = std::any_of(
      plan.begin(), plan.end(), [](const CrossRound& r) { return r.cases.front().transport == CrossTransport::nccl; });
  if (wants_nccl) {
    const std::string previous = disable_nvls();
    if (!previous.empty() && previous != "0" && me.rank == 0) {
      out.notes.push_back(fmt::format("gpuxfer: NCCL_NVLS_ENABLE={} overridden to 0 (no NVLink multicast)", previous));
    }
    // libnccl is loaded at run time: where a rank lacks a usable one, every rank skips the NCCL
    // cases (agreed first, so no rank waits for a communicator another cannot make).
    const bool usable_here = nccl_available();
    const bool usable_everywhere = world.all_min(usable_here ? 1 : 0) == 1;
    std::string reason;
    std::string id;
    if (!usable_everywhere) {
      run.set_nccl_unavailable(usable_here ? std::string("NCCL not usable on another rank (its gpuxfer-mpi --version "
                                                         "says why)")
                                           : "NCCL not usable: " + nccl_library_status().reason);
    } else {
      // Every rank reaches ncclCommInitRank or none does (an empty id says rank 0 could not make
      // one); a failure afterwards is agreed on, so nobody waits in a transfer for a rank
      // without a communicator.
      if (me.rank == 0) {
        try {
          id = nccl_unique_id();
        } catch (const Error& e) {
          reason = std::string("NCCL unique id: ") + e.what();
        }
      }
      id = world.broadcast_string(id, 0);
      std::unique_ptr<NcclComm> comm;
      if (!id.empty()) {
        try {
          comm = std::make_unique<NcclComm>(device, n, me.rank, id);
        } catch (const Error& e) {
          reason = std::string("NCCL communicator: ") + e.what();
        }
      } else if (reason.empty()) {
        reason = "rank 0 could not create an NCCL unique id";
      }
      const bool nccl_everywhere = world.all_min(comm ? 1 : 0) == 1;
      if (nccl_everywhere) {
        run.set_nccl(std::move(comm));
      } else {
        if (comm) comm->abort_on_destroy();
        run.set_nccl_unavailable(reason.empty() ? "the NCCL communicator failed on another rank" : reason);
      }
    }
  }
#endif

  // 3. The rounds. Before each, every rank says whether it can go on (its own error, a
  // signal); one all-reduce both agrees and lines the rounds up.
  const auto phase_start = Clock::now();
  auto method_start = phase_start;
  std::optional<Method> method;
  std::string stop_reason;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const CrossRound& round = plan[i];
    long long mine = static_cast<long long>(out.exit);
    if (mine == 0 && stop_requested != nullptr && stop_requested->load() != 0) {
      mine = stop_requested->load() == SIGTERM ? static_cast<long long>(ExitCode::interrupted_term)
                                               : static_cast<long long>(ExitCode::interrupted_int);
    }
    const long long agreed = world.all_max(mine);
    const auto now = Clock::now();
    if (method != round.method) {
      if (method) out.methods.back().wall_seconds = std::chrono::duration<double>(now - method_start).count();
      method = round.method;
      method_start = now;
      out.methods.push_back(MethodTiming{round.method, 0, 0, 0});
    }
    if (agreed != 0) {
      if (out.exit == ExitCode::ok) {
        out.exit = static_cast<ExitCode>(agreed);
        out.message = agreed >= 128 ? "the run was interrupted" : "another rank ended early";
      }
      for (std::size_t j = i; j < plan.size(); ++j) {
        for (const CrossCase& cc : plan[j].cases) {
          if (run.owns(cc)) out.records.push_back(run.skipped(cc, "not run: " + out.message));
        }
      }
      break;
    }
    ++out.rounds;
    ++out.methods.back().rounds;
    out.methods.back().cases += static_cast<int>(round.cases.size());
    out.cases += static_cast<int>(round.cases.size());
    try {
      run.run_round(round, out.records);
    } catch (const CudaError& e) {
      const int k = case_of_rank(round, me.rank);
      const CrossCase& cc = round.cases[static_cast<std::size_t>(k)];
      if (run.owns(cc)) out.records.push_back(run.skipped(cc, e.what(), Status::error));
      if (e.sticky()) {
        note_error(out, e, "a sticky CUDA error ended the transfers between ranks");
      } else {
        clear_cuda_error();
      }
    } catch (const TimeoutError& e) {
      const int k = case_of_rank(round, me.rank);
      const CrossCase& cc = round.cases[static_cast<std::size_t>(k)];
      if (run.owns(cc)) out.records.push_back(run.skipped(cc, e.what(), Status::timeout));
      note_error(out, e, "a transfer between ranks timed out");
    } catch (const Error& e) {
      // NCCL errors and the like: this rank's case is lost, and NCCL's state with it.
      const int k = case_of_rank(round, me.rank);
      const CrossCase& cc = round.cases[static_cast<std::size_t>(k)];
      if (run.owns(cc)) out.records.push_back(run.skipped(cc, e.what(), Status::error));
      note_error(out, e, "a transfer between ranks failed");
    }
  }
  const auto end = Clock::now();
  if (method) out.methods.back().wall_seconds = std::chrono::duration<double>(end - method_start).count();
  out.wall_seconds = std::chrono::duration<double>(end - phase_start).count();

  // 4. Unmap, then wait for everyone before any exporter frees its buffer.
  run.close_mappings();
#ifdef GPUXFER_HAVE_NCCL
  run.close_nccl();
#endif
  world.barrier();
  if (me.rank == 0) {
    for (const MethodTiming& m : out.methods) {
      out.notes.push_back(fmt::format("gpuxfer: between ranks, {} {}: {} cases in {} rounds, {:.2f} s",
                                      to_string(options.schedule), to_string(m.method), m.cases, m.rounds,
                                      m.wall_seconds));
    }
  }
  return out;
}

}  // namespace gx::dist
