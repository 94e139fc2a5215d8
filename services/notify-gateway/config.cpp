#include "services/notify-gateway/config.h"

#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"

namespace paymesh::gateway {
namespace {

std::string RequiredAddr(config::EnvReader& env, std::string_view name) {
  std::string addr = env.RequiredString(name);
  if (!addr.empty() && !config::IsHostPort(addr)) {
    env.AddProblem(std::string(name) + " must be host:port, got '" + addr + "'");
  }
  return addr;
}

}  // namespace

bool IsHttpOrigin(std::string_view url) {
  size_t scheme = 0;
  if (url.rfind("http://", 0) == 0) {
    scheme = 7;
  } else if (url.rfind("https://", 0) == 0) {
    scheme = 8;
  } else {
    return false;
  }
  const std::string_view authority = url.substr(scheme);
  if (authority.empty()) return false;
  // Host names, IPv4 and bracketed IPv6 literals, and a port: nothing that could end a header
  // value or an HTML attribute.
  for (const char c : authority) {
    const bool ok = absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
                    c == ':' || c == '[' || c == ']';
    if (!ok) return false;
  }
  return authority.front() != ':' && authority.back() != ':';
}

size_t ServerMaxBodyBytes(const GatewayConfig& cfg) {
  if (cfg.routes == RouteSet::kApi) return cfg.max_body_bytes;
  return std::max(cfg.max_body_bytes, cfg.notify_max_body_bytes);
}

std::string_view RouteSetName(RouteSet routes) {
  switch (routes) {
    case RouteSet::kAll:
      return "all";
    case RouteSet::kApi:
      return "api";
    case RouteSet::kNotify:
      return "notify";
  }
  return "all";
}

absl::StatusOr<GatewayConfig> LoadGatewayConfig(config::EnvReader& env) {
  using std::chrono::milliseconds;
  GatewayConfig cfg;
  cfg.listen_addr = env.ListenAddr("GATEWAY_LISTEN_ADDR", cfg.listen_addr);
  if (!env.String("GATEWAY_METRICS_LISTEN_ADDR", "").empty()) {
    cfg.metrics_listen_addr = env.ListenAddr("GATEWAY_METRICS_LISTEN_ADDR", "");
  }
  const std::string routes = env.OneOf("GATEWAY_ROUTES", "all", {"all", "api", "notify"});
  cfg.routes = routes == "api"      ? RouteSet::kApi
               : routes == "notify" ? RouteSet::kNotify
                                    : RouteSet::kAll;
  cfg.public_url = env.String("GATEWAY_PUBLIC_URL", cfg.public_url);
  if (cfg.public_url.rfind("http://", 0) != 0 && cfg.public_url.rfind("https://", 0) != 0) {
    env.AddProblem("GATEWAY_PUBLIC_URL must start with http:// or https://");
  }
  cfg.auth_addr = RequiredAddr(env, "AUTH_GRPC_ADDR");
  cfg.order_addr = RequiredAddr(env, "ORDER_GRPC_ADDR");
  cfg.payment_addr = RequiredAddr(env, "PAYMENT_GRPC_ADDR");
  // Every upstream deadline stays below the server's 10 s shutdown drain, so no gRPC call can
  // complete into a stopped server.
  constexpr milliseconds kMaxUpstream(9000);
  cfg.upstream_timeout = env.Millis("GATEWAY_UPSTREAM_TIMEOUT_MS", cfg.upstream_timeout,
                                    milliseconds(1), kMaxUpstream);
  cfg.notify_timeout =
      env.Millis("GATEWAY_NOTIFY_TIMEOUT_MS", cfg.notify_timeout, milliseconds(1), kMaxUpstream);
  cfg.payment_timeout =
      env.Millis("GATEWAY_PAYMENT_TIMEOUT_MS", cfg.payment_timeout, milliseconds(1), kMaxUpstream);
  cfg.wechat_timeout =
      env.Millis("GATEWAY_WECHAT_TIMEOUT_MS", cfg.wechat_timeout, milliseconds(1), kMaxUpstream);
  cfg.max_body_bytes =
      static_cast<size_t>(env.Int("GATEWAY_MAX_BODY_BYTES", 65536, 1024, 16 * 1024 * 1024));
  cfg.notify_max_body_bytes = static_cast<size_t>(
      env.Int("GATEWAY_NOTIFY_MAX_BODY_BYTES", kDefaultNotifyMaxBodyBytes, 1024, 16 * 1024 * 1024));
  cfg.max_header_bytes =
      static_cast<size_t>(env.Int("GATEWAY_MAX_HEADER_BYTES", 16384, 1024, 1024 * 1024));
  cfg.read_timeout = env.Millis("GATEWAY_READ_TIMEOUT_MS", cfg.read_timeout, milliseconds(10),
                                milliseconds(600000));
  cfg.idle_timeout = env.Millis("GATEWAY_IDLE_TIMEOUT_MS", cfg.idle_timeout, milliseconds(10),
                                milliseconds(3600000));
  cfg.threads = static_cast<size_t>(env.Int("GATEWAY_THREADS", 2, 1, 64));
  cfg.trust_forwarded_for = env.Bool("GATEWAY_TRUST_FORWARDED_FOR", false);
  cfg.demo_sim_url = env.String("GATEWAY_DEMO_SIM_URL", cfg.demo_sim_url);
  while (!cfg.demo_sim_url.empty() && cfg.demo_sim_url.back() == '/') cfg.demo_sim_url.pop_back();
  if (!cfg.demo_sim_url.empty() && !IsHttpOrigin(cfg.demo_sim_url)) {
    env.AddProblem("GATEWAY_DEMO_SIM_URL must be an origin like http://host:port, got '" +
                   cfg.demo_sim_url + "'");
  }
  const std::string level = env.OneOf("LOG_LEVEL", "info", {"debug", "info", "warn", "error"});
  log::ParseLevel(level, &cfg.log_level);
  cfg.tls = rpc::LoadTlsConfig(env);
  absl::Status status = env.Finish();
  if (!status.ok()) return status;
  return cfg;
}

}  // namespace paymesh::gateway
