#include "services/order/config.h"

#include "common/error/status_macros.h"

namespace paymesh::order {

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
  cfg.order_ttl = std::chrono::seconds(env.Int("ORDER_TTL_SECONDS", 1800, 60, 86400));
  RETURN_IF_ERROR(env.Finish());
  return cfg;
}

}  // namespace paymesh::order
