#pragma once

// Configuration of the order service, from the environment only.

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "common/config/env.h"
#include "common/log/log.h"
#include "common/rpc/tls.h"
#include "services/order/payment_batcher.h"

namespace paymesh::order {

struct OrderConfig {
  std::string grpc_listen_addr;              // GRPC_LISTEN_ADDR, default 0.0.0.0:20052
  std::string metrics_listen_addr;           // METRICS_LISTEN_ADDR, default 0.0.0.0:9092
  log::Level log_level = log::Level::kInfo;  // LOG_LEVEL
  std::string pg_dsn;                // PG_DSN (required; holds a password: log RedactUrl() only)
  size_t pg_pool_size = 8;           // PG_POOL_SIZE 1..64, also the worker count
  std::string pg_schema = "orders";  // PG_SCHEMA: where order's tables live
  // Group commit of ApplyPayment: ORDER_APPLY_BATCH_MAX 1..512 (64), ORDER_APPLY_BATCH_WAIT_US
  // 0..100000 (2000), ORDER_APPLY_EXECUTORS 1..16 (2; each holds one more connection).
  BatcherOptions apply_batch;
  std::chrono::seconds order_ttl{1800};  // ORDER_TTL_SECONDS 5..86400: WeChat's time_expire
  // ORDER_LATE_PAYMENT_POLICY: what a payment for a CLOSED order does besides PAID and flagged:
  // "refund" opens a full refund in the same transaction (payment's settling job sends it to
  // WeChat), "flag" leaves it to a person. Read by the database (migration 0009) from the
  // session setting paymesh.late_payment_policy.
  std::string late_payment_policy = "refund";
  rpc::TlsConfig tls;  // GRPC_TLS_CA_FILE, GRPC_TLS_CERT_FILE, GRPC_TLS_KEY_FILE (rpc/tls.h)
};

inline constexpr char kLatePaymentPolicySetting[] = "paymesh.late_payment_policy";

// INVALID_ARGUMENT listing every problem at once.
absl::StatusOr<OrderConfig> LoadOrderConfig(config::EnvReader& env);

}  // namespace paymesh::order
