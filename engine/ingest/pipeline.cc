#include "ingest/pipeline.h"

#include <chrono>
#include <unordered_map>

#include <xxhash.h>

#include "kpi/projection.h"
#include "model/event.h"
#include "model/inferred_chain.h"
#include "model/time.h"
#include "path/client_record.h"
#include "path/path.h"
#include "store/chains.h"
#include "store/keys.h"

namespace ketenflow::ingest {
namespace {

// The client_ref a kept record may show (shortened in listings): none when
// it is a raw identifier itself.
std::string shown_ref(const SourceRecord& record) {
  const std::string& ref = record.event ? record.event->client_ref() : record.undecoded_client_ref;
  if (ref.empty() || looks_like_bsn(ref) || looks_like_email(ref)) return {};
  return ref;
}

// The record as the dead-letter topic gets it, without raw identifiers:
//  - a decoded protobuf record field by field (without_identifiers, unknown
//    fields dropped) and re-serialized; the original bytes when that changes
//    nothing;
//  - an undecodable protobuf record not at all: its bytes may hold an
//    identifier in a form no text scan finds (a varint, another message), so
//    only its position, length and reason are kept;
//  - text (NDJSON, CSV, XES) with every identifier masked wherever it stands
//    (mask_identifiers, which also reads JSON \u escapes).
std::string dead_letter_record(const SourceRecord& record) {
  if (!record.raw_is_protobuf) return mask_identifiers(record.raw, shown_ref(record));
  if (!record.event) return {};
  v1::ClientEvent clean = without_identifiers(*record.event);
  clean.DiscardUnknownFields();
  std::string bytes = model::canonical_bytes(clean);
  if (bytes == model::canonical_bytes(*record.event)) return record.raw;
  return bytes;
}

// The record as the rejects family keeps it for operators: the dead-letter
// form with the client_ref shortened too (logs and listings never show a
// client_ref in full), cut to 64 KiB.
std::string listed_record(const SourceRecord& record, const std::string& dead_letter) {
  std::string out = dead_letter;
  const std::string ref = shown_ref(record);
  if (!ref.empty()) {
    if (record.raw_is_protobuf && record.event) {
      v1::ClientEvent shown = without_identifiers(*record.event);
      shown.DiscardUnknownFields();
      shown.set_client_ref(redact(ref));
      out = model::canonical_bytes(shown);
    } else {
      const std::string shown = redact(ref);
      for (size_t at = out.find(ref); at != std::string::npos;
           at = out.find(ref, at + shown.size())) {
        out.replace(at, ref.size(), shown);
      }
    }
  }
  if (out.size() > kMaxEventBytes) out.resize(kMaxEventBytes);
  return out;
}

struct Accepted {
  const SourceRecord* record;
  model::ChainModel* chain;
  std::string bytes;
  uint64_t hash;
  // The log named no partner; the inferred chain counts it as kUnknownPartner.
  bool partner_unknown = false;
};

struct ClientChange {
  model::ChainModel* chain;
  std::string client;
  std::vector<v1::PathInput> added;
};

int64_t system_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void add_counts(BatchCounts& into, const BatchCounts& from) {
  into.accepted += from.accepted;
  into.duplicates += from.duplicates;
  into.rejected += from.rejected;
  into.unknown_partner += from.unknown_partner;
  for (const auto& [code, n] : from.rejected_by_code) into.rejected_by_code[code] += n;
}

Result<std::unique_ptr<Pipeline>> Pipeline::open(store::Store& store, ChainSetup setup,
                                                 PipelineOptions options) {
  std::unique_ptr<Pipeline> pipeline(new Pipeline(store));
  pipeline->options_ = options;
  auto stored = store::load_chains(store);
  if (!stored) return Error{stored.error()};
  pipeline->chains_ = std::move(*stored);
  pipeline->chain_dirty_.assign(pipeline->chains_.size(), false);

  for (auto& chain : setup.chains) {
    if (model::ChainModel* known = pipeline->find_chain(chain.def.id())) {
      if (known->def.SerializeAsString() != chain.def.SerializeAsString()) {
        return Error{"chain \"" + chain.def.id() +
                     "\" differs from the definition this store was built with; run "
                     "`ketenflow rebuild --data DIR --chains PATH` to apply the new definition"};
      }
      continue;
    }
    pipeline->chains_.push_back(std::move(chain));
    pipeline->chain_dirty_.push_back(true);
  }
  if (!setup.infer_chain.empty()) {
    if (model::ChainModel* known = pipeline->find_chain(setup.infer_chain)) {
      if (!known->def.inferred()) {
        return Error{"chain \"" + setup.infer_chain +
                     "\" is defined by a chain file in this store; pick another name to infer"};
      }
    } else {
      auto inferred = model::make_inferred_chain(setup.infer_chain, setup.infer_time_zone);
      if (!inferred) return Error{inferred.error()};
      pipeline->chains_.push_back(std::move(*inferred));
      pipeline->chain_dirty_.push_back(true);
    }
  }

  auto counters = store.get(store::Cf::kMeta, store::kCountersKey);
  if (!counters) return Error{counters.error()};
  if (counters->has_value() && !pipeline->counters_.ParseFromString(**counters)) {
    return Error{"store meta counters are corrupt"};
  }
  return pipeline;
}

model::ChainModel* Pipeline::find_chain(const std::string& id) {
  for (auto& chain : chains_) {
    if (chain.def.id() == id) return &chain;
  }
  return nullptr;
}

Result<BatchCounts> Pipeline::apply(std::vector<SourceRecord>& records, const std::string& source,
                                    const std::vector<MetaEntry>& positions) {
  rocksdb::WriteBatch batch;
  BatchCounts counts;
  const int64_t now_ms = options_.clock ? options_.clock() : system_clock_ms();

  const auto reject = [&](const SourceRecord& record, const Rejection& why) {
    v1::Reject r;
    r.set_seq(counters_.next_reject_seq());
    // Reasons may quote the bad input; string fields must stay UTF-8.
    r.set_source(to_valid_utf8(source));
    r.set_position(to_valid_utf8(record.position));
    r.set_code(why.code);
    std::string reason = mask_identifiers(why.reason);
    if (record.raw_is_protobuf && !record.event && !record.raw.empty()) {
      reason += " (its " + std::to_string(record.raw.size()) +
                " bytes are not kept: undecodable protobuf cannot be checked for identifiers)";
    }
    r.set_reason(to_valid_utf8(reason));
    std::string dead_letter = dead_letter_record(record);
    r.set_record(listed_record(record, dead_letter));
    *r.mutable_rejected_at() = model::from_ms(now_ms);
    r.set_partition(record.partition);
    r.set_offset(record.offset);
    const std::string key = store::reject_key(r.seq());
    const std::string value = r.SerializeAsString();
    batch.Put(store_.cf(store::Cf::kRejects), key, value);
    if (options_.outbox) {
      r.set_record(std::move(dead_letter));
      batch.Put(store_.cf(store::Cf::kOutbox), key, r.SerializeAsString());
    }
    counters_.set_next_reject_seq(r.seq() + 1);
    ++counts.rejected;
    ++counts.rejected_by_code[why.code];
  };

  // 1. Decode errors, size and validation.
  std::vector<Accepted> candidates;
  candidates.reserve(records.size());
  for (SourceRecord& record : records) {
    if (record.raw.size() > kMaxEventBytes) {
      reject(record, {"too_large", "record is " + std::to_string(record.raw.size()) +
                                       " bytes; events may be at most 64 KiB"});
      continue;
    }
    if (!record.event) {
      reject(record, record.decode_error);
      continue;
    }
    v1::ClientEvent& event = *record.event;
    model::ChainModel* chain = find_chain(event.chain_id());
    const bool inferred = chain != nullptr && chain->def.inferred();
    // A process-mining log need not say who did an event: in an inferred
    // chain such an event counts under an explicit unknown partner instead of
    // being lost (and with it a transition and a case duration).
    const bool partner_unknown = inferred && event.partner_id().empty();
    if (partner_unknown) event.set_partner_id(std::string(model::kUnknownPartner));
    if (auto why =
            validate(event, chain, inferred ? Membership::kOpen : Membership::kChecked, now_ms)) {
      reject(record, *why);
      continue;
    }
    // Only what a measure reads is stored: attributes no where: reads and
    // fields this schema does not know are personal data without a use. The
    // payload hash is over what is stored.
    keep_read_attributes(event, *chain);
    event.DiscardUnknownFields();
    std::string bytes = model::canonical_bytes(event);
    const uint64_t hash = XXH3_64bits(bytes.data(), bytes.size());
    candidates.push_back({&record, chain, std::move(bytes), hash, partner_unknown});
  }

  // 2. Dedupe against this batch and the store.
  std::vector<std::string> lookup;
  std::unordered_map<std::string, size_t> lookup_index;
  const auto want = [&](std::string key) {
    if (lookup_index.emplace(key, lookup.size()).second) lookup.push_back(std::move(key));
  };
  for (const Accepted& a : candidates) {
    const v1::ClientEvent& e = *a.record->event;
    want(store::event_id_key(e.chain_id(), e.event_id()));
  }
  auto found = store_.multi_get(store::Cf::kEventIds, lookup);
  if (!found) return Error{found.error()};
  std::unordered_map<std::string, v1::EventIdRecord> known;
  for (size_t i = 0; i < lookup.size(); ++i) {
    if (!(*found)[i]) continue;
    v1::EventIdRecord rec;
    if (!rec.ParseFromString(*(*found)[i])) return Error{"store event_ids entry is corrupt"};
    known.emplace(lookup[i], std::move(rec));
  }

  std::unordered_map<std::string, ClientChange> changes;
  for (Accepted& a : candidates) {
    const v1::ClientEvent& e = *a.record->event;
    std::string id_key = store::event_id_key(e.chain_id(), e.event_id());
    if (auto it = known.find(id_key); it != known.end()) {
      if (it->second.payload_hash() == a.hash) {
        ++counts.duplicates;
      } else {
        reject(*a.record,
               {"event_id_conflict",
                "event_id " + e.event_id() + " was already accepted with a different payload"});
      }
      continue;
    }
    // An inferred chain grows with the accepted events only.
    if (a.chain->def.inferred() &&
        model::extend_inferred_chain(*a.chain, e.type(), e.partner_id())) {
      chain_dirty_[a.chain - chains_.data()] = true;
    }
    const uint64_t seq = counters_.next_seq();
    counters_.set_next_seq(seq + 1);
    v1::EventIdRecord id_record;
    id_record.set_chain_id(e.chain_id());
    id_record.set_client_ref(e.client_ref());
    id_record.set_payload_hash(a.hash);
    batch.Put(store_.cf(store::Cf::kEventIds), id_key, id_record.SerializeAsString());
    known.emplace(std::move(id_key), std::move(id_record));

    v1::StoredEvent stored;
    stored.set_event(std::move(a.bytes));
    stored.set_seq(seq);
    stored.set_stored_ms(now_ms);
    const int64_t occurred = model::to_ms(e.occurred_at());
    batch.Put(store_.cf(store::Cf::kEvents),
              store::event_key(e.chain_id(), e.client_ref(), occurred, e.event_id()),
              stored.SerializeAsString());

    auto [it, inserted] = changes.try_emplace(store::path_key(e.chain_id(), e.client_ref()));
    if (inserted) {
      it->second.chain = a.chain;
      it->second.client = e.client_ref();
    }
    it->second.added.push_back(path::path_input(e, seq, a.chain->filter_attributes));
    ++counts.accepted;
    counts.unknown_partner += a.partner_unknown;
  }

  // 3. Rebuild every touched client's path and project the change. The paths
  // value grows by appending the new events (path/client_record.h).
  std::vector<std::string> path_keys;
  path_keys.reserve(changes.size());
  for (const auto& [key, change] : changes) path_keys.push_back(key);
  auto stored_paths = store_.multi_get(store::Cf::kPaths, path_keys);
  if (!stored_paths) return Error{stored_paths.error()};
  kpi::ProjectionDelta delta;
  std::vector<v1::PathInput> events;
  std::string record;
  for (size_t i = 0; i < path_keys.size(); ++i) {
    ClientChange& change = changes[path_keys[i]];
    events.clear();
    record.clear();
    if (auto& value = (*stored_paths)[i]) record = std::move(*value);
    if (!path::parse_client_record(record, events)) {
      return Error{"store path record is corrupt"};
    }
    const size_t before = events.size();
    for (auto& in : change.added) {
      path::append_path_input(in, record);
      events.push_back(std::move(in));
    }
    kpi::project_client_change(*change.chain, change.client, std::span(events).first(before),
                               events, delta);
    batch.Put(store_.cf(store::Cf::kPaths), path_keys[i], record);
  }
  kpi::write_projection(store_, delta, batch);

  // 4. Chains that grew, counters and the source position.
  for (size_t i = 0; i < chains_.size(); ++i) {
    if (!chain_dirty_[i]) continue;
    store::put_chain(store_, batch, chains_[i].def);
  }
  counters_.set_accepted(counters_.accepted() + counts.accepted);
  counters_.set_duplicates(counters_.duplicates() + counts.duplicates);
  counters_.set_rejected(counters_.rejected() + counts.rejected);
  batch.Put(store_.cf(store::Cf::kMeta), store::kCountersKey, counters_.SerializeAsString());
  for (const MetaEntry& entry : positions) {
    batch.Put(store_.cf(store::Cf::kMeta), entry.key, entry.value);
  }

  if (auto status = store_.write(batch); !status) return Error{status.error()};
  chain_dirty_.assign(chains_.size(), false);
  return counts;
}

}  // namespace ketenflow::ingest
