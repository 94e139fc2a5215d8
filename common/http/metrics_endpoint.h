#pragma once

// A small HTTP server for a gRPC service's METRICS_LISTEN_ADDR:
//   GET /metrics  Prometheus text of metrics::Registry::Default() (text/plain; version=0.0.4)
//   GET /healthz  200 {"status":"ok"} while the process runs
// Anything else is a JSON 404 (405 for another method on those paths).
//
//   int metrics_port = 0;
//   ASSIGN_OR_RETURN(auto metrics_server, http::StartMetricsServer(cfg.metrics_addr,
//   &metrics_port));
//   ...
//   metrics_server->Stop();   // or let it go out of scope

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/http/message.h"
#include "common/http/server.h"

namespace paymesh::http {

// Starts a one-thread server on `listen_addr` ("host:port", port 0 picks one) and stores the
// bound port in *bound_port (may be null). UNAVAILABLE/INVALID_ARGUMENT if it cannot bind.
absl::StatusOr<std::unique_ptr<Server>> StartMetricsServer(const std::string& listen_addr,
                                                           int* bound_port);

// The request handling of that server, exposed for tests.
Response HandleMetricsRequest(const Request& req);

}  // namespace paymesh::http
