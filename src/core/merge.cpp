#include "core/merge.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "core/bench_model.hpp"
#include "core/error.hpp"
#include "core/health_json.hpp"
#include "core/model.hpp"
#include "core/cache_fit.hpp"
#include "core/record_json.hpp"

namespace gx {
namespace {

// One rank's document, read and checked, with its GPUs' global ids once they are assigned.
struct Rank {
  const RankDocument* in = nullptr;
  std::string who;  // "rank 3", for messages
  std::string hostname;
  std::string host_key;  // ranks with equal keys share a host
  bool report = false;   // false: an error document
  std::string status;    // "ok", "ended_early" or "error"
  int exit_code = 0;
  std::string reason;      // why it ended early or failed; "" when ok
  std::string error_kind;  // error documents only
  // Report ranks only:
  const Json* run = nullptr;
  SystemInfo system;
  std::vector<Record> records;
  const Json* records_json = nullptr;
  std::vector<int> owned;        // CUDA ordinals this rank measures, in system.gpus order
  std::map<int, int> to_global;  // CUDA ordinal -> global id, for every inventory GPU some rank owns
  std::vector<int> gpus;         // global ids of `owned`
  int host = -1;                 // index into the merged hosts
};

[[noreturn]] void fail(const Rank& r, const std::string& what) {
  throw InputError(fmt::format("{}: {}", r.who, what));
}

std::optional<int> int_field(const Json& object, const char* key, const Rank& r, const std::string& path) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer()) fail(r, fmt::format("{}{}: expected an integer (got {})", path, key, it->type_name()));
  const auto v = it->get<std::int64_t>();
  if (v < -2147483647 || v > 2147483647) fail(r, fmt::format("{}{}: {} is out of range", path, key, v));
  return static_cast<int>(v);
}

std::string string_field(const Json& object, const char* key, const Rank& r, const std::string& path, bool required) {
  const auto it = object.find(key);
  if (it == object.end()) {
    if (required) fail(r, fmt::format("{}{}: missing", path, key));
    return "";
  }
  if (!it->is_string()) fail(r, fmt::format("{}{}: expected a string (got {})", path, key, it->type_name()));
  return it->get<std::string>();
}

void check_header(const Json& doc, const Rank& r) {
  if (!doc.is_object()) fail(r, "not a gpuxfer report (top level is not an object)");
  const auto schema = doc.find("schema");
  if (schema == doc.end() || !schema->is_string() || *schema != kReportSchema) {
    fail(r, fmt::format("not a gpuxfer report (schema is not \"{}\")", kReportSchema));
  }
  const auto version = doc.find("schema_version");
  if (version == doc.end() || !version->is_object()) fail(r, "schema_version must be {\"major\": int, \"minor\": int}");
  const auto major = int_field(*version, "major", r, "schema_version.");
  const auto minor = int_field(*version, "minor", r, "schema_version.");
  if (!major || !minor) fail(r, "schema_version must be {\"major\": int, \"minor\": int}");
  if (*major != kReportSchemaMajor) {
    fail(r, fmt::format("schema version {}.{}: this gpuxfer merges {}.x", *major, *minor, kReportSchemaMajor));
  }
}

void read_error_document(const Json& doc, Rank& r) {
  const Json& error = doc.at("error");
  if (!error.is_object()) fail(r, "error: expected an object");
  r.report = false;
  r.status = "error";
  const auto code = int_field(error, "exit_code", r, "error.");
  r.exit_code = code.value_or(1);
  r.reason = string_field(error, "message", r, "error.", false);
  r.error_kind = string_field(error, "kind", r, "error.", false);
}

