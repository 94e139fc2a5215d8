// The order service: config → PostgreSQL pool and migrations → gRPC + metrics listeners →
// wait for SIGTERM/SIGINT → drain. No logic here.

#include <chrono>
#include <iostream>

#include "common/config/env.h"
#include "common/exec/worker_pool.h"
#include "common/http/metrics_endpoint.h"
#include "common/log/log.h"
#include "common/pg/migrate.h"
#include "common/pg/pool.h"
#include "common/rpc/call.h"
#include "common/rpc/server.h"
#include "services/order/config.h"
#include "services/order/logic.h"
#include "services/order/migrations.h"
#include "services/order/pg_store.h"
#include "services/order/service.h"

namespace paymesh::order {
namespace {

constexpr size_t kWorkerQueue = 1024;
constexpr std::chrono::seconds kDrainGrace{10};

Timestamp Now() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

int Run(const OrderConfig& cfg) {
  pg::Pool pool({.dsn = cfg.pg_dsn, .schema = "orders", .size = cfg.pg_pool_size});
  if (absl::Status st = pg::Migrate(pool, order_lib_migrations()); !st.ok()) {
    log::Error("migrations failed", {{"error", std::string(st.message())}});
    return 1;
  }
  PgOrderStore store(pool);
  OrderLogic logic(store, Now);
  // Declared after the logic it runs, so it is joined before the logic goes away.
  exec::WorkerPool workers(cfg.pg_pool_size, kWorkerQueue);
  OrderGrpcService service(logic, workers);

  rpc::SetServiceName("order");
  rpc::Server server;
  server.AddService(&service);
  absl::StatusOr<int> grpc_port = server.Start(cfg.grpc_listen_addr);
  if (!grpc_port.ok()) {
    log::Error("gRPC listener failed", {{"error", std::string(grpc_port.status().message())}});
    return 1;
  }
  int metrics_port = 0;
  auto metrics = http::StartMetricsServer(cfg.metrics_listen_addr, &metrics_port);
  if (!metrics.ok()) {
    log::Error("metrics listener failed", {{"error", std::string(metrics.status().message())}});
    server.Shutdown(std::chrono::milliseconds(0));
    return 1;
  }
  log::Info("serving", {{"grpc_port", *grpc_port}, {"metrics_port", metrics_port}});

  int signal = rpc::WaitForTerminationSignal();
  log::Info("draining", {{"signal", signal}});
  server.Shutdown(kDrainGrace);
  workers.Shutdown();
  (*metrics)->Stop();
  log::Info("stopped");
  return 0;
}

}  // namespace
}  // namespace paymesh::order

int main() {
  paymesh::rpc::BlockTerminationSignals();
  paymesh::config::EnvReader env;
  absl::StatusOr<paymesh::order::OrderConfig> cfg = paymesh::order::LoadOrderConfig(env);
  if (!cfg.ok()) {
    std::cerr << "order: invalid configuration\n";
    for (const std::string& problem : env.problems()) std::cerr << "  " << problem << "\n";
    return 2;
  }
  paymesh::log::Init("order", cfg->log_level);
  return paymesh::order::Run(*cfg);
}
