// The order service: config → PostgreSQL pool and migrations → gRPC + metrics listeners →
// wait for SIGTERM/SIGINT → drain. No logic here.

#include <chrono>

#include "common/config/env.h"
#include "common/exec/worker_pool.h"
#include "common/log/log.h"
#include "common/pg/migrate.h"
#include "common/pg/pool.h"
#include "common/rpc/server.h"
#include "common/service/serve.h"
#include "services/order/config.h"
#include "services/order/logic.h"
#include "services/order/migrations.h"
#include "services/order/pg_store.h"
#include "services/order/service.h"

namespace paymesh::order {
namespace {

constexpr size_t kWorkerQueue = 1024;

int Run(const OrderConfig& cfg) {
  // The workers' connections plus one per batch executor.
  pg::Pool pool({.dsn = cfg.pg_dsn,
                 .schema = cfg.pg_schema,
                 .size = cfg.pg_pool_size + cfg.apply_batch.executors,
                 .settings = {{kLatePaymentPolicySetting, cfg.late_payment_policy}}});
  if (absl::Status st = pg::Migrate(pool, order_lib_migrations()); !st.ok()) {
    log::Error("migrations failed", {{"error", std::string(st.message())}});
    return 1;
  }
  PgOrderStore store(pool);
  OrderLogic logic(store, time::SystemClock(), {}, cfg.order_ttl);
  // Declared after the logic they run, so they are joined before the logic goes away.
  PaymentBatcher payments(
      [&logic](const std::vector<PaymentNotice>& notices) { return logic.ApplyPayments(notices); },
      cfg.apply_batch);
  exec::WorkerPool workers(cfg.pg_pool_size, kWorkerQueue);
  OrderGrpcService grpc_service(logic, workers, payments);
  return service::Serve({.name = "order",
                         .grpc_listen_addr = cfg.grpc_listen_addr,
                         .metrics_listen_addr = cfg.metrics_listen_addr,
                         .tls = cfg.tls,
                         .access = OrderAccessPolicy()},
                        {&grpc_service}, workers);
}

}  // namespace
}  // namespace paymesh::order

int main(int argc, char** argv) {
  const paymesh::config::RunMode mode = paymesh::config::ParseRunMode(argc, argv);
  if (mode == paymesh::config::RunMode::kUsage) return paymesh::config::ReportUsage("order");
  paymesh::rpc::PrepareProcess();
  paymesh::config::EnvReader env;
  absl::StatusOr<paymesh::order::OrderConfig> cfg = paymesh::order::LoadOrderConfig(env);
  if (!cfg.ok()) return paymesh::service::ReportInvalidConfig("order", env);
  if (mode == paymesh::config::RunMode::kCheckConfig)
    return paymesh::config::ReportConfigOk("order");
  paymesh::log::Init("order", cfg->log_level);
  return paymesh::order::Run(*cfg);
}
