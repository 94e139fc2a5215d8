#pragma once

// An HTTP/1.1 client on Boost.Beast for calls to partners (WeChat) and for the simulator's
// notification delivery. HTTPS verifies the peer (system trust store plus an optional extra CA
// file) and sends SNI; plain http:// is refused unless the options allow it. Every request has a
// deadline covering resolve, connect, TLS handshake, write and read; responses are size-capped.
// Connections are kept alive and reused per origin (no TLS handshake per call); one that the
// server closed while idle is replaced, and the request sent again, when not a byte of an answer
// had arrived (every request this client makes — WeChat Pay calls, notification deliveries — is
// idempotent by WeChat's design). Beast stays in client.cpp.
//
//   auto client = http::Client::Create({.ca_file = cfg.ca_file, .allow_insecure = cfg.insecure});
//   client->SendAsync({.method = "POST", .url = url, .headers = {...}, .body = body},
//                     [](absl::StatusOr<http::ClientResponse> r) { ... });   // on a client thread
//   absl::StatusOr<http::ClientResponse> r = client->Send(req);            // blocking: workers
//   only
//
// Errors: INVALID_ARGUMENT for a malformed or refused URL; UNAVAILABLE for resolve/connect/TLS
// (including verification) failures and broken connections; DEADLINE_EXCEEDED when the deadline
// passes; RESOURCE_EXHAUSTED for a response over the cap. Any HTTP status is a response, not an
// error. Thread-safe. Destroying the client abandons requests still in flight: their callbacks
// never run (so never destroy it while another thread waits in Send()).

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace paymesh::http {

struct ClientOptions {
  std::string ca_file{};        // extra trusted CA (PEM); the system store is always used too
  bool allow_insecure = false;  // allow http:// URLs
  std::chrono::milliseconds timeout{5000};
  size_t max_response_bytes = 1024 * 1024;
  size_t threads = 1;
  std::string user_agent = "paymesh/1.0";
};

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // absolute: http(s)://host[:port]/path?query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{0};  // 0: the client's default
};

struct ClientResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string_view Header(std::string_view name) const;  // case-insensitive, "" if absent
};

struct ParsedUrl {
  std::string scheme;  // http | https
  std::string host;
  std::string port;    // explicit or the scheme's default
  std::string target;  // path + query, at least "/"
};
absl::StatusOr<ParsedUrl> ParseUrl(std::string_view url);

class Client {
 public:
  static absl::StatusOr<std::unique_ptr<Client>> Create(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  using Callback = std::function<void(absl::StatusOr<ClientResponse>)>;
  // `done` runs once, on one of the client's threads.
  void SendAsync(ClientRequest request, Callback done);
  // Blocks the calling thread; never call it from an I/O thread.
  absl::StatusOr<ClientResponse> Send(ClientRequest request);

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace paymesh::http
