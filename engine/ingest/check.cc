#include "ingest/check.h"

#include <xxhash.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include <rocksdb/options.h>
#include <rocksdb/sst_file_reader.h>

#include "ingest/validate.h"
#include "ketenflow/v1/event.pb.h"
#include "ketenflow/v1/store.pb.h"
#include "kpi/projection.h"
#include "model/time.h"
#include "path/path.h"
#include "store/aggregate.h"
#include "store/chains.h"
#include "store/keys.h"

namespace ketenflow::ingest {
namespace {

constexpr uint64_t kProgressEvery = 100000;

class Checker {
 public:
  Checker(const store::Store& store, const std::function<void(const CheckProgress&)>& progress)
      : store_(store), progress_(progress) {}

  void problem(std::string what) {
    if (report.problems.size() < CheckReport::kMaxProblems)
      report.problems.push_back(std::move(what));
    ++report.problem_count;
  }

  void tick(std::string_view step, uint64_t done, uint64_t total) {
    if (progress_ && done % kProgressEvery == 0) progress_({step, done, total});
  }

  // Block checksums of every live table file, one file at a time so that
  // each damaged file is named.
  void table_files() {
    std::vector<rocksdb::LiveFileMetaData> files;
    store_.db()->GetLiveFilesMetaData(&files);
    std::sort(files.begin(), files.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    rocksdb::Options options;
    options.env = store_.db()->GetEnv();
    for (size_t i = 0; i < files.size(); ++i) {
      const std::string path = files[i].db_path + files[i].name;
      rocksdb::SstFileReader reader(options);
      rocksdb::Status status = reader.Open(path);
      if (status.ok()) status = reader.VerifyChecksum();
      if (!status.ok())
        problem("table file " + path + " (family " + files[i].column_family_name +
                ") is damaged: " + status.ToString());
      ++report.table_files;
      report.table_bytes += files[i].size;
      if (progress_) progress_({"table files", i + 1, files.size()});
    }
    rocksdb::Status whole = store_.db()->VerifyFileChecksums(rocksdb::ReadOptions());
    if (!whole.ok() && !whole.IsInvalidArgument() && !whole.IsNotSupported()) {
      problem("whole-file checksums: " + whole.ToString());
    }
  }

  Status meta() {
    auto chains = store::load_chains(store_);
    if (!chains) {
      problem("chain definitions: " + chains.error());
    } else {
      for (auto& chain : *chains) chains_.emplace(chain.def.id(), std::move(chain));
    }
    auto format = store_.get(store::Cf::kMeta, store::kFormatKey);
    if (!format) problem("the format version: " + format.error());
    auto counters = store_.get(store::Cf::kMeta, store::kCountersKey);
    if (!counters) {
      problem("the counters: " + counters.error());
    } else if (*counters && !counters_.ParseFromString(**counters)) {
      problem("the counters are unreadable");
    }
    const std::string prefix = store::source_meta_key("");
    auto it = store_.iterate(store::Cf::kMeta);
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      v1::SourcePosition position;
      if (!position.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
        problem("source position " + it->key().ToString() + " is unreadable");
      }
    }
    return read_status(*it, "meta");
  }

  Status events() {
    rocksdb::ReadOptions options;
    options.total_order_seek = true;
    options.fill_cache = false;
    options.readahead_size = size_t{4} << 20;
    std::unique_ptr<rocksdb::Iterator> it(
        store_.db()->NewIterator(options, store_.cf(store::Cf::kEvents)));
    std::string group;  // chain · client of the events in `events_`
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++report.events;
      tick("events", report.events, counters_.accepted());
      v1::StoredEvent stored;
      Stored e;
      if (!stored.ParseFromArray(it->value().data(), static_cast<int>(it->value().size())) ||
          !e.event.ParseFromString(stored.event())) {
        problem("the event at key " + it->key().ToString(true) + " is unreadable");
        continue;
      }
      e.seq = stored.seq();
      e.hash = XXH3_64bits(stored.event().data(), stored.event().size());
      const std::string want =
          store::event_key(e.event.chain_id(), e.event.client_ref(),
                           model::to_ms(e.event.occurred_at()), e.event.event_id());
      if (it->key() != rocksdb::Slice(want)) {
        problem("event " + e.event.event_id() + " of chain " + e.event.chain_id() +
                " is stored under another key than its content gives");
      }
      const std::string prefix = store::client_prefix(e.event.chain_id(), e.event.client_ref());
      if (prefix != group) {
        if (auto status = client(); !status) return status;
        group = prefix;
      }
      events_.push_back(std::move(e));
    }
    if (auto status = read_status(*it, "events"); !status) return status;
    if (auto status = client(); !status) return status;
    if (report.events != counters_.accepted()) {
      problem("the store holds " + std::to_string(report.events) +
              " events, its accepted counter says " + std::to_string(counters_.accepted()));
    }
    return ok_status();
  }

