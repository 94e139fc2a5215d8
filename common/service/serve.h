#pragma once

// What every gRPC service binary does around its own dependencies (docs/architecture.md,
// start-up contract): report an invalid configuration, then serve until SIGTERM/SIGINT and drain.
//
//   int main() {
//     rpc::PrepareProcess();                             // before any thread exists
//     config::EnvReader env;
//     absl::StatusOr<OrderConfig> cfg = LoadOrderConfig(env);
//     if (!cfg.ok()) return service::ReportInvalidConfig("order", env);
//     log::Init("order", cfg->log_level);
//     ... stores, logic, exec::WorkerPool workers, OrderGrpcService grpc_service ...
//     return service::Serve({.name = "order", .grpc_listen_addr = cfg->grpc_listen_addr,
//                            .metrics_listen_addr = cfg->metrics_listen_addr},
//                           {&grpc_service}, workers);
//   }

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/env.h"
#include "common/exec/worker_pool.h"
#include "common/log/log.h"
#include "common/rpc/access.h"
#include "common/rpc/tls.h"

namespace paymesh::service {

// The exit code of a binary whose configuration is invalid.
inline constexpr int kInvalidConfigExitCode = 2;

// Writes "<program>: invalid configuration" and then every problem `env` recorded, one per
// indented line, to stderr (or `out`); returns kInvalidConfigExitCode.
int ReportInvalidConfig(std::string_view program, const config::EnvReader& env);
int ReportInvalidConfig(std::string_view program, const config::EnvReader& env, std::ostream& out);

struct ServeOptions {
  std::string name{};                 // the service, as metric names carry it (rpc::SetServiceName)
  std::string grpc_listen_addr{};     // "host:port"; port 0 picks a free port
  std::string metrics_listen_addr{};  // likewise, for GET /metrics and /healthz
  std::vector<log::Field> serving_fields = {};  // on the "serving" line, after the two ports
  std::chrono::milliseconds drain_grace = std::chrono::seconds(10);
  rpc::TlsConfig tls{};        // mutual TLS (rpc/tls.h); off only where ALLOW_INSECURE_GRPC
  rpc::AccessPolicy access{};  // who may call which method, under mutual TLS
};

// Starts `services` on an rpc::Server (health SERVING) and the metrics endpoint, logs the one
// "serving" line with grpc_port and metrics_port as integers, then blocks until SIGTERM or
// SIGINT (rpc::PrepareProcess() must have run before any thread started). Then drains:
// health NOT_SERVING and in-flight calls get drain_grace, `workers` finishes its queue, the
// metrics endpoint stops, and "stopped" is logged. Returns the process exit code: 0 after the
// drain, 1 when a listener cannot start (logged; nothing is left listening).
int Serve(const ServeOptions& options, const std::vector<grpc::Service*>& services,
          exec::WorkerPool& workers);
// The same for a service whose calls run on several pools; each finishes its queue.
int Serve(const ServeOptions& options, const std::vector<grpc::Service*>& services,
          const std::vector<exec::WorkerPool*>& workers);

}  // namespace paymesh::service
