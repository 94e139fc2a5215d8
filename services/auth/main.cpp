// The auth service: config → PostgreSQL (migrations) and Redis → gRPC + metrics listeners →
// wait for SIGTERM/SIGINT → drain. No logic here.

#include <memory>

#include "common/config/env.h"
#include "common/exec/worker_pool.h"
#include "common/log/log.h"
#include "common/pg/migrate.h"
#include "common/pg/pool.h"
#include "common/redis/client.h"
#include "common/rpc/server.h"
#include "common/service/serve.h"
#include "common/time/clock.h"
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

  TokenCodec tokens(*cfg.signing_key);
  absl::StatusOr<std::unique_ptr<AuthLogic>> logic =
      AuthLogic::Create(cfg.auth, {&users, &sessions, &limiter, &time::SystemClock(), &tokens});
  if (!logic.ok()) {
    log::Error("cannot start auth logic", {{"error", std::string(logic.status().message())}});
    return 1;
  }
  // Declared after what it runs, so it is joined before those go away.
  exec::WorkerPool workers(cfg.pg_pool_size, kWorkerQueue);
  AuthGrpcService grpc_service(logic->get(), &workers);
  return service::Serve({.name = "auth",
                         .grpc_listen_addr = cfg.grpc_listen_addr,
                         .metrics_listen_addr = cfg.metrics_listen_addr,
                         .serving_fields = {{"token_kid", tokens.kid()}}},
                        {&grpc_service}, workers);
}

}  // namespace
}  // namespace paymesh::auth

int main() {
  paymesh::rpc::PrepareProcess();
  paymesh::config::EnvReader env;
  absl::StatusOr<paymesh::auth::AuthConfig> cfg = paymesh::auth::LoadAuthConfig(env);
  if (!cfg.ok()) return paymesh::service::ReportInvalidConfig("auth", env);
  paymesh::log::Init("auth", cfg->log_level);
  return paymesh::auth::Run(*cfg);
}
