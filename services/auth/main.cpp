// The auth service: config → PostgreSQL (migrations) and Redis → WeChat and SMS clients → gRPC +
// metrics listeners → wait for SIGTERM/SIGINT → drain. No logic here.

#include <memory>

#include "common/config/env.h"
#include "common/exec/worker_pool.h"
#include "common/http/client.h"
#include "common/http/transport.h"
#include "common/log/log.h"
#include "common/pg/migrate.h"
#include "common/pg/pool.h"
#include "common/ratelimit/redis_rate_limiter.h"
#include "common/redis/client.h"
#include "common/rpc/server.h"
#include "common/service/serve.h"
#include "common/time/clock.h"
#include "services/auth/config.h"
#include "services/auth/logic.h"
#include "services/auth/migrations.h"
#include "services/auth/pg_store.h"
#include "services/auth/rate_limiter.h"
#include "services/auth/redis_session_store.h"
#include "services/auth/service.h"
#include "services/auth/sms_codes.h"
#include "services/auth/sms_sender.h"
#include "services/auth/token.h"
#include "services/auth/token_centre.h"
#include "services/auth/wechat_client.h"
#include "services/auth/wechat_logic.h"

namespace paymesh::auth {
namespace {

constexpr size_t kWorkerQueue = 1024;
constexpr size_t kPasswordQueue = 64;  // scrypt takes ~50 ms: more would only time out waiting
constexpr size_t kOutboundWorkers = 8;
constexpr size_t kCredentialWorkers = 4;  // mostly Redis reads; a fetch blocks one for ≤ 3 s
constexpr char kUserAgent[] = "paymesh-auth/1.0";

std::unique_ptr<SmsSender> MakeSmsSender(const SmsConfig& cfg, http::Transport& transport,
                                         std::chrono::milliseconds timeout) {
  if (cfg.provider == "dev") return std::make_unique<DevSmsSender>(cfg.dev_url, transport, timeout);
  if (cfg.provider == "tencent") {
    return std::make_unique<TencentSmsSender>(cfg.tencent, transport, time::SystemClock());
  }
  return std::make_unique<NoSmsSender>();
}

int Run(const AuthConfig& cfg) {
  pg::Pool pool({.dsn = cfg.pg_dsn, .schema = kSchema, .size = cfg.pg_pool_size});
  if (absl::Status st = pg::Migrate(pool, auth_lib_migrations()); !st.ok()) {
    log::Error("migrations failed", {{"error", std::string(st.message())}});
    return 1;
  }
  redis::Client redis(cfg.redis);
  PgUserStore users(&pool);
  RedisSessionStore sessions(&redis);
  ratelimit::RedisRateLimiter limiter(&redis, kRateLimitKeyPrefix);

  const WechatConfig& wx = cfg.wechat;
  absl::StatusOr<std::unique_ptr<http::Client>> http_client =
      http::Client::Create({.ca_file = wx.upstream_ca_file,
                            .allow_insecure = wx.allow_insecure_upstreams,
                            .timeout = wx.timeout,
                            .user_agent = kUserAgent});
  if (!http_client.ok()) {
    log::Error("HTTP client failed", {{"error", http_client.status().message()}});
    return 1;
  }
  http::ClientTransport transport(**http_client);
  std::map<std::string, config::Secret> secrets;
  if (!wx.oa_appid.empty()) secrets[wx.oa_appid] = wx.oa_secret;
  if (!wx.miniprogram_appid.empty()) secrets[wx.miniprogram_appid] = wx.miniprogram_secret;
  WechatClient wechat({.api_base_url = wx.api_base_url, .secrets = secrets, .timeout = wx.timeout},
                      transport);
  TokenCentreOptions centre_options;
  centre_options.refresh_before = wx.refresh_before;
  centre_options.lock_ttl = LockTtlFor(wx.timeout, centre_options.wait);
  TokenCentre centre(centre_options, wechat, redis, time::SystemClock());

  std::unique_ptr<SmsSender> sender = MakeSmsSender(cfg.sms, transport, wx.timeout);
  RedisSmsCodeBook sms(cfg.sms.codes, redis, limiter, *sender);

  TokenCodec tokens(*cfg.signing_key);
  absl::StatusOr<std::unique_ptr<AuthLogic>> logic = AuthLogic::Create(
      cfg.auth, {&users, &sessions, &limiter, &time::SystemClock(), &tokens, &sms});
  if (!logic.ok()) {
    log::Error("cannot start auth logic", {{"error", std::string(logic.status().message())}});
    return 1;
  }
  WechatLogic wechat_logic(
      {.oa_appid = wx.oa_appid,
       .miniprogram_appid = wx.miniprogram_appid,
       .open_base_url = wx.open_base_url,
       .oauth_callback_url = wx.public_url + "/api/v1/auth/wechat/callback",
       .allowed_origins = wx.allowed_origins,
       .jsapi_list = wx.jsapi_list},
      {&wechat, &centre, &users, logic->get(), &redis, &limiter, &time::SystemClock()});

  // Declared after what they run, so they are joined before those go away.
  exec::WorkerPool fast(cfg.pg_pool_size, kWorkerQueue);
  exec::WorkerPool password(cfg.password_workers, kPasswordQueue);
  exec::WorkerPool outbound(kOutboundWorkers, kWorkerQueue);
  exec::WorkerPool credentials(kCredentialWorkers, kWorkerQueue);
  AuthGrpcService grpc_service(logic->get(), &wechat_logic,
                               {&fast, &password, &outbound, &credentials});
  return service::Serve({.name = "auth",
                         .grpc_listen_addr = cfg.grpc_listen_addr,
                         .metrics_listen_addr = cfg.metrics_listen_addr,
                         .serving_fields = {{"token_kid", tokens.kid()},
                                            {"wechat_appid", wx.oa_appid},
                                            {"sms_provider", cfg.sms.provider}},
                         .tls = cfg.tls,
                         .access = AuthAccessPolicy(cfg.token_centre_clients)},
                        {&grpc_service}, {&fast, &password, &outbound, &credentials});
}

}  // namespace
}  // namespace paymesh::auth

int main(int argc, char** argv) {
  const paymesh::config::RunMode mode = paymesh::config::ParseRunMode(argc, argv);
  if (mode == paymesh::config::RunMode::kUsage) return paymesh::config::ReportUsage("auth");
  paymesh::rpc::PrepareProcess();
  paymesh::config::EnvReader env;
  absl::StatusOr<paymesh::auth::AuthConfig> cfg = paymesh::auth::LoadAuthConfig(env);
  if (!cfg.ok()) return paymesh::service::ReportInvalidConfig("auth", env);
  if (mode == paymesh::config::RunMode::kCheckConfig)
    return paymesh::config::ReportConfigOk("auth");
  paymesh::log::Init("auth", cfg->log_level);
  return paymesh::auth::Run(*cfg);
}
