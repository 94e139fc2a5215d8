#include "services/auth/config.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <sstream>

#include "common/error/status_macros.h"
#include "common/rpc/access.h"

namespace paymesh::auth {
namespace {

constexpr char kDefaultJsapiList[] =
    "chooseWXPay,updateAppMessageShareData,updateTimelineShareData";

// An appid and the secret file that goes with it: both or neither.
void LoadApp(config::EnvReader& env, const char* id_var, const char* secret_var, std::string* appid,
             config::Secret* secret) {
  *appid = env.String(id_var, "");
  const bool has_secret = !env.String(secret_var, "").empty();
  if (appid->empty() != !has_secret) {
    env.AddProblem(std::string(id_var) + " and " + secret_var +
                   " go together: set both or neither");
    return;
  }
  if (appid->empty()) return;
  if (appid->size() > 32 || !std::all_of(appid->begin(), appid->end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
      })) {
    env.AddProblem(std::string(id_var) + " must be 1-32 of [A-Za-z0-9_]");
  }
  if (std::optional<config::Secret> s = env.OptionalSecretFile(secret_var)) *secret = *s;
}

void LoadWechat(config::EnvReader& env, WechatConfig& w) {
  LoadApp(env, "WECHAT_APPID", "WECHAT_APPSECRET_FILE", &w.oa_appid, &w.oa_secret);
  LoadApp(env, "WECHAT_MINIPROGRAM_APPID", "WECHAT_MINIPROGRAM_SECRET_FILE", &w.miniprogram_appid,
          &w.miniprogram_secret);
  w.allow_insecure_upstreams = env.Bool("ALLOW_INSECURE_UPSTREAMS", false);
  w.upstream_ca_file = env.String("UPSTREAM_CA_FILE", "");
  w.api_base_url =
      env.BaseUrl("WECHAT_API_BASE_URL", "https://api.weixin.qq.com", w.allow_insecure_upstreams);
  // The browser is sent there; it is no upstream of ours, but http:// is still only for tests.
  w.open_base_url =
      env.BaseUrl("WECHAT_OPEN_BASE_URL", "https://open.weixin.qq.com", w.allow_insecure_upstreams);
  w.timeout = env.Millis("WECHAT_TIMEOUT_MS", std::chrono::milliseconds(3000),
                         std::chrono::milliseconds(100), std::chrono::milliseconds(30000));
  w.public_url = env.String("GATEWAY_PUBLIC_URL", "");
  while (!w.public_url.empty() && w.public_url.back() == '/') w.public_url.pop_back();
  if (!w.public_url.empty() && !config::IsOrigin(w.public_url)) {
    env.AddProblem("GATEWAY_PUBLIC_URL must be http(s)://host[:port] with no path");
  } else if (w.public_url.empty() && !w.oa_appid.empty()) {
    env.AddProblem(
        "GATEWAY_PUBLIC_URL is required with WECHAT_APPID (the OAuth callback lives there)");
  }
  w.allowed_origins = env.Origins("AUTH_ALLOWED_ORIGINS", w.public_url);
  std::string list = env.String("WECHAT_JSAPI_LIST", kDefaultJsapiList);
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = std::min(list.find(',', start), list.size());
    std::string api = list.substr(start, comma - start);
    if (!api.empty()) {
      if (!std::all_of(api.begin(), api.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)); })) {
        env.AddProblem("WECHAT_JSAPI_LIST must be comma-separated JS-SDK API names");
        break;
      }
      w.jsapi_list.push_back(api);
    }
    start = comma + 1;
  }
  w.refresh_before =
      std::chrono::seconds(env.Int("AUTH_WECHAT_TOKEN_REFRESH_BEFORE_SECONDS", 240, 1, 300));
}

void LoadSms(config::EnvReader& env, SmsConfig& sms) {
  sms.provider = env.OneOf("SMS_PROVIDER", "none", {"none", "dev", "tencent"});
  if (sms.provider == "dev") {
    sms.dev_url = env.RequiredString("SMS_DEV_URL");
    if (!sms.dev_url.empty() && sms.dev_url.rfind("http://", 0) != 0 &&
        sms.dev_url.rfind("https://", 0) != 0) {
      env.AddProblem("SMS_DEV_URL must be an http(s) URL");
    }
  } else if (sms.provider == "tencent") {
    TencentSmsOptions& t = sms.tencent;
    t.endpoint = env.BaseUrl("TENCENT_SMS_ENDPOINT", t.endpoint, false);
    t.region = env.String("TENCENT_SMS_REGION", t.region);
    t.secret_id = env.RequiredString("TENCENT_SMS_SECRET_ID");
    t.secret_key = env.RequiredSecretFile("TENCENT_SMS_SECRET_KEY_FILE");
    t.sdk_app_id = env.RequiredString("TENCENT_SMS_SDK_APP_ID");
    t.sign_name = env.RequiredString("TENCENT_SMS_SIGN_NAME");
    t.template_id = env.RequiredString("TENCENT_SMS_TEMPLATE_ID");
  }
  SmsCodeOptions& c = sms.codes;
  c.resend_after = std::chrono::seconds(env.Int("AUTH_SMS_RESEND_SECONDS", 60, 0, 3600));
  c.max_per_day = env.Int("AUTH_SMS_MAX_PER_DAY", 10, 1, 1000);
  c.max_per_ip = env.Int("AUTH_SMS_MAX_PER_IP", 20, 1, 1000000);
}

}  // namespace

