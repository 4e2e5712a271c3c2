#include "http/fetch.h"

#include <chrono>
#include <optional>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>

namespace ketenflow::http {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

// Runs one GET over `stream` (a tcp_stream or an ssl_stream over one), all
// asynchronously so the single deadline on `io` covers every step.
template <typename Stream>
Result<std::string> exchange(net::io_context& io, Stream& stream, const Url& url,
                             const tcp::resolver::results_type& endpoints, size_t max_bytes,
                             int timeout_ms) {
  beast::error_code failure;
  std::string step = "connect";
  beast::flat_buffer buffer;
  bhttp::request<bhttp::empty_body> request{bhttp::verb::get, url.target, 11};
  // With the port unless it is the scheme's (providers build their issuer
  // URL from this header).
  const bool default_port = url.port == (url.tls ? "443" : "80");
  const std::string host =
      url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  request.set(bhttp::field::host, default_port ? host : host + ":" + url.port);
  request.set(bhttp::field::user_agent, "ketenflow");
  request.set(bhttp::field::accept, "application/json");
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(max_bytes);
  bool done = false;

  auto& lowest = beast::get_lowest_layer(stream);
  lowest.expires_after(std::chrono::milliseconds(timeout_ms));
  auto on_read = [&](beast::error_code ec, size_t) {
    failure = ec;
    done = true;
  };
  auto on_write = [&](beast::error_code ec, size_t) {
    if (ec) return void(failure = ec);
    step = "read the answer";
    bhttp::async_read(stream, buffer, parser, on_read);
  };
  auto send = [&] {
    step = "send the request";
    bhttp::async_write(stream, request, on_write);
  };
  lowest.async_connect(endpoints, [&](beast::error_code ec, const tcp::endpoint&) {
    if (ec) return void(failure = ec);
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      send();
    } else {
      step = "TLS handshake";
      stream.async_handshake(ssl::stream_base::client, [&](beast::error_code e) {
        if (e) return void(failure = e);
        send();
      });
    }
  });
  io.run();
  const std::string where = (url.tls ? "https://" : "http://") + url.host + ":" + url.port;
  if (failure == bhttp::error::body_limit) {
    return Error{where + ": the answer is larger than " + std::to_string(max_bytes) + " bytes"};
  }
  if (failure == beast::error::timeout) {
    return Error{where + ": no answer within " + std::to_string(timeout_ms) + " ms (" + step + ")"};
  }
  if (failure || !done) return Error{where + ": cannot " + step + ": " + failure.message()};
  const auto& response = parser.get();
  if (response.result() != bhttp::status::ok) {
    return Error{where + url.target + ": HTTP " + std::to_string(response.result_int())};
  }
  return response.body();
}

}  // namespace

Result<Url> parse_url(const std::string& text) {
  Url url;
  std::string_view rest = text;
  if (rest.starts_with("https://")) {
    url.tls = true;
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    return Error{"not an http:// or https:// URL: " + text};
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  url.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (authority.find('@') != std::string_view::npos || url.target.find('#') != std::string::npos) {
    return Error{"URLs with user info or a fragment are refused: " + text};
  }
  url.port = url.tls ? "443" : "80";
  if (authority.starts_with("[")) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return Error{"bad IPv6 host in " + text};
    url.host = std::string(authority.substr(1, close - 1));
    authority.remove_prefix(close + 1);
    if (authority.starts_with(":")) url.port = std::string(authority.substr(1));
  } else if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    url.host = std::string(authority.substr(0, colon));
    url.port = std::string(authority.substr(colon + 1));
  } else {
    url.host = std::string(authority);
  }
  if (url.host.empty() || url.port.empty() ||
      url.port.find_first_not_of("0123456789") != std::string::npos) {
    return Error{"bad host or port in " + text};
  }
  return url;
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost") return true;
  beast::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

Result<std::string> fetch_url(const std::string& text, size_t max_bytes, int timeout_ms) {
  auto url = parse_url(text);
  if (!url) return Error{url.error()};
  net::io_context io;
  tcp::resolver resolver(io);
  beast::error_code ec;
  // Resolution is synchronous (getaddrinfo has no deadline of ours); names
  // of the system's resolver answer quickly or fail.
  const auto endpoints = resolver.resolve(url->host, url->port, ec);
  if (ec) return Error{"cannot resolve " + url->host + ": " + ec.message()};
  if (!url->tls) {
    beast::tcp_stream stream(io);
    return exchange(io, stream, *url, endpoints, max_bytes, timeout_ms);
  }
  ssl::context context(ssl::context::tls_client);
  context.set_default_verify_paths();
  context.set_verify_mode(ssl::verify_peer);
  context.set_verify_callback(ssl::host_name_verification(url->host));
  beast::ssl_stream<beast::tcp_stream> stream(io, context);
  if (!SSL_set_tlsext_host_name(stream.native_handle(), url->host.c_str())) {
    return Error{"cannot set the TLS server name for " + url->host};
  }
  return exchange(io, stream, *url, endpoints, max_bytes, timeout_ms);
}

}  // namespace ketenflow::http
