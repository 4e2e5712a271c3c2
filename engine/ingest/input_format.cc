#include "ingest/input_format.h"

#include <algorithm>

namespace ketenflow::ingest {

Result<Lifecycle> parse_lifecycle(const std::string& text) {
  if (text == "complete") return Lifecycle::kComplete;
  if (text == "pair") return Lifecycle::kPair;
  return Error{"unknown lifecycle mode \"" + text + "\" (use complete or pair)"};
}

Result<std::unique_ptr<FileReader>> FileReader::open(const std::string& path,
                                                     const FileReadOptions& options,
                                                     uint64_t offset, uint64_t lines) {
  if (options.format.open == nullptr) return Error{path + ": no input format given"};
  return options.format.open(path, options, offset, lines);
}

void FormatRegistry::add(InputFormat format) { formats_.push_back(std::move(format)); }

Result<InputFormat> FormatRegistry::find(std::string_view name) const {
  for (const InputFormat& format : formats_) {
    if (format.name == name) return format;
  }
  return Error{"unknown format \"" + std::string(name) + "\" (use " + names() + ")"};
}

Result<InputFormat> FormatRegistry::for_file(std::string_view name, const std::string& path) const {
  if (!name.empty()) return find(name);
  const InputFormat* best = nullptr;
  size_t best_length = 0;
  for (const InputFormat& format : formats_) {
    for (const std::string& extension : format.extensions) {
      if (extension.size() > best_length && path.ends_with(extension)) {
        best = &format;
        best_length = extension.size();
      }
    }
  }
  if (best != nullptr) return *best;
  std::string options;
  for (const InputFormat& format : formats_) options += (options.empty() ? "" : "|") + format.name;
  return Error{path + ": cannot tell the format from the name; give --format " + options};
}

std::string FormatRegistry::names() const {
  std::string out;
  for (size_t i = 0; i < formats_.size(); ++i) {
    if (i > 0) out += i + 1 == formats_.size() ? " or " : ", ";
    out += formats_[i].name;
  }
  return out;
}

FormatRegistry core_formats() {
  FormatRegistry registry;
  registry.add(ndjson_format());
  registry.add(csv_format());
  registry.add(pb_format());
  return registry;
}

Error replaced_file_error(const std::string& path, uint64_t offset, uint64_t size) {
  return Error{path + ": the store has read " + std::to_string(offset) +
               " bytes of this file, but it is only " + std::to_string(size) +
               " bytes now; it was replaced (ingest it under another name)"};
}

}  // namespace ketenflow::ingest