void read_report(const Json& doc, Rank& r) {
  r.report = true;
  r.status = "ok";
  for (const char* key : {"run", "system", "records"}) {
    if (!doc.contains(key)) fail(r, fmt::format("{}: missing", key));
  }
  r.run = &doc.at("run");
  if (!r.run->is_object()) fail(r, "run: expected an object");
  (void)string_field(*r.run, "started_utc", r, "run.", true);
  if (r.run->contains("options") && !r.run->at("options").is_object()) fail(r, "run.options: expected an object");
  if (const auto early = r.run->find("ended_early"); early != r.run->end()) {
    if (!early->is_object()) fail(r, "run.ended_early: expected an object");
    r.status = "ended_early";
    r.exit_code = int_field(*early, "exit_code", r, "run.ended_early.").value_or(1);
    r.reason = string_field(*early, "reason", r, "run.ended_early.", false);
  }
  try {
    r.system = system_from_json(doc.at("system"));
    r.records = records_from_json(doc.at("records"));
    // 1.6+: each rank reads the health of its own GPUs before and after its cases.
    if (const auto health = doc.find("health"); health != doc.end()) r.system.health = health_from_json(*health);
    // Each rank's own GPUs, before their ids become global (core/cache_fit).
    assign_l2_bytes(r.records, r.system);
  } catch (const InputError& e) {
    fail(r, e.what());
  }
  r.records_json = &doc.at("records");
  if (r.hostname.empty()) r.hostname = string_field(*r.run, "hostname", r, "run.", false);
  if (r.hostname.empty()) r.hostname = r.system.hostname;

  // The GPUs the rank owns: run.options.devices, else its whole inventory.
  std::set<int> inventory;
  for (const auto& d : r.system.devices) {
    if (!inventory.insert(d.index).second) fail(r, fmt::format("system.gpus lists GPU {} twice", d.index));
  }
  const Json* devices = nullptr;
  if (r.run->contains("options") && r.run->at("options").contains("devices")) {
    devices = &r.run->at("options").at("devices");
  }
  std::set<int> wanted;
  if (devices != nullptr) {
    if (!devices->is_array()) fail(r, "run.options.devices: expected an array");
    for (const Json& v : *devices) {
      // get<int>() of a float or a huge number is a plain cast; ordinals are small integers.
      if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > 1000000) {
        fail(r, fmt::format("run.options.devices: {} is not a CUDA ordinal", v.dump()));
      }
      const int ordinal = v.get<int>();
      if (inventory.count(ordinal) == 0) {
        fail(r, fmt::format("run.options.devices names GPU {}, which is not in its system.gpus", ordinal));
      }
      wanted.insert(ordinal);
    }
  }
  for (const auto& d : r.system.devices) {
    if (devices == nullptr || wanted.count(d.index) > 0) r.owned.push_back(d.index);
  }
}

// Options that must agree between ranks: everything but which GPUs a rank saw and owned.
Json shared_options(const Rank& r) {
  if (!r.run->contains("options")) return Json::object();
  Json o = r.run->at("options");
  o.erase("devices");
  o.erase("cuda_visible_devices");
  return o;
}

void check_same_command(const Rank& base, const Rank& r) {
  const Json a = shared_options(base);
  const Json b = shared_options(r);
  if (a == b) return;
  std::vector<std::string> keys;
  for (const auto& [key, value] : a.items()) keys.push_back(key);
  for (const auto& [key, value] : b.items()) {
    if (!a.contains(key)) keys.push_back(key);
  }
  for (const auto& key : keys) {
    const Json va = a.contains(key) ? a.at(key) : Json("(absent)");
    const Json vb = b.contains(key) ? b.at(key) : Json("(absent)");
    if (va != vb) {
      fail(r, fmt::format("run.options.{} is {} but {}'s is {}: the ranks ran different commands", key, vb.dump(),
                          base.who, va.dump()));
    }
  }
}

const Rank& rank_named(const std::vector<Rank>& ranks, int rank, const Rank& from, const std::string& where) {
  for (const Rank& r : ranks) {
    if (r.in->rank == rank) {
      if (!r.report) fail(from, fmt::format("{}: rank {} failed and has no GPUs", where, rank));
      return r;
    }
  }
  fail(from, fmt::format("{}: there is no rank {}", where, rank));
}

