#include "services/payment/config.h"

namespace paymesh::payment {

absl::StatusOr<PaymentConfig> LoadPaymentConfig(config::EnvReader& env) {
  PaymentConfig cfg;
  cfg.grpc_listen_addr = env.String("GRPC_LISTEN_ADDR", "0.0.0.0:50053");
  cfg.metrics_listen_addr = env.String("METRICS_LISTEN_ADDR", "0.0.0.0:9093");
  std::string level = env.OneOf("LOG_LEVEL", "info", {"debug", "info", "warn", "error"});
  log::ParseLevel(level, &cfg.log_level);
  absl::Status st = env.Finish();
  if (!st.ok()) return st;
  return cfg;
}

}  // namespace paymesh::payment
