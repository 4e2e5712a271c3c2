// Ingest of whole files through the pipeline, resumable: each batch is
// written together with the file's byte position (meta "source/file:PATH"),
// so rerunning an interrupted ingest with the same files continues after the
// last applied batch and ends in the same state as an uninterrupted run.
// A broken file ends that file only (FileIngestResult::broken); a failing
// store is an error.
#pragma once

#include <functional>
#include <string>

#include "ingest/input_format.h"
#include "ingest/pipeline.h"

namespace ketenflow::ingest {

struct FileIngestProgress {
  const std::string& file;
  uint64_t bytes_done;
  uint64_t bytes_total;
  const BatchCounts& counts;  // of this file so far
};

struct FileIngestOptions {
  FileReadOptions read;
  // Called after every applied batch.
  std::function<void(const FileIngestProgress&)> progress;
};

struct FileIngestResult {
  BatchCounts counts;
  // Bytes already applied by an earlier run (resumed from there).
  uint64_t resumed_at = 0;
  uint64_t size = 0;
  // XES events that became no milestone (lifecycle other than complete).
  uint64_t skipped = 0;
  // Times without a UTC offset, read as local time in the mapping's zone.
  uint64_t local_times = 0;
  // Set when the file could not be read to its end (unreadable, broken XML or
  // gzip, a CSV header without the needed columns): what is wrong. The batches
  // before the break are stored (counted above) and a rerun resumes after
  // them. A store that fails is an error of ingest_file instead: nothing more
  // can be ingested then.
  std::string broken;
};

Result<FileIngestResult> ingest_file(Pipeline& pipeline, const store::Store& store,
                                     const std::string& path, const FileIngestOptions& options);

}  // namespace ketenflow::ingest
