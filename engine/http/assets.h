// The dashboard's files (web/ in the source tree), compiled into the binary by
// cmake/embed_assets.cmake so that the server needs no files or network at run
// time.
#pragma once
#include <span>
#include <string_view>

namespace ketenflow::http {

struct Asset {
  std::string_view name;  // file name in web/, e.g. "index.html"
  std::string_view bytes;
};

std::span<const Asset> assets();

}  // namespace ketenflow::http
