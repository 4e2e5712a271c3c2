// Files compiled into the binary by cmake/embed_assets.cmake, so that the
// server needs no files or network at run time: the dashboard's (web/ in the
// source tree) and the API's description (api/openapi.json).
#pragma once
#include <span>
#include <string_view>

namespace ketenflow::http {

struct Asset {
  std::string_view name;  // file name in its folder, e.g. "index.html"
  std::string_view bytes;
};

// web/: the dashboard.
std::span<const Asset> assets();
// api/: openapi.json.
std::span<const Asset> api_assets();

}  // namespace ketenflow::http
