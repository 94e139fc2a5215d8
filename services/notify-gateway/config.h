#pragma once

// Gateway configuration from the environment (docs/architecture.md). Every problem is reported
// at once through the EnvReader.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/config/env.h"
#include "common/log/log.h"
#include "common/rpc/tls.h"

namespace paymesh::gateway {

// Which routes this process serves: everything, the REST API only, or the WeChat notification
// endpoints only (split deployments). /healthz, /readyz and /metrics are always served.
enum class RouteSet { kAll, kApi, kNotify };

inline constexpr size_t kDefaultNotifyMaxBodyBytes = 1024 * 1024 + 64 * 1024;

std::string_view RouteSetName(RouteSet routes);

struct GatewayConfig {
  std::string listen_addr = "0.0.0.0:8080";
  // GATEWAY_METRICS_LISTEN_ADDR: when set, /healthz, /readyz and /metrics are served there, on a
  // port no ingress routes, and not on listen_addr.
  std::string metrics_listen_addr;
  RouteSet routes = RouteSet::kAll;
  std::string public_url = "http://127.0.0.1:8080";
  std::string auth_addr;
  std::string order_addr;
  std::string payment_addr;
  std::chrono::milliseconds upstream_timeout{3000};
  // Deadline of payment.HandleNotification: WeChat gives up on an answer after 5 s.
  std::chrono::milliseconds notify_timeout{4000};
  // Deadline of payment.CreatePayment and QueryPayment, which call WeChat (with retries) and
  // order in turn.
  std::chrono::milliseconds payment_timeout{8000};
  // Deadline of auth's calls that wait on WeChat or the SMS provider (OAuth, mini program login,
  // SMS codes, JS-SDK config).
  std::chrono::milliseconds wechat_timeout{8000};
  size_t max_body_bytes = 65536;  // the REST API's cap
  // The /wechat/notify/* cap: a notification's ciphertext alone may be 1 MiB.
  size_t notify_max_body_bytes = kDefaultNotifyMaxBodyBytes;
  size_t max_header_bytes = 16384;
  std::chrono::milliseconds read_timeout{10000};
  std::chrono::milliseconds idle_timeout{60000};
  size_t threads = 2;
  bool trust_forwarded_for = false;
  log::Level log_level = log::Level::kInfo;
  // The simulator's origin ("scheme://host[:port]"), which the demo page may call.
  // GATEWAY_DEMO_SIM_URL: the simulator the demo shop may talk to and load WeChat's stand-in
  // bridge from; unset (production), the page trusts no other origin at all.
  std::string demo_sim_url;
  // Its identity towards auth, order and payment: GRPC_TLS_CA_FILE, GRPC_TLS_CERT_FILE,
  // GRPC_TLS_KEY_FILE (rpc/tls.h).
  rpc::TlsConfig tls;
};

// The HTTP server's own (global) body cap: the largest cap among the routes served. The router
// applies each route's cap.
size_t ServerMaxBodyBytes(const GatewayConfig& cfg);

// True for "http(s)://host[:port]" with nothing after it (a browser origin).
bool IsHttpOrigin(std::string_view url);

// INVALID_ARGUMENT naming every bad or missing variable (also in env.problems()).
absl::StatusOr<GatewayConfig> LoadGatewayConfig(config::EnvReader& env);

}  // namespace paymesh::gateway
