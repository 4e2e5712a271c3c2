// GET /metrics: Prometheus text format. The store's running totals and size,
// the HTTP server's probe, and what the host process adds (serve: the Kafka
// consumer's batches, rejects by reason, lag per partition).
#include <fmt/format.h>

#include "http/handlers/handlers.h"
#include "ketenflow/v1/store.pb.h"
#include "store/keys.h"

namespace ketenflow::http::handlers {
namespace {

uint64_t property(const store::Store& store, store::Cf family, const char* name) {
  uint64_t value = 0;
  store.db()->GetIntProperty(store.cf(family), name, &value);
  return value;
}

}  // namespace

ApiReply metrics(const ApiContext& context, const ApiRequest&) {
  std::string out;
  v1::IngestCounters counters;
  if (auto bytes = context.store.get(store::Cf::kMeta, store::kCountersKey); bytes && *bytes) {
    counters.ParseFromString(**bytes);
  }
  out +=
      "# HELP ketenflow_store_events Events in the store by outcome, over the store's life.\n"
      "# TYPE ketenflow_store_events gauge\n";
  out += fmt::format("ketenflow_store_events{{outcome=\"accepted\"}} {}\n", counters.accepted());
  out += fmt::format("ketenflow_store_events{{outcome=\"duplicate\"}} {}\n", counters.duplicates());
  out += fmt::format("ketenflow_store_events{{outcome=\"rejected\"}} {}\n", counters.rejected());
  uint64_t sst = 0, memtables = 0;
  for (int f = 0; f < store::kCfCount; ++f) {
    sst += property(context.store, static_cast<store::Cf>(f), "rocksdb.total-sst-files-size");
    memtables +=
        property(context.store, static_cast<store::Cf>(f), "rocksdb.cur-size-all-mem-tables");
  }
  out +=
      "# HELP ketenflow_store_bytes RocksDB size: SST files and memtables.\n"
      "# TYPE ketenflow_store_bytes gauge\n";
  out += fmt::format("ketenflow_store_bytes{{kind=\"sst\"}} {}\n", sst);
  out += fmt::format("ketenflow_store_bytes{{kind=\"memtable\"}} {}\n", memtables);
  out += context.probe.render();
  if (context.host.metrics) out += context.host.metrics();
  return {200, "text/plain; version=0.0.4; charset=utf-8", out};
}

}  // namespace ketenflow::http::handlers