int to_global(const std::vector<Rank>& ranks, const Rank& from, int ordinal, int owner_rank, const std::string& where) {
  if (ordinal == kHost) return kHost;
  const Rank& owner = owner_rank == from.in->rank ? from : rank_named(ranks, owner_rank, from, where);
  const auto it = owner.to_global.find(ordinal);
  if (it == owner.to_global.end()) {
    fail(from, fmt::format("{}: GPU {} of rank {} is not a GPU any rank owns", where, ordinal, owner_rank));
  }
  return it->second;
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

// Direction names carry CUDA ordinals ("0->1", "1->host->2", "h2d 0", "GPU 3", joined with
// "+"); they are rewritten to global ids like the record's endpoints. Stream numbers ("piece 0")
// and names this does not know stay as they are.
std::string reindex_name(const std::string& name, const std::function<std::optional<int>(int)>& map,
                         std::optional<std::pair<int, int>> endpoints_local,
                         std::optional<std::pair<int, int>> endpoints_global) {
  auto number = [&](const std::string& token) -> std::string {
    if (!all_digits(token) || token.size() > 9) return token;
    const auto global = map(std::stoi(token));
    return global ? std::to_string(*global) : token;
  };
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto plus = name.find('+', start);
    std::string part = name.substr(start, plus == std::string::npos ? std::string::npos : plus - start);
    std::vector<std::string> tokens;
    for (std::size_t from = 0;;) {
      const auto arrow = part.find("->", from);
      tokens.push_back(part.substr(from, arrow == std::string::npos ? std::string::npos : arrow - from));
      if (arrow == std::string::npos) break;
      from = arrow + 2;
    }
    if (tokens.size() > 1) {
      // "a->b" where a and b are the record's src and dst: positional, which stays right when a
      // transfer between ranks has the same ordinal at both ends ("0->0").
      if (tokens.size() == 2 && endpoints_local && endpoints_global && all_digits(tokens[0]) && all_digits(tokens[1]) &&
          tokens[0].size() < 10 && tokens[1].size() < 10) {
        const std::pair<int, int> local{std::stoi(tokens[0]), std::stoi(tokens[1])};
        if (local == *endpoints_local) {
          tokens = {std::to_string(endpoints_global->first), std::to_string(endpoints_global->second)};
        } else if (local == std::make_pair(endpoints_local->second, endpoints_local->first)) {
          tokens = {std::to_string(endpoints_global->second), std::to_string(endpoints_global->first)};
        } else {
          for (auto& t : tokens) t = number(t);
        }
      } else {
        for (auto& t : tokens) t = number(t);
      }
      part = fmt::format("{}", fmt::join(tokens, "->"));
    } else {
      const auto space = part.find(' ');
      if (space != std::string::npos) {
        const std::string word = part.substr(0, space);
        if (word == "h2d" || word == "d2h" || word == "GPU" || word == "to" || word == "from") {
          part = word + " " + number(part.substr(space + 1));
        }
      }
    }
    parts.push_back(std::move(part));
    if (plus == std::string::npos) break;
    start = plus + 1;
  }
  return fmt::format("{}", fmt::join(parts, "+"));
}

// The rank that owns an endpoint of record i: the optional key (src_rank, dst_rank), else the
// document's rank.
int endpoint_rank(const Json& record, const char* key, const Rank& r, std::size_t i) {
  if (!record.is_object()) return r.in->rank;
  return int_field(record, key, r, fmt::format("records[{}].", i)).value_or(r.in->rank);
}

Record reindex_record(const std::vector<Rank>& ranks, const Rank& r, std::size_t i) {
  Record rec = r.records[i];
  // Resolved into global ids below; the merged document does not carry them.
  rec.src_rank.reset();
  rec.dst_rank.reset();
  const Json& json = r.records_json->at(i);
  const std::string where = fmt::format("records[{}]", i);
  Case& c = rec.test;
  const int src_rank = endpoint_rank(json, "src_rank", r, i);
  const int dst_rank = endpoint_rank(json, "dst_rank", r, i);
  const int src_local = c.src;
  const int dst_local = c.dst;
  c.src = to_global(ranks, r, src_local, src_rank, where + ".src");
  c.dst = to_global(ranks, r, dst_local, dst_rank, where + ".dst");
  std::vector<int> device_ranks(c.devices.size(), r.in->rank);
  if (json.is_object() && json.contains("device_ranks")) {
    const Json& dr = json.at("device_ranks");
    if (!dr.is_array() || dr.size() != c.devices.size()) {
      fail(r, fmt::format("{}.device_ranks: expected an array as long as devices ({})", where, c.devices.size()));
    }
    for (std::size_t k = 0; k < dr.size(); ++k) {
      if (!dr[k].is_number_integer() || dr[k].get<std::int64_t>() < 0 || dr[k].get<std::int64_t>() > 2147483647) {
        fail(r, fmt::format("{}.device_ranks[{}]: expected a rank", where, k));
      }
      device_ranks[k] = dr[k].get<int>();
    }
  }
  for (std::size_t k = 0; k < c.devices.size(); ++k) {
    c.devices[k] = to_global(ranks, r, c.devices[k], device_ranks[k], fmt::format("{}.devices[{}]", where, k));
  }
  // Ordinals in names: the record's own endpoints first (they may be another rank's), then the
  // document's rank.
  const auto map = [&](int ordinal) -> std::optional<int> {
    if (ordinal == src_local && src_rank != r.in->rank) return c.src;
    if (ordinal == dst_local && dst_rank != r.in->rank) return c.dst;
    const auto it = r.to_global.find(ordinal);
    if (it == r.to_global.end()) return std::nullopt;
    return it->second;
  };
  std::optional<std::pair<int, int>> local;
  std::optional<std::pair<int, int>> global;
  if (src_local != kHost && dst_local != kHost) {
    local = std::make_pair(src_local, dst_local);
    global = std::make_pair(c.src, c.dst);
  }
  for (auto& d : rec.directions) d.name = reindex_name(d.name, map, local, global);
  return rec;
}

