// GET /metrics: Prometheus text format. The store's running totals and size,
// the HTTP server's probe, and what the host process adds (serve: the Kafka
// consumer's batches, rejects by reason, lag per partition).
#include "http/handlers/handlers.h"
#include "ketenflow/v1/store.pb.h"
#include "model/prometheus_text.h"
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
  v1::IngestCounters counters;
  if (auto bytes = context.store.get(store::Cf::kMeta, store::kCountersKey); bytes && *bytes) {
    counters.ParseFromString(**bytes);
  }
  model::PrometheusText out;
  out.family("ketenflow_store_events", "gauge",
             "Events in the store by outcome, over the store's life.");
  out.sample("ketenflow_store_events", {{"outcome", "accepted"}}, counters.accepted());
  out.sample("ketenflow_store_events", {{"outcome", "duplicate"}}, counters.duplicates());
  out.sample("ketenflow_store_events", {{"outcome", "rejected"}}, counters.rejected());
  uint64_t sst = 0, memtables = 0;
  for (int f = 0; f < store::kCfCount; ++f) {
    sst += property(context.store, static_cast<store::Cf>(f), "rocksdb.total-sst-files-size");
    memtables +=
        property(context.store, static_cast<store::Cf>(f), "rocksdb.cur-size-all-mem-tables");
  }
  out.family("ketenflow_store_bytes", "gauge", "RocksDB size: SST files and memtables.");
  out.sample("ketenflow_store_bytes", {{"kind", "sst"}}, sst);
  out.sample("ketenflow_store_bytes", {{"kind", "memtable"}}, memtables);
  std::string text = out.take();
  text += context.probe.render();
  if (context.host.metrics) text += context.host.metrics();
  return {200, std::string(model::kPrometheusContentType), std::move(text)};
}

}  // namespace ketenflow::http::handlers
