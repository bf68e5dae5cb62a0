// gpuxfer_dist_probe: the MPI layer end to end, without a GPU. Every rank writes a synthetic
// one-GPU report (its GPU = its node-local rank) or, with --fail-rank, an error document; rank 0
// merges them into one document, writes it (--output FILE, else stdout) and prints the rank
// layout and the round-robin schedule on stderr; every rank exits with the agreed exit code.
//
// ctest runs it under mpirun and validates the merged document against the schema. On a
// cluster it checks a launch line before any GPU code runs:
//   mpirun -np 8 --map-by ppr:4:node gpuxfer_dist_probe -o /dev/null
//   srun -N 2 --ntasks-per-node=4 gpuxfer_dist_probe -o /dev/null
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "core/schedule.hpp"
#include "dist/collect.hpp"
#include "dist/mpi.hpp"
#include "dist/placement.hpp"
#include "synthetic_report.hpp"

namespace {

struct Args {
  std::string output;  // "" = stdout
  int fail_rank = -1;
  int fail_code = 4;
  int records = 0;  // extra records per rank
};

int to_int(const std::string& flag, const char* text) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < -1 || v > 1000000) throw gx::UsageError("invalid " + flag + " '" + text + "'");
  return static_cast<int>(v);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) throw gx::UsageError(flag + ": needs a value (or unknown option)");
    const char* value = argv[++i];
    if (flag == "-o" || flag == "--output") {
      a.output = value;
    } else if (flag == "--fail-rank") {
      a.fail_rank = to_int(flag, value);
    } else if (flag == "--fail-code") {
      a.fail_code = to_int(flag, value);
    } else if (flag == "--records") {
      a.records = to_int(flag, value);
    } else {
      throw gx::UsageError("unknown option " + flag + " (options: -o FILE, --fail-rank R, --fail-code C, --records N)");
    }
  }
  return a;
}

gx::Json rank_document(const gx::dist::Placement& p, const Args& args) {
  if (p.rank == args.fail_rank) {
    return gx::error_document("simulated failure (--fail-rank " + std::to_string(p.rank) + ")", args.fail_code,
                              args.fail_code == 5 ? "timeout" : "device_error");
  }
  gx::test::SyntheticRank spec;
  spec.hostname = p.hostname;
  spec.host = p.node;
  spec.inventory = {p.local_rank};
  spec.owned = {p.local_rank};
  spec.records.push_back(gx::test::copy_record(gx::Method::h2d_pinned, gx::kHost, p.local_rank, 55e9));
  spec.records.push_back(gx::test::copy_record(gx::Method::d2h_pinned, p.local_rank, gx::kHost, 54e9));
  for (int i = 0; i < args.records; ++i) {
    spec.records.push_back(
        gx::test::copy_record(gx::Method::h2d_pinned, gx::kHost, p.local_rank, 50e9, 5, 4096u << (i % 16)));
  }
  return gx::test::rank_report(spec);
}

void write_output(const gx::MergeResult& result, const gx::dist::Placement& me, const Args& args) {
  const gx::Json& merged = result.document;
  std::fprintf(stderr, "%s\n", gx::dist::Environment::library_version().c_str());
  for (const auto& r : merged.contains("run") ? merged["run"]["ranks"] : gx::Json::array()) {
    std::fprintf(stderr, "rank %d: host %s, local rank %s, status %s\n", r["rank"].get<int>(),
                 r["hostname"].get<std::string>().c_str(), r["local_rank"].dump().c_str(),
                 r["status"].get<std::string>().c_str());
  }
  std::fprintf(stderr, "rounds for %d ranks: %s\n", me.size,
               gx::format_schedule(gx::round_robin_rounds(me.size)).c_str());
  for (const auto& w : result.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  const std::string text = merged.dump(2) + "\n";
  if (args.output.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return;
  }
  std::ofstream out(args.output, std::ios::binary);
  out << text;
  if (!out.good()) throw gx::InputError("cannot write " + args.output);
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<gx::dist::Environment> mpi;
  try {
    mpi.emplace(&argc, &argv);
  } catch (const gx::Error& e) {
    std::fprintf(stderr, "gpuxfer_dist_probe: error: %s\n", e.what());
    return static_cast<int>(e.exit_code());
  }
  try {
    const gx::dist::Communicator world = gx::dist::Communicator::world();
    // A usage error is the same on every rank (same argv), so every rank stops here alike.
    const Args args = parse(argc, argv);
    const gx::dist::Placement me = gx::dist::compute_placement(world);
    const gx::Json doc = rank_document(me, args);
    const gx::dist::Collected collected = gx::dist::collect_reports(world, me, doc, gx::document_exit_code(doc));
    int written = 0;
    if (collected.merge_error) {
      try {
        std::rethrow_exception(collected.merge_error);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "gpuxfer_dist_probe: error: %s\n", e.what());
      }
    }
    if (me.rank == 0 && collected.merged) {
      try {
        write_output(*collected.merged, me, args);
      } catch (const gx::Error& e) {
        std::fprintf(stderr, "gpuxfer_dist_probe: error: %s\n", e.what());
        written = static_cast<int>(e.exit_code());
      }
    }
    // Nobody exits before rank 0 has written: mpirun would end the job at the first non-zero exit.
    return gx::dist::finish_run(world, collected.exit_code, written);
  } catch (const gx::Error& e) {
    std::fprintf(stderr, "gpuxfer_dist_probe: error: %s\n", e.what());
    return static_cast<int>(e.exit_code());
  }
}
