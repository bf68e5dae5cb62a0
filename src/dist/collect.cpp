#include "dist/collect.hpp"

#include <fmt/format.h>

#include <exception>

#include "core/error.hpp"
#include "core/report_load.hpp"

namespace gx::dist {

Collected collect_reports(const Communicator& comm, const Placement& me, const Json& document, int exit_code) {
  // One message per rank: where it ran, its exit code, its document.
  const Json envelope{{"placement", placement_to_json(me)}, {"exit_code", exit_code}, {"document", document}};
  const std::vector<std::string> texts = comm.gather_strings(envelope.dump());

  Collected out;
  int final_code = 0;
  if (comm.rank() == 0) {
    try {
      std::vector<RankDocument> ranks;
      ranks.reserve(texts.size());
      int worst = 0;
      for (std::size_t r = 0; r < texts.size(); ++r) {
        const std::string name = fmt::format("rank {}", r);
        const Json received = parse_json_capped(texts[r], name);
        if (!received.is_object() || !received.contains("document") || !received.contains("exit_code") ||
            !received["exit_code"].is_number_integer()) {
          throw InputError(fmt::format("{}: malformed message (no document or exit code)", name));
        }
        const Placement p = placement_from_json(received.at("placement"));
        RankDocument d;
        d.rank = static_cast<int>(r);
        d.node = p.node;
        d.local_rank = p.local_rank;
        d.hostname = p.hostname;
        d.document = received.at("document");
        worst = worst_exit_code(worst, received.at("exit_code").get<int>());
        ranks.push_back(std::move(d));
      }
      MergeResult merged = merge_rank_reports(ranks);
      final_code = worst_exit_code(worst, merged.exit_code);
      out.merged = std::move(merged);
    } catch (const Error& e) {
      out.merge_error = std::current_exception();
      final_code = static_cast<int>(e.exit_code());
    } catch (const std::exception&) {
      // Still a verdict for the others, who wait in the broadcast below; src/cli maps an
      // internal error to 4 as well.
      out.merge_error = std::current_exception();
      final_code = static_cast<int>(ExitCode::device_error);
    }
  }
  // Rank 0's verdict to everyone, so every process of the job exits alike.
  long long shared = final_code;
  GX_MPI(MPI_Bcast(&shared, 1, MPI_LONG_LONG, 0, comm.handle()));
  out.exit_code = static_cast<int>(shared);
  return out;
}

int finish_run(const Communicator& comm, int collected_exit_code, int my_exit_code) {
  return worst_exit_code(collected_exit_code, comm.agree_exit_code(my_exit_code).exit_code);
}

}  // namespace gx::dist
