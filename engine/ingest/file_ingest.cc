#include "ingest/file_ingest.h"

#include <filesystem>

#include "store/keys.h"

namespace ketenflow::ingest {

Result<FileIngestResult> ingest_file(Pipeline& pipeline, const store::Store& store,
                                     const std::string& path, const FileIngestOptions& options) {
  std::error_code ec;
  const std::string source = std::filesystem::weakly_canonical(path, ec).string();
  if (ec) return Error{path + ": " + ec.message()};
  const std::string key = store::source_meta_key("file:" + source);

  v1::SourcePosition position;
  auto stored = store.get(store::Cf::kMeta, key);
  if (!stored) return Error{stored.error()};
  if (stored->has_value() && !position.ParseFromString(**stored)) {
    return Error{"store meta " + key + " is corrupt"};
  }
  FileIngestResult result;
  auto reader = FileReader::open(path, options.read, position.offset(), position.records());
  if (!reader) {
    result.broken = reader.error();
    return result;
  }

  result.resumed_at = position.offset();
  result.size = (*reader)->size();
  position.set_source(source);
  std::vector<SourceRecord> records;
  std::vector<MetaEntry> positions(1);
  positions[0].key = key;
  while (true) {
    auto more = (*reader)->next(records);
    if (!more) {
      result.broken = more.error();
      break;
    }
    if (!*more) {
      // The end of a log can lie behind the last record (XES: "</log>"); the
      // position then moves there without records, so a rerun sees it finished.
      if ((*reader)->offset() == position.offset()) break;
    }
    position.set_offset((*reader)->offset());
    position.set_records((*reader)->lines());
    positions[0].value = position.SerializeAsString();
    auto counts = pipeline.apply(records, source, positions);
    if (!counts) return Error{counts.error()};
    add_counts(result.counts, *counts);
    if (options.progress) {
      options.progress({source, (*reader)->offset(), result.size, result.counts});
    }
    if (!*more) break;
  }
  result.skipped = (*reader)->skipped_events();
  result.local_times = (*reader)->local_times();
  return result;
}

}  // namespace ketenflow::ingest