std::string describe(const Rank& r) {
  return fmt::format("{} ({}): {}", r.who, r.hostname.empty() ? "unknown host" : r.hostname,
                     r.reason.empty() ? "no reason given" : r.reason);
}

// The first rank with the worst exit code, and how many others also did not finish.
std::string worst_reason(const std::vector<Rank>& ranks, int worst) {
  const Rank* first = nullptr;
  int others = 0;
  for (const Rank& r : ranks) {
    if (r.exit_code == 0) continue;
    if (first == nullptr && r.exit_code == worst) {
      first = &r;
    } else {
      ++others;
    }
  }
  std::string text = first != nullptr ? describe(*first) : "";
  if (others > 0) text += fmt::format("; {} more rank(s) ended early or failed (see run.ranks)", others);
  return text;
}

Json error_kind_json(const std::string& kind) {
  return is_error_kind_name(kind) ? Json(kind) : Json("error");
}

}  // namespace

int worst_exit_code(int a, int b) {
  return std::max(a, b);
}

int document_exit_code(const Json& document) {
  if (!document.is_object()) return 0;
  if (const auto error = document.find("error"); error != document.end() && error->is_object()) {
    const auto code = error->find("exit_code");
    return code != error->end() && code->is_number_integer() ? code->get<int>() : 1;
  }
  if (const auto run = document.find("run"); run != document.end() && run->is_object()) {
    if (const auto early = run->find("ended_early"); early != run->end() && early->is_object()) {
      const auto code = early->find("exit_code");
      return code != early->end() && code->is_number_integer() ? code->get<int>() : 1;
    }
  }
  return 0;
}

