// The auth service: config → PostgreSQL (migrations) and Redis → gRPC + metrics listeners →
// wait for SIGTERM/SIGINT → drain. No logic here.

#include <chrono>
#include <iostream>
#include <memory>

#include "common/config/env.h"
#include "common/exec/worker_pool.h"
#include "common/http/metrics_endpoint.h"
#include "common/log/log.h"
#include "common/pg/migrate.h"
#include "common/pg/pool.h"
#include "common/redis/client.h"
#include "common/rpc/call.h"
#include "common/rpc/server.h"
#include "services/auth/clock.h"
#include "services/auth/config.h"
#include "services/auth/logic.h"
#include "services/auth/migrations.h"
#include "services/auth/pg_store.h"
#include "services/auth/redis_rate_limiter.h"
#include "services/auth/redis_session_store.h"
#include "services/auth/service.h"
#include "services/auth/token.h"

namespace paymesh::auth {
namespace {

constexpr size_t kWorkerQueue = 1024;
constexpr std::chrono::seconds kDrainGrace{10};

int Run(const AuthConfig& cfg) {
  pg::Pool pool({.dsn = cfg.pg_dsn, .schema = kSchema, .size = cfg.pg_pool_size});
  if (absl::Status st = pg::Migrate(pool, auth_lib_migrations()); !st.ok()) {
    log::Error("migrations failed", {{"error", std::string(st.message())}});
    return 1;
  }
  redis::Client redis(cfg.redis);
  PgUserStore users(&pool);
  RedisSessionStore sessions(&redis);
  RedisRateLimiter limiter(&redis);
  SystemClock clock;
  TokenCodec tokens(*cfg.signing_key);
  absl::StatusOr<std::unique_ptr<AuthLogic>> logic =
      AuthLogic::Create(cfg.auth, {&users, &sessions, &limiter, &clock, &tokens});
  if (!logic.ok()) {
    log::Error("cannot start auth logic", {{"error", std::string(logic.status().message())}});
    return 1;
  }
  // Declared after what it runs, so it is joined before those go away.
  exec::WorkerPool workers(cfg.pg_pool_size, kWorkerQueue);
  AuthGrpcService service(logic->get(), &workers);

  rpc::SetServiceName("auth");
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
  log::Info(
      "serving",
      {{"grpc_port", *grpc_port}, {"metrics_port", metrics_port}, {"token_kid", tokens.kid()}});

  int signal = rpc::WaitForTerminationSignal();
  log::Info("draining", {{"signal", signal}});
  server.Shutdown(kDrainGrace);
  workers.Shutdown();
  (*metrics)->Stop();
  log::Info("stopped");
  return 0;
}

}  // namespace
}  // namespace paymesh::auth

int main() {
  paymesh::rpc::BlockTerminationSignals();
  paymesh::config::EnvReader env;
  absl::StatusOr<paymesh::auth::AuthConfig> cfg = paymesh::auth::LoadAuthConfig(env);
  if (!cfg.ok()) {
    std::cerr << "auth: invalid configuration\n";
    for (const std::string& problem : env.problems()) std::cerr << "  " << problem << "\n";
    return 2;
  }
  paymesh::log::Init("auth", cfg->log_level);
  return paymesh::auth::Run(*cfg);
}
