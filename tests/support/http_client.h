#pragma once

// A small synchronous HTTP/1.1 client for end-to-end tests: one connection per request, a
// deadline over the whole exchange. Thread-safe (no shared state), so tests may call it from
// many threads at once.

#include <chrono>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace paymesh::testing {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;  // 0 when no response arrived; `error` says why
  HttpHeaders headers;
  std::string body;
  std::string error;  // transport failure (connect, timeout, reset, unparsable answer)
  std::chrono::milliseconds elapsed{0};

  // The first header with this name (case-insensitive), or "".
  std::string Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
};

// Status, headers, body (truncated) or the transport error: for assertion messages.
std::ostream& operator<<(std::ostream& out, const HttpResponse& response);

constexpr std::chrono::milliseconds kDefaultHttpTimeout{10000};

// Sends one request and reads the answer. Host and Content-Length are set by the client
// (Content-Length only when there is a body or the method is POST/PUT/PATCH); `headers` are sent
// as given, after them.
HttpResponse Send(const std::string& host, int port, const std::string& method,
                  const std::string& target, const HttpHeaders& headers = {},
                  const std::string& body = "",
                  std::chrono::milliseconds timeout = kDefaultHttpTimeout);

// Writes `bytes` as they are (malformed requests, oversized heads, ...) and parses whatever HTTP
// response comes back. A response that arrives although the server stopped reading early is
// still returned.
HttpResponse SendRaw(const std::string& host, int port, const std::string& bytes,
                     std::chrono::milliseconds timeout = kDefaultHttpTimeout);

}  // namespace paymesh::testing