MergeResult merge_rank_reports(const std::vector<RankDocument>& inputs) {
  if (inputs.empty()) throw InputError("merge: no rank documents");
  std::vector<const RankDocument*> sorted;
  for (const auto& in : inputs) sorted.push_back(&in);
  std::sort(sorted.begin(), sorted.end(),
            [](const RankDocument* a, const RankDocument* b) { return a->rank < b->rank; });
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i]->rank < 0) throw InputError(fmt::format("merge: rank {} is negative", sorted[i]->rank));
    if (i > 0 && sorted[i]->rank == sorted[i - 1]->rank) {
      throw InputError(fmt::format("merge: two documents of rank {}", sorted[i]->rank));
    }
  }

  // Read every document.
  std::vector<Rank> ranks(sorted.size());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    Rank& r = ranks[i];
    r.in = sorted[i];
    r.who = fmt::format("rank {}", r.in->rank);
    r.hostname = r.in->hostname;
    check_header(r.in->document, r);
    if (r.in->document.contains("error")) {
      read_error_document(r.in->document, r);
    } else {
      read_report(r.in->document, r);
    }
    if (r.hostname.empty()) r.hostname = "unknown";
    r.host_key = r.in->node >= 0 ? fmt::format("node {}", r.in->node) : "host " + r.hostname;
  }

  MergeResult result;
  int worst = 0;
  for (const Rank& r : ranks) worst = worst_exit_code(worst, r.exit_code);
  result.exit_code = worst;

  const Rank* base = nullptr;  // the first rank with a report: rank 0 unless it failed
  for (const Rank& r : ranks) {
    if (r.report) {
      base = &r;
      break;
    }
  }
  if (base == nullptr) {
    const Rank* first = nullptr;
    for (const Rank& r : ranks) {
      if (r.exit_code == worst) {
        first = &r;
        break;
      }
    }
    result.document = error_document(fmt::format("every rank failed: {}", worst_reason(ranks, worst)),
                                     worst == 0 ? 1 : worst, error_kind_json(first->error_kind).get<std::string>());
    result.exit_code = worst == 0 ? 1 : worst;
    return result;
  }

  for (const Rank& r : ranks) {
    if (!r.report || &r == base) continue;
    check_same_command(*base, r);
    const Json& tool_a = base->in->document.contains("tool") ? base->in->document.at("tool") : Json();
    const Json& tool_b = r.in->document.contains("tool") ? r.in->document.at("tool") : Json();
    if (tool_a != tool_b) {
      result.warnings.push_back(fmt::format("{} ran a different gpuxfer build ({}) than {} ({})", r.who, tool_b.dump(),
                                            base->who, tool_a.dump()));
    }
  }

  // Hosts, in order of their first rank with a report.
  std::vector<std::string> host_keys;
  std::vector<const Rank*> host_first;
  for (Rank& r : ranks) {
    if (!r.report) continue;
    const auto it = std::find(host_keys.begin(), host_keys.end(), r.host_key);
    if (it == host_keys.end()) {
      r.host = static_cast<int>(host_keys.size());
      host_keys.push_back(r.host_key);
      host_first.push_back(&r);
    } else {
      r.host = static_cast<int>(it - host_keys.begin());
    }
  }
  for (Rank& r : ranks) {
    if (r.report) continue;
    const auto it = std::find(host_keys.begin(), host_keys.end(), r.host_key);
    if (it == host_keys.end()) continue;
    r.host = static_cast<int>(it - host_keys.begin());
    // A failed rank on a known node: that node's name, not "unknown".
    if (r.hostname == "unknown") r.hostname = host_first[static_cast<std::size_t>(r.host)]->hostname;
  }

  // Global ids, rank-major. A GPU is the same GPU when host and UUID agree.
  struct Owner {
    const Rank* rank;
    int global;
  };
  std::map<std::string, Owner> owners;
  std::vector<std::pair<const Rank*, const DeviceInfo*>> gpus;  // by global id
  auto gpu_key = [](const Rank& r, const DeviceInfo& d) {
    return d.uuid.empty() ? fmt::format("{}\n{}#{}", r.host_key, r.who, d.index) : r.host_key + "\n" + d.uuid;
  };
  for (Rank& r : ranks) {
    if (!r.report) continue;
    for (int ordinal : r.owned) {
      const auto d = std::find_if(r.system.devices.begin(), r.system.devices.end(),
                                  [&](const DeviceInfo& x) { return x.index == ordinal; });
      const std::string key = gpu_key(r, *d);
      const auto [it, inserted] = owners.emplace(key, Owner{&r, static_cast<int>(gpus.size())});
      if (!inserted) {
        fail(r, fmt::format("GPU {} ({}) on {} is also owned by {}: two ranks must not drive one GPU", ordinal, d->uuid,
                            r.hostname, it->second.rank->who));
      }
      r.gpus.push_back(static_cast<int>(gpus.size()));
      gpus.emplace_back(&r, &*d);
    }
  }
  for (Rank& r : ranks) {
    if (!r.report) continue;
    for (const auto& d : r.system.devices) {
      const auto it = owners.find(gpu_key(r, d));
      if (it != owners.end()) r.to_global[d.index] = it->second.global;
    }
  }

  // System: rank 0's host fields, every rank's GPUs, the pairs the ranks' inventories describe.
  SystemInfo system = base->system;
  system.devices.clear();
  system.pairs.clear();
  for (std::size_t g = 0; g < gpus.size(); ++g) {
    DeviceInfo d = *gpus[g].second;
    d.index = static_cast<int>(g);
    system.devices.push_back(std::move(d));
  }
  std::map<std::pair<int, int>, PairInfo> pairs;
  for (const Rank& r : ranks) {
    if (!r.report) continue;
    for (const auto& p : r.system.pairs) {
      const auto s = r.to_global.find(p.src);
      const auto d = r.to_global.find(p.dst);
      if (s == r.to_global.end() || d == r.to_global.end()) continue;
      PairInfo q = p;
      q.src = s->second;
      q.dst = d->second;
      pairs.emplace(std::make_pair(q.src, q.dst), std::move(q));
    }
  }
  for (auto& [key, p] : pairs) system.pairs.push_back(std::move(p));

  // Health: each GPU's entry from the rank that owns it (the rank that read it around its own
  // cases), under its global id; GPUs no rank measured have no entry, as in a one-host run.
  std::vector<GpuHealth> health;
  for (std::size_t g = 0; g < gpus.size(); ++g) {
    const Rank& owner = *gpus[g].first;
    const DeviceInfo& d = *gpus[g].second;
    const auto it = std::find_if(owner.system.health.begin(), owner.system.health.end(), [&](const GpuHealth& h) {
      return d.uuid.empty() || h.uuid.empty() ? h.index == d.index : h.uuid == d.uuid;
    });
    if (it == owner.system.health.end()) continue;
    GpuHealth entry = *it;
    entry.index = static_cast<int>(g);
    health.push_back(std::move(entry));
  }

  Json system_json = system_to_json(system);
  for (std::size_t g = 0; g < gpus.size(); ++g) {
    Json& gpu = system_json["gpus"][g];
    const Rank& owner = *gpus[g].first;
    gpu["host"] = owner.host;
    gpu["hostname"] = owner.hostname;
    gpu["rank"] = owner.in->rank;
    gpu["local_index"] = gpus[g].second->index;
  }
  Json hosts = Json::array();
  for (std::size_t h = 0; h < host_keys.size(); ++h) {
    SystemInfo host = host_first[h]->system;
    host.devices.clear();
    host.pairs.clear();
    host.hostname = host_first[h]->hostname;
    Json entry = system_to_json(host);
    entry.erase("gpus");
    entry.erase("pairs");
    Json host_ranks = Json::array();
    Json host_gpus = Json::array();
    for (const Rank& r : ranks) {
      if (r.host != static_cast<int>(h)) continue;
      host_ranks.push_back(r.in->rank);
      for (int g : r.gpus) host_gpus.push_back(g);
    }
    entry["ranks"] = host_ranks;
    entry["gpus"] = host_gpus;
    hosts.push_back(std::move(entry));
  }
  system_json["hosts"] = hosts;

  // Records, rank by rank.
  std::vector<Record> records;
  for (const Rank& r : ranks) {
    if (!r.report) continue;
    for (std::size_t i = 0; i < r.records.size(); ++i) records.push_back(reindex_record(ranks, r, i));
  }

  // Run: rank 0's, over the span of every rank.
  RunInfo run;
  run.started_utc = string_field(*base->run, "started_utc", *base, "run.", true);
  run.finished_utc = string_field(*base->run, "finished_utc", *base, "run.", false);
  run.hostname = base->hostname;
  if (base->run->contains("argv")) {
    try {
      run.argv = base->run->at("argv").get<std::vector<std::string>>();
    } catch (const Json::exception&) {
      fail(*base, "run.argv: expected an array of strings");
    }
  }
  run.options = base->run->contains("options") ? base->run->at("options") : Json::object();
  for (const Rank& r : ranks) {
    if (!r.report) continue;
    // ISO 8601 UTC strings of one format order as text.
    const std::string started = string_field(*r.run, "started_utc", r, "run.", true);
    const std::string finished = string_field(*r.run, "finished_utc", r, "run.", false);
    if (started < run.started_utc) run.started_utc = started;
    if (finished > run.finished_utc) run.finished_utc = finished;
  }
  Json global_ids = Json::array();
  for (std::size_t g = 0; g < gpus.size(); ++g) global_ids.push_back(g);
  run.options["devices"] = global_ids;
  Json run_json = run_to_json(run);
  if (worst != 0) run_json["ended_early"] = Json{{"exit_code", worst}, {"reason", worst_reason(ranks, worst)}};
  Json rank_list = Json::array();
  for (const Rank& r : ranks) {
    Json entry;
    entry["rank"] = r.in->rank;
    entry["hostname"] = r.hostname;
    entry["host"] = r.host >= 0 ? Json(r.host) : Json(nullptr);
    entry["local_rank"] = r.in->local_rank >= 0 ? Json(r.in->local_rank) : Json(nullptr);
    entry["gpus"] = r.gpus;
    entry["local_devices"] = r.owned;
    Json visible = nullptr;
    if (r.report && r.run->contains("options") && r.run->at("options").contains("cuda_visible_devices")) {
      visible = r.run->at("options").at("cuda_visible_devices");
    }
    entry["cuda_visible_devices"] = visible;
    entry["status"] = r.status;
    entry["exit_code"] = r.exit_code;
    entry["reason"] = r.reason.empty() ? Json(nullptr) : Json(r.reason);
    entry["records"] = r.records.size();
    rank_list.push_back(std::move(entry));
  }
  run_json["ranks"] = rank_list;

  Json doc = make_report(run, SystemInfo{}, records_to_json(records));
  doc["run"] = std::move(run_json);
  doc["system"] = std::move(system_json);
  if (!health.empty()) doc["health"] = health_to_json(health);
  result.document = std::move(doc);
  return result;
}

}  // namespace gx
