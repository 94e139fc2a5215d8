#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "common/config/env.h"
#include "common/log/log.h"

namespace paymesh::payment {

struct PaymentConfig {
  std::string grpc_listen_addr;
  std::string metrics_listen_addr;
  log::Level log_level = log::Level::kInfo;
};

// Reads the payment service's environment; INVALID_ARGUMENT lists every problem.
absl::StatusOr<PaymentConfig> LoadPaymentConfig(config::EnvReader& env);

}  // namespace paymesh::payment