absl::StatusOr<AuthConfig> LoadAuthConfig(config::EnvReader& env) {
  AuthConfig cfg;
  cfg.grpc_listen_addr = env.ListenAddr("GRPC_LISTEN_ADDR", "0.0.0.0:20051");
  cfg.metrics_listen_addr = env.ListenAddr("METRICS_LISTEN_ADDR", "0.0.0.0:9091");
  std::string level = env.OneOf("LOG_LEVEL", "info", {"debug", "info", "warn", "error"});
  log::ParseLevel(level, &cfg.log_level);
  cfg.pg_dsn = env.RequiredSecretOrString("PG_DSN").Reveal();  // or PG_DSN_FILE (k8s Secret)
  cfg.pg_pool_size = static_cast<size_t>(env.Int("PG_POOL_SIZE", 8, 1, 256));

  std::string redis_url = env.RequiredSecretOrString("REDIS_URL").Reveal();  // or REDIS_URL_FILE
  if (!redis_url.empty()) {
    absl::StatusOr<redis::Options> redis = redis::ParseUrl(redis_url);
    if (redis.ok()) {
      cfg.redis = *redis;
    } else {
      env.AddProblem("REDIS_URL: " + std::string(redis.status().message()));
    }
  }
  cfg.redis.pool_size = cfg.pg_pool_size;

  config::Secret key_pem = env.RequiredSecretFile("AUTH_TOKEN_SIGNING_KEY_FILE");
  if (!key_pem.empty()) {
    absl::StatusOr<crypto::Ed25519PrivateKey> key =
        crypto::Ed25519PrivateKey::FromPem(key_pem.Reveal());
    if (key.ok()) {
      cfg.signing_key = *key;
    } else {
      env.AddProblem("AUTH_TOKEN_SIGNING_KEY_FILE: not an Ed25519 PKCS#8 PEM private key");
    }
  }

  AuthOptions& a = cfg.auth;
  a.access_ttl = std::chrono::seconds(env.Int("AUTH_ACCESS_TTL_SECONDS", 900, 1, 86400));
  a.refresh_ttl =
      std::chrono::seconds(env.Int("AUTH_REFRESH_TTL_SECONDS", 1209600, 60, 90 * 86400));
  if (a.refresh_ttl < a.access_ttl) {
    env.AddProblem("AUTH_REFRESH_TTL_SECONDS: must not be shorter than AUTH_ACCESS_TTL_SECONDS");
  }
  a.login_max_per_user_ip = env.Int("AUTH_LOGIN_MAX_PER_USER_IP", 10, 1, 1000000);
  a.login_max_per_ip = env.Int("AUTH_LOGIN_MAX_PER_IP", 50, 1, 1000000);
  a.login_window = std::chrono::seconds(env.Int("AUTH_LOGIN_WINDOW_SECONDS", 300, 1, 86400));
  a.scrypt.log2_n = static_cast<int>(env.Int("AUTH_SCRYPT_LOG2_N", 15, 10, 20));
  a.register_max_per_ip = env.Int("AUTH_REGISTER_MAX_PER_IP", 10, 1, 1000000);
  cfg.password_workers = static_cast<size_t>(env.Int("AUTH_PASSWORD_WORKERS", 2, 1, 64));

  LoadWechat(env, cfg.wechat);
  LoadSms(env, cfg.sms);

  cfg.tls = rpc::LoadTlsConfig(env);
  std::istringstream clients(env.String("AUTH_TOKEN_CENTRE_CLIENTS", ""));
  for (std::string identity; std::getline(clients, identity, ',');) {
    std::erase_if(identity, [](unsigned char c) { return std::isspace(c); });
    if (identity.empty()) continue;
    if (!rpc::IsIdentityName(identity)) {
      env.AddProblem("AUTH_TOKEN_CENTRE_CLIENTS lists identities of [a-z0-9.-], got '" + identity +
                     "'");
    }
    cfg.token_centre_clients.push_back(std::move(identity));
  }
  RETURN_IF_ERROR(env.Finish());
  return cfg;
}

}  // namespace paymesh::auth
