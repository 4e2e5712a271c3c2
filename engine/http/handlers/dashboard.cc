// GET / and GET /{file}: the dashboard's files, compiled into the binary.
#include "http/assets.h"
#include "http/handlers/handlers.h"

namespace ketenflow::http::handlers {
namespace {

std::string content_type(std::string_view name) {
  const auto dot = name.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? "" : name.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "json") return "application/json";
  return "application/octet-stream";
}

}  // namespace

ApiReply dashboard(const ApiContext&, const ApiRequest& request) {
  auto file = request.path.find("file");
  const std::string name = file == request.path.end() ? "index.html" : file->second;
  for (const Asset& asset : assets()) {
    if (asset.name == name) return {200, content_type(name), std::string(asset.bytes)};
  }
  return error_reply(404, "not_found", "no such page");
}

}  // namespace ketenflow::http::handlers
