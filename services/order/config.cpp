#include "services/order/config.h"

#include <charconv>

#include "common/error/status_macros.h"

namespace paymesh::order {
namespace {

// "host:port" with a port in 0..65535 (0 picks a free one).
bool IsListenAddr(const std::string& addr) {
  size_t colon = addr.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == addr.size()) return false;
  int port = -1;
  const char* begin = addr.data() + colon + 1;
  const char* end = addr.data() + addr.size();
  auto [ptr, ec] = std::from_chars(begin, end, port);
  return ec == std::errc() && ptr == end && port >= 0 && port <= 65535;
}

std::string ListenAddr(config::EnvReader& env, const char* name, const char* default_value) {
  std::string addr = env.String(name, default_value);
  if (!IsListenAddr(addr)) env.AddProblem(std::string(name) + " must be host:port");
  return addr;
}

}  // namespace

absl::StatusOr<OrderConfig> LoadOrderConfig(config::EnvReader& env) {
  OrderConfig cfg;
  cfg.grpc_listen_addr = ListenAddr(env, "GRPC_LISTEN_ADDR", "0.0.0.0:50052");
  cfg.metrics_listen_addr = ListenAddr(env, "METRICS_LISTEN_ADDR", "0.0.0.0:9092");
  std::string level = env.OneOf("LOG_LEVEL", "info", {"debug", "info", "warn", "error"});
  log::ParseLevel(level, &cfg.log_level);
  cfg.pg_dsn = env.RequiredString("PG_DSN");
  cfg.pg_pool_size = static_cast<size_t>(env.Int("PG_POOL_SIZE", 8, 1, 64));
  RETURN_IF_ERROR(env.Finish());
  return cfg;
}

}  // namespace paymesh::order
