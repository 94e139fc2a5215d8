#pragma once

// An HTTP/1.1 server on Boost.Beast with C++20 coroutines and a pool of io_context threads.
// Beast stays inside server.cpp; handlers see only http::Request / http::Response.
//
// Per connection: keep-alive, a deadline on every read (header and body) and an idle timeout
// between requests, a header size cap (431), a body size cap (413), malformed requests (400).
// Those answers are JSON errors {"error":{"code","message","request_id"}} with the codes
// INVALID_ARGUMENT (400), PAYLOAD_TOO_LARGE (413), HEADERS_TOO_LARGE (431) and, for a handler
// that throws, INTERNAL (500); the connection is closed after them. Every response carries
// X-Request-Id: a sane incoming one (1-128 of [A-Za-z0-9._-]) is echoed, otherwise 32 hex chars
// are generated. The handler is a coroutine: it may await asynchronous work (gRPC calls) and
// must never block its thread. Connections beyond max_connections are closed at once.
//
//   http::Server server(options, [&](http::Request& req) -> boost::asio::awaitable<http::Response>
//   {
//     co_return http::Response::Json(200, R"({"status":"ok"})");
//   });
//   ASSIGN_OR_RETURN(int port, server.Start("127.0.0.1:0"));
//   ...
//   server.Stop();   // stops accepting, closes connections, joins threads

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/http/message.h"

namespace paymesh::http {

struct ServerOptions {
  size_t threads = 2;
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 64 * 1024;
  std::chrono::milliseconds read_timeout{10000};  // per request: headers + body
  std::chrono::milliseconds idle_timeout{60000};  // keep-alive wait for the next request
  size_t max_connections = 10000;
  std::chrono::milliseconds drain_timeout{10000};  // Stop(): how long in-flight requests get
};

using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds ("host:port", port 0 picks one), starts the threads; returns the bound port.
  absl::StatusOr<int> Start(const std::string& listen_addr);
  // Stops accepting, closes idle connections, lets in-flight requests finish (up to
  // drain_timeout; their connections close after the response), then joins the threads.
  // Idempotent; the destructor calls it.
  void Stop();

  // An executor of the server's io_context, for handlers that need one (timers, posting back).
  boost::asio::any_io_executor executor();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Builds the JSON error body {"error":{"code":..,"message":..,"request_id":..}}.
std::string ErrorJson(std::string_view code, std::string_view message, std::string_view request_id);

}  // namespace paymesh::http
