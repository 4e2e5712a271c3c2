#include "connectors/xes/xes_format.h"

#include "connectors/xes/xes_reader.h"

namespace ketenflow::xes {
namespace {

class XesFileReader final : public ingest::FileReader {
 public:
  XesFileReader(std::unique_ptr<XesReader> xes, size_t batch_records, uint64_t offset,
                uint64_t traces)
      : xes_(std::move(xes)),
        batch_records_(batch_records),
        offset_(offset),
        traces_(traces),
        finished_(offset > 0 && offset == xes_->size()) {}

  Result<bool> next(std::vector<ingest::SourceRecord>& out) override {
    out.clear();
    // A finished log is not read again.
    if (finished_) return false;
    auto more = xes_->next(out, batch_records_);
    if (!more) return Error{more.error()};
    offset_ = xes_->offset();
    traces_ = xes_->traces();
    return *more;
  }
  uint64_t offset() const override { return offset_; }
  uint64_t lines() const override { return traces_; }
  uint64_t size() const override { return xes_->size(); }
  uint64_t skipped_events() const override { return xes_->skipped_events(); }
  uint64_t local_times() const override { return xes_->local_times(); }

 private:
  std::unique_ptr<XesReader> xes_;
  size_t batch_records_;
  uint64_t offset_;
  uint64_t traces_;
  bool finished_;
};

Result<std::unique_ptr<ingest::FileReader>> open_xes(const std::string& path,
                                                     const ingest::FileReadOptions& options,
                                                     uint64_t offset, uint64_t traces) {
  XesOptions xes;
  xes.chain_id = options.csv.chain_id;
  xes.zone = options.csv.zone;
  xes.lifecycle = options.lifecycle;
  xes.partner_attribute = options.csv.partner_column;
  xes.resource_attribute = options.csv.resource_column;
  auto opened = XesReader::open(path, xes, traces);
  if (!opened) return Error{opened.error()};
  if (offset > (*opened)->size())
    return ingest::replaced_file_error(path, offset, (*opened)->size());
  return std::unique_ptr<ingest::FileReader>(
      std::make_unique<XesFileReader>(std::move(*opened), options.batch_records, offset, traces));
}

}  // namespace

ingest::InputFormat xes_format() {
  ingest::InputFormat format;
  format.name = "xes";
  format.extensions = {".xes", ".xes.gz"};
  format.chainless_records = "XES traces";
  format.publishable = false;
  format.open = open_xes;
  return format;
}

}  // namespace ketenflow::xes
