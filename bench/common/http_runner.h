#pragma once

// A small HTTP/1.1 load engine for the benchmark: a list of requests sent over a fixed number of
// keep-alive connections, each connection taking the next unsent request as soon as its previous
// answer is in (closed loop). Runs on the calling thread (one io_context, one coroutine per
// connection), so the client costs one core at most on a machine it shares with the servers.

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace paymesh::bench {

using Headers = std::vector<std::pair<std::string, std::string>>;

// One request and, after Run(), what became of it.
struct Exchange {
  std::string method;
  std::string target;
  Headers headers;  // sent after Host and Content-Length, which the engine sets
  std::string body;

  bool sent = false;  // false: the time cap stopped the run before this one's turn
  int status = 0;     // 0 when no response arrived (`error` says why)
  std::string response_body;
  std::string error;
  std::chrono::nanoseconds latency{0};  // write of the request to the end of the response
};

struct RunOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  size_t connections = 1;
  std::chrono::milliseconds request_timeout{10000};  // per exchange, connect included
  std::chrono::milliseconds time_cap{120000};        // the whole run
};

struct RunStats {
  std::chrono::nanoseconds elapsed{0};  // first connect to last answer
  size_t answered = 0;                  // exchanges with a status
  bool time_capped = false;
};

// Sends every exchange at most once, in order of the vector, and fills in its outcome. A
// connection the server closes (or that fails) is reopened for the next exchange; the failed
// exchange itself is not retried. When the time cap expires, in-flight exchanges are cancelled
// and the rest stay unsent. Never throws for network errors.
RunStats Run(const RunOptions& options, std::vector<Exchange>& exchanges);

}  // namespace paymesh::bench
