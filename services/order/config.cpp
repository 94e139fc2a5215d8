#include "services/order/config.h"

#include "common/error/status_macros.h"

namespace paymesh::order {
namespace {

bool IsSchemaName(const std::string& s) {
  if (s.empty() || s.size() > 63 || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<OrderConfig> LoadOrderConfig(config::EnvReader& env) {
  OrderConfig cfg;
  cfg.grpc_listen_addr = env.ListenAddr("GRPC_LISTEN_ADDR", "0.0.0.0:20052");
  cfg.metrics_listen_addr = env.ListenAddr("METRICS_LISTEN_ADDR", "0.0.0.0:9092");
  std::string level = env.OneOf("LOG_LEVEL", "info", {"debug", "info", "warn", "error"});
  log::ParseLevel(level, &cfg.log_level);
  cfg.pg_dsn = env.RequiredSecretOrString("PG_DSN").Reveal();  // or PG_DSN_FILE (k8s Secret)
  cfg.pg_pool_size = static_cast<size_t>(env.Int("PG_POOL_SIZE", 8, 1, 64));
  cfg.apply_batch.max_batch = static_cast<size_t>(env.Int("ORDER_APPLY_BATCH_MAX", 64, 1, 512));
  cfg.apply_batch.max_wait =
      std::chrono::microseconds(env.Int("ORDER_APPLY_BATCH_WAIT_US", 2000, 0, 100'000));
  cfg.apply_batch.executors = static_cast<size_t>(env.Int("ORDER_APPLY_EXECUTORS", 2, 1, 16));
  // WeChat raises a time_expire under a minute away to one minute; a shorter TTL only closes
  // orders sooner (the close at WeChat comes first), which tests use.
  cfg.order_ttl = std::chrono::seconds(env.Int("ORDER_TTL_SECONDS", 1800, 5, 86400));
  cfg.late_payment_policy = env.OneOf("ORDER_LATE_PAYMENT_POLICY", "refund", {"refund", "flag"});
  cfg.pg_schema = env.String("PG_SCHEMA", "orders");
  if (!IsSchemaName(cfg.pg_schema)) {
    env.AddProblem("PG_SCHEMA must be 1-63 of [a-z0-9_], starting with a letter or _");
  }
  cfg.tls = rpc::LoadTlsConfig(env);
  RETURN_IF_ERROR(env.Finish());
  return cfg;
}

}  // namespace paymesh::order
