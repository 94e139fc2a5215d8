#include "services/payment/config.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "common/redis/client.h"
#include "common/wechatpay/notification.h"
#include "common/wechatpay/v2.h"

namespace paymesh::payment {
namespace {

constexpr char kDefaultBaseUrl[] = "https://api.mch.weixin.qq.com";
constexpr char kPublicKeyIdPrefix[] = "PUB_KEY_ID_";
constexpr size_t kMaxNotifyUrlBytes = 255;
constexpr size_t kMaxIdBytes = 32;
constexpr size_t kMaxSerialBytes = 64;

bool AllOf(std::string_view s, int (*pred)(int)) {
  for (char c : s) {
    if (!pred(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

int IsDigit(int c) { return std::isdigit(c); }
int IsHex(int c) { return std::isxdigit(c); }
int IsIdChar(int c) { return std::isalnum(c) || c == '_'; }
int IsUrlChar(int c) { return std::isgraph(c) && c != '?' && c != '#'; }

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// `s` without "http://" or "https://", or nullopt for another scheme.
std::optional<std::string_view> AfterScheme(std::string_view s, bool* https) {
  if (StartsWith(s, "https://")) {
    *https = true;
    return s.substr(8);
  }
  if (StartsWith(s, "http://")) {
    *https = false;
    return s.substr(7);
  }
  return std::nullopt;
}

void LoadMerchant(config::EnvReader& env, PaymentConfig& cfg) {
  cfg.mchid = env.RequiredString("WECHATPAY_MCHID");
  if (!cfg.mchid.empty() && (cfg.mchid.size() > kMaxIdBytes || !AllOf(cfg.mchid, IsDigit))) {
    env.AddProblem("WECHATPAY_MCHID must be 1-32 digits");
  }
  cfg.appid = env.RequiredString("WECHAT_APPID");
  if (!cfg.appid.empty() && (cfg.appid.size() > kMaxIdBytes || !AllOf(cfg.appid, IsIdChar))) {
    env.AddProblem("WECHAT_APPID must be 1-32 of [A-Za-z0-9_]");
  }
  cfg.merchant_serial = env.RequiredString("WECHATPAY_MERCHANT_SERIAL");
  if (!cfg.merchant_serial.empty() &&
      (cfg.merchant_serial.size() > kMaxSerialBytes || !AllOf(cfg.merchant_serial, IsHex))) {
    env.AddProblem("WECHATPAY_MERCHANT_SERIAL must be the certificate serial in hex");
  }

  config::Secret key_pem = env.RequiredSecretFile("WECHATPAY_MERCHANT_PRIVATE_KEY_FILE");
  if (!key_pem.empty()) {
    absl::StatusOr<crypto::RsaPrivateKey> key = crypto::RsaPrivateKey::FromPem(key_pem.Reveal());
    if (!key.ok() || key->bits() < 2048) {
      env.AddProblem(
          "WECHATPAY_MERCHANT_PRIVATE_KEY_FILE must hold an RSA private key of at least 2048 bits "
          "(PEM)");
    } else {
      cfg.merchant_private_key = std::move(*key);
    }
  }

  cfg.apiv3_key = env.RequiredSecretFile("WECHATPAY_APIV3_KEY_FILE");
  if (!cfg.apiv3_key.empty() && cfg.apiv3_key.Reveal().size() != wechatpay::kApiV3KeyBytes) {
    env.AddProblem("WECHATPAY_APIV3_KEY_FILE must hold exactly 32 bytes, got " +
                   std::to_string(cfg.apiv3_key.Reveal().size()));
  }
}

std::vector<std::string> SplitList(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    out.emplace_back(list.substr(0, comma));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

bool IsPublicKeyId(std::string_view id) {
  return StartsWith(id, kPublicKeyIdPrefix) && id.size() > sizeof(kPublicKeyIdPrefix) - 1 &&
         id.size() <= kMaxSerialBytes && AllOf(id, IsIdChar);
}

// Public-key mode: WECHATPAY_PLATFORM_PUBLIC_KEY_FILE and _ID, each a comma-separated list
// paired in order (several keys while WeChat moves the merchant to a new one; the first is
// named in requests). Certificates are downloaded without them, or with them when
// WECHATPAY_PLATFORM_CERTIFICATES=on (dual mode, while a merchant migrates).
void LoadPlatformKeys(config::EnvReader& env, PaymentConfig& cfg) {
  const std::vector<std::string> files =
      SplitList(env.String("WECHATPAY_PLATFORM_PUBLIC_KEY_FILE", ""));
  const std::vector<std::string> ids =
      SplitList(env.String("WECHATPAY_PLATFORM_PUBLIC_KEY_ID", ""));
  if (files.size() != ids.size()) {
    env.AddProblem(
        "WECHATPAY_PLATFORM_PUBLIC_KEY_FILE and WECHATPAY_PLATFORM_PUBLIC_KEY_ID must list as "
        "many entries each (comma-separated, paired in order)");
  }
  for (size_t i = 0; i < std::min(files.size(), ids.size()); ++i) {
    if (!IsPublicKeyId(ids[i])) {
      env.AddProblem("WECHATPAY_PLATFORM_PUBLIC_KEY_ID entries must look like PUB_KEY_ID_0123…");
      continue;
    }
    std::optional<config::Secret> pem =
        env.ReadSecretFile("WECHATPAY_PLATFORM_PUBLIC_KEY_FILE", files[i]);
    if (!pem) continue;
    absl::StatusOr<crypto::RsaPublicKey> key = crypto::RsaPublicKey::FromPem(pem->Reveal());
    if (!key.ok()) {
      env.AddProblem(
          "WECHATPAY_PLATFORM_PUBLIC_KEY_FILE must hold an RSA public key (PEM): entry " +
          std::to_string(i + 1));
      continue;
    }
    cfg.platform_public_keys.push_back({ids[i], std::move(*key)});
  }
  const std::string mode =
      env.OneOf("WECHATPAY_PLATFORM_CERTIFICATES", "auto", {"auto", "on", "off"});
  cfg.download_certificates = mode == "on" || (mode == "auto" && files.empty());
  if (mode == "off" && files.empty()) {
    env.AddProblem(
        "WECHATPAY_PLATFORM_CERTIFICATES=off needs WECHATPAY_PLATFORM_PUBLIC_KEY_FILE and _ID");
  }
  cfg.certificate_refresh_interval =
      std::chrono::seconds(env.Int("WECHATPAY_CERT_REFRESH_SECONDS", 3600, 5, 86'400));
}

// An absolute http(s) URL WeChat can call back, or a problem naming `name`.
void CheckNotifyUrl(config::EnvReader& env, const char* name, const std::string& url) {
  if (url.empty()) return;
  bool https = false;
  std::optional<std::string_view> rest = AfterScheme(url, &https);
  if (!rest || rest->empty() || rest->front() == '/' || !AllOf(*rest, IsUrlChar) ||
      url.size() > kMaxNotifyUrlBytes) {
    env.AddProblem(std::string(name) +
                   " must be an absolute http(s) URL of at most 255 bytes with no query string "
                   "or fragment");
  }
}

void LoadUrls(config::EnvReader& env, PaymentConfig& cfg) {
  cfg.allow_insecure_upstreams = env.Bool("ALLOW_INSECURE_UPSTREAMS", false);
  cfg.base_url = env.BaseUrl("WECHATPAY_BASE_URL", kDefaultBaseUrl, cfg.allow_insecure_upstreams);
  cfg.upstream_ca_file = env.String("UPSTREAM_CA_FILE", "");

  cfg.notify_url = env.RequiredString("WECHATPAY_NOTIFY_URL");
  CheckNotifyUrl(env, "WECHATPAY_NOTIFY_URL", cfg.notify_url);
  // The gateway takes refunds on /wechat/notify/refund, next to /wechat/notify/pay.
  std::string sibling = cfg.notify_url;
  if (sibling.size() >= 4 && sibling.compare(sibling.size() - 4, 4, "/pay") == 0) {
    sibling.replace(sibling.size() - 4, 4, "/refund");
  }
  cfg.refund_notify_url = env.String("WECHATPAY_REFUND_NOTIFY_URL", sibling);
  CheckNotifyUrl(env, "WECHATPAY_REFUND_NOTIFY_URL", cfg.refund_notify_url);
}

}  // namespace

absl::StatusOr<PaymentConfig> LoadPaymentConfig(config::EnvReader& env) {
  PaymentConfig cfg;
  cfg.grpc_listen_addr = env.ListenAddr("GRPC_LISTEN_ADDR", "0.0.0.0:20053");
  cfg.metrics_listen_addr = env.ListenAddr("METRICS_LISTEN_ADDR", "0.0.0.0:9093");
  std::string level = env.OneOf("LOG_LEVEL", "info", {"debug", "info", "warn", "error"});
  log::ParseLevel(level, &cfg.log_level);
  cfg.worker_threads = static_cast<size_t>(env.Int("WORKER_THREADS", 8, 1, 256));
  cfg.order_grpc_addr = env.RequiredString("ORDER_GRPC_ADDR");
  cfg.auth_grpc_addr = env.String("AUTH_GRPC_ADDR", "");
  cfg.miniprogram_appid = env.String("WECHAT_MINIPROGRAM_APPID", "");
  if (!cfg.miniprogram_appid.empty() &&
      (cfg.miniprogram_appid.size() > kMaxIdBytes || !AllOf(cfg.miniprogram_appid, IsIdChar))) {
    env.AddProblem("WECHAT_MINIPROGRAM_APPID must be 1-32 of [A-Za-z0-9_]");
  }

  LoadMerchant(env, cfg);
  LoadPlatformKeys(env, cfg);
  LoadUrls(env, cfg);
  cfg.wechat_timeout = env.Millis("WECHATPAY_TIMEOUT_MS", std::chrono::milliseconds(5000),
                                  std::chrono::milliseconds(100), std::chrono::milliseconds(60000));
  if (std::optional<config::Secret> v2 = env.OptionalSecretFile("WECHATPAY_V2_KEY_FILE")) {
    if (v2->Reveal().size() != wechatpay::kV2KeyBytes) {
      env.AddProblem("WECHATPAY_V2_KEY_FILE must hold exactly 32 bytes");
    } else {
      cfg.v2_key = std::move(*v2);
    }
  }
  cfg.redis_url = env.String("REDIS_URL", "");
  if (!cfg.redis_url.empty() && !redis::ParseUrl(cfg.redis_url).ok()) {
    env.AddProblem("REDIS_URL must look like redis://[:password@]host[:port][/db]");
  }
  cfg.settle.interval =
      env.Millis("PAYMENT_SETTLE_INTERVAL_MS", std::chrono::milliseconds(10'000),
                 std::chrono::milliseconds(100), std::chrono::milliseconds(600'000));
  cfg.settle.reconcile_after =
      std::chrono::seconds(env.Int("PAYMENT_RECONCILE_AFTER_SECONDS", 60, 1, 86'400));
  cfg.settle.reconcile_backoff_max =
      std::chrono::seconds(env.Int("PAYMENT_RECONCILE_BACKOFF_MAX_SECONDS", 600, 1, 86'400));
  cfg.settle.batch = static_cast<int>(env.Int("PAYMENT_SETTLE_BATCH", 100, 1, 500));
  cfg.user_calls_per_minute =
      static_cast<int>(env.Int("PAYMENT_USER_CALLS_PER_MINUTE", 30, 0, 100'000));

  cfg.tls = rpc::LoadTlsConfig(env);
  absl::Status st = env.Finish();
  if (!st.ok()) return st;
  return cfg;
}

}  // namespace paymesh::payment