  Status event_ids() {
    auto it = store_.iterate(store::Cf::kEventIds);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++report.event_ids;
      tick("event ids", report.event_ids, report.events);
      v1::EventIdRecord record;
      if (!record.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
        problem("the event-id entry " + it->key().ToString(true) + " is unreadable");
      }
    }
    if (auto status = read_status(*it, "event ids"); !status) return status;
    if (report.event_ids != report.events) {
      problem("the store holds " + std::to_string(report.event_ids) + " event-id entries for " +
              std::to_string(report.events) + " events (" +
              (report.event_ids > report.events ? "some point at no stored event"
                                                : "some events have none") +
              ")");
    }
    return ok_status();
  }

  Status paths() {
    auto it = store_.iterate(store::Cf::kPaths);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++report.paths;
      tick("client paths", report.paths, report.clients);
      v1::ClientRecord record;
      if (!record.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
        problem("a client path record of chain " + chain_of(it->key().ToStringView()) +
                " is unreadable");
      }
    }
    if (auto status = read_status(*it, "client paths"); !status) return status;
    if (report.paths != report.clients) {
      problem("the store holds " + std::to_string(report.paths) + " client paths for " +
              std::to_string(report.clients) + " clients with events" +
              (report.paths > report.clients ? " (some paths have no events)" : ""));
    }
    return ok_status();
  }

  Status rejects() {
    for (store::Cf family : {store::Cf::kRejects, store::Cf::kOutbox}) {
      auto it = store_.iterate(family);
      uint64_t count = 0;
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        ++count;
        v1::Reject reject;
        if (!reject.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
          problem(std::string(family == store::Cf::kRejects ? "a reject" : "an outbox record") +
                  " at key " + it->key().ToString(true) + " is unreadable");
        }
      }
      if (auto status = read_status(*it, "rejects"); !status) return status;
      if (family == store::Cf::kRejects) report.rejects = count;
    }
    if (report.rejects != counters_.rejected()) {
      problem("the store holds " + std::to_string(report.rejects) +
              " rejects, its rejected counter says " + std::to_string(counters_.rejected()));
    }
    return ok_status();
  }

  // The stored KPI aggregates and open visits against those recomputed.
  Status projections() {
    auto it = store_.iterate(store::Cf::kKpi);
    std::set<std::string> seen;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++report.kpi_keys;
      tick("KPI aggregates", report.kpi_keys, delta_.kpi.size());
      const std::string key = it->key().ToString();
      store::Aggregate stored;
      if (!store::decode(it->value().ToStringView(), &stored)) {
        problem("the KPI aggregate " + describe_kpi(key) + " is unreadable");
        continue;
      }
      auto found = delta_.kpi.find(key);
      const bool want_empty = found == delta_.kpi.end() || found->second.empty();
      if (want_empty ? !stored.empty() : !same(stored, found->second)) {
        problem("the KPI aggregate " + describe_kpi(key) +
                " differs from the one recomputed from the client paths");
      }
      if (found != delta_.kpi.end()) found->second = store::Aggregate{};
    }
    if (auto status = read_status(*it, "KPIs"); !status) return status;
    for (const auto& [key, want] : delta_.kpi) {
      if (!want.empty()) problem("the KPI aggregate " + describe_kpi(key) + " is missing");
    }
    std::sort(delta_.wip_added.begin(), delta_.wip_added.end());
    auto wip = store_.iterate(store::Cf::kWip);
    size_t next = 0;
    uint64_t extra = 0, missing = 0;
    for (wip->SeekToFirst(); wip->Valid(); wip->Next()) {
      ++report.open_visits;
      const std::string key = wip->key().ToString();
      while (next < delta_.wip_added.size() && delta_.wip_added[next] < key) {
        ++missing;
        ++next;
      }
      if (next < delta_.wip_added.size() && delta_.wip_added[next] == key) {
        ++next;
      } else {
        ++extra;
      }
    }
    if (auto status = read_status(*wip, "open visits"); !status) return status;
    missing += delta_.wip_added.size() - next;
    if (missing || extra) {
      problem("the open-visit index disagrees with the client paths (" + std::to_string(missing) +
              " open visits missing, " + std::to_string(extra) + " that are not open)");
    }
    return ok_status();
  }

  CheckReport report;

 private:
  struct Stored {
    v1::ClientEvent event;
    uint64_t seq = 0;
    uint64_t hash = 0;
  };

  static bool same(const store::Aggregate& a, const store::Aggregate& b) {
    return a.count == b.count && a.sum_ms == b.sum_ms && a.within == b.within &&
           a.buckets == b.buckets;
  }

  static std::string chain_of(std::string_view key) {
    return std::string(key.substr(0, std::min(key.find('\0'), key.size())));
  }

  static std::string describe_kpi(const std::string& key) {
    const std::string chain = chain_of(key);
    auto parsed = store::parse_kpi_key(key, chain.size());
    if (!parsed) return "at key " + rocksdb::Slice(key).ToString(true);
    return "of chain " + chain + " on " + model::format_day(parsed->day) + " (measure " +
           std::to_string(parsed->measure) + ")";
  }

  Status read_status(const rocksdb::Iterator& it, std::string_view what) {
    if (it.status().ok()) return ok_status();
    problem("reading the " + std::string(what) + " failed: " + it.status().ToString());
    return ok_status();
  }

  // The events of one client, read: their event-id entries, their path.
  Status client() {
    if (events_.empty()) return ok_status();
    const std::string chain_id = events_[0].event.chain_id();
    const std::string client_ref = events_[0].event.client_ref();
    const std::string shown = "client " + redact(client_ref) + " of chain " + chain_id;
    ++report.clients;
    std::vector<std::string> keys;
    keys.reserve(events_.size());
    for (const Stored& e : events_)
      keys.push_back(store::event_id_key(chain_id, e.event.event_id()));
    std::vector<std::string> sorted = keys;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
      problem(shown + " has two stored events with one event id");
    }
    auto ids = store_.multi_get(store::Cf::kEventIds, keys);
    if (!ids) {
      problem(shown + ": reading its event ids failed: " + ids.error());
    } else {
      for (size_t i = 0; i < keys.size(); ++i) {
        const std::string& id = events_[i].event.event_id();
        v1::EventIdRecord record;
        if (!(*ids)[i]) {
          problem("event " + id + " of chain " + chain_id + " has no event-id entry");
        } else if (!record.ParseFromString(*(*ids)[i])) {
          problem("the event-id entry of event " + id + " of chain " + chain_id + " is unreadable");
        } else if (record.client_ref() != client_ref || record.chain_id() != chain_id) {
          problem("the event-id entry of event " + id + " of chain " + chain_id +
                  " names another client than the stored event");
        } else if (record.payload_hash() != events_[i].hash) {
          problem("the event-id entry of event " + id + " of chain " + chain_id +
                  " has another payload hash than the stored event");
        }
      }
    }

    auto found = chains_.find(chain_id);
    if (found == chains_.end()) {
      problem(std::to_string(events_.size()) + " events of " + shown +
              ": the store records no such chain");
      events_.clear();
      return ok_status();
    }
    const model::ChainModel& chain = found->second;
    std::vector<v1::PathInput> inputs;
    inputs.reserve(events_.size());
    for (const Stored& e : events_) {
      inputs.push_back(path::path_input(e.event, e.seq, chain.filter_attributes));
    }
    auto path = store_.get(store::Cf::kPaths, store::path_key(chain_id, client_ref));
    v1::ClientRecord record;
    if (!path) {
      problem(shown + ": reading its path failed: " + path.error());
    } else if (!*path) {
      problem(shown + " has " + std::to_string(events_.size()) + " events but no path");
    } else if (!record.ParseFromString(**path)) {
      problem("the path of " + shown + " is unreadable");
    } else if (serialized(record.events()) != serialized(inputs)) {
      problem("the path of " + shown + " disagrees with its events (" +
              std::to_string(record.events_size()) + " stored inputs, " +
              std::to_string(inputs.size()) + " recomputed)");
    }
    kpi::project_client_change(chain, client_ref, {}, inputs, delta_);
    events_.clear();
    return ok_status();
  }

  // Path inputs as a sorted list of their bytes: the stored order (arrival)
  // and the recomputed one (key order) differ, the set may not.
  template <typename Inputs>
  static std::vector<std::string> serialized(const Inputs& inputs) {
    std::vector<std::string> out;
    for (const v1::PathInput& in : inputs) out.push_back(in.SerializeAsString());
    std::sort(out.begin(), out.end());
    return out;
  }

  const store::Store& store_;
  const std::function<void(const CheckProgress&)>& progress_;
  std::map<std::string, model::ChainModel> chains_;
  v1::IngestCounters counters_;
  std::vector<Stored> events_;
  kpi::ProjectionDelta delta_;
};

}  // namespace

Result<CheckReport> check_store(const store::Store& store,
                                const std::function<void(const CheckProgress&)>& progress) {
  Checker checker(store, progress);
  checker.table_files();
  if (auto status = checker.meta(); !status) return Error{status.error()};
  for (auto step : {&Checker::events, &Checker::event_ids, &Checker::paths, &Checker::rejects,
                    &Checker::projections}) {
    if (auto status = (checker.*step)(); !status) return Error{status.error()};
  }
  return std::move(checker.report);
}

}  // namespace ketenflow::ingest
