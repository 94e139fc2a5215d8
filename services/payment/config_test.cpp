#include "services/payment/config.h"

#include <gtest/gtest.h>

#include <map>

#include "common/crypto/rsa.h"

namespace paymesh::payment {
namespace {

using Vars = std::map<std::string, std::string>;

const crypto::RsaPrivateKey& MerchantKey() {
  static const crypto::RsaPrivateKey key = crypto::RsaPrivateKey::Generate(2048);
  return key;
}

const crypto::RsaPrivateKey& PlatformKey() {
  static const crypto::RsaPrivateKey key = crypto::RsaPrivateKey::Generate(2048);
  return key;
}

Vars DefaultFiles() {
  return {{"/keys/apiclient_key.pem", MerchantKey().ToPem()},
          {"/keys/apiv3_key", "0123456789abcdef0123456789abcdef\n"},
          {"/keys/pub_key.pem", PlatformKey().PublicKey().ToPem()}};
}

Vars ValidVars() {
  return {{"WECHATPAY_MCHID", "1900000109"},
          {"WECHAT_APPID", "wxd678efh567hg6787"},
          {"WECHATPAY_MERCHANT_SERIAL", "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C"},
          {"WECHATPAY_MERCHANT_PRIVATE_KEY_FILE", "/keys/apiclient_key.pem"},
          {"WECHATPAY_APIV3_KEY_FILE", "/keys/apiv3_key"},
          {"WECHATPAY_PLATFORM_PUBLIC_KEY_FILE", "/keys/pub_key.pem"},
          {"WECHATPAY_PLATFORM_PUBLIC_KEY_ID", "PUB_KEY_ID_0114232134912410000000000000"},
          {"WECHATPAY_NOTIFY_URL", "https://pay.example.com/wechat/notify/pay"},
          {"ORDER_GRPC_ADDR", "order:20052"},
          {"ALLOW_INSECURE_GRPC", "1"}};  // rpc/tls_test.cpp covers the TLS files
}

absl::StatusOr<PaymentConfig> Load(const Vars& vars, const Vars& files = DefaultFiles()) {
  config::EnvReader env(
      [vars](std::string_view name) -> std::optional<std::string> {
        auto it = vars.find(std::string(name));
        if (it == vars.end()) return std::nullopt;
        return it->second;
      },
      [files](const std::string& path) -> std::optional<std::string> {
        auto it = files.find(path);
        if (it == files.end()) return std::nullopt;
        return it->second;
      });
  return LoadPaymentConfig(env);
}

Vars With(Vars vars, const std::string& name, const std::string& value) {
  vars[name] = value;
  return vars;
}

bool Mentions(const absl::Status& st, std::string_view text) {
  return std::string(st.message()).find(text) != std::string::npos;
}

TEST(PaymentConfigTest, LoadsValidConfigWithDefaults) {
  auto cfg = Load(ValidVars());
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->grpc_listen_addr, "0.0.0.0:20053");
  EXPECT_EQ(cfg->metrics_listen_addr, "0.0.0.0:9093");
  EXPECT_EQ(cfg->log_level, log::Level::kInfo);
  EXPECT_EQ(cfg->worker_threads, 8u);
  EXPECT_EQ(cfg->base_url, "https://api.mch.weixin.qq.com");
  EXPECT_EQ(cfg->wechat_timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(cfg->redis_url, "");
  EXPECT_EQ(cfg->refund_notify_url, "https://pay.example.com/wechat/notify/refund");
  EXPECT_EQ(cfg->settle.interval, std::chrono::milliseconds(10'000));
  EXPECT_EQ(cfg->settle.reconcile_after, std::chrono::seconds(60));
  EXPECT_EQ(cfg->settle.reconcile_backoff_max, std::chrono::seconds(600));
  EXPECT_EQ(cfg->settle.batch, 100);
  EXPECT_EQ(cfg->mchid, "1900000109");
  EXPECT_EQ(cfg->appid, "wxd678efh567hg6787");
  // The trailing newline of the key file is not part of the key.
  EXPECT_EQ(cfg->apiv3_key.Reveal(), "0123456789abcdef0123456789abcdef");
  ASSERT_TRUE(cfg->merchant_private_key.has_value());
  ASSERT_EQ(cfg->platform_public_keys.size(), 1u);
  EXPECT_EQ(cfg->platform_public_keys[0].id, "PUB_KEY_ID_0114232134912410000000000000");
  EXPECT_FALSE(cfg->download_certificates);  // public-key mode
  EXPECT_EQ(cfg->certificate_refresh_interval, std::chrono::seconds(3600));
  // The loaded keys are the ones in the files.
  const std::string sig = cfg->merchant_private_key->SignSha256("m");
  EXPECT_TRUE(MerchantKey().PublicKey().VerifySha256("m", sig));
  EXPECT_TRUE(cfg->platform_public_keys[0].key.VerifySha256("m", PlatformKey().SignSha256("m")));
}

// §2.5: without a public key, certificates are downloaded; with one, not, unless asked (dual);
// several keys pair up in order.
TEST(PaymentConfigTest, PlatformKeyModes) {
  Vars certificate_mode = ValidVars();
  certificate_mode.erase("WECHATPAY_PLATFORM_PUBLIC_KEY_FILE");
  certificate_mode.erase("WECHATPAY_PLATFORM_PUBLIC_KEY_ID");
  auto cert = Load(certificate_mode);
  ASSERT_TRUE(cert.ok()) << cert.status();
  EXPECT_TRUE(cert->download_certificates);
  EXPECT_TRUE(cert->platform_public_keys.empty());

  auto dual = Load(With(ValidVars(), "WECHATPAY_PLATFORM_CERTIFICATES", "on"));
  ASSERT_TRUE(dual.ok()) << dual.status();
  EXPECT_TRUE(dual->download_certificates);
  EXPECT_EQ(dual->platform_public_keys.size(), 1u);

  auto off = Load(With(certificate_mode, "WECHATPAY_PLATFORM_CERTIFICATES", "off"));
  ASSERT_FALSE(off.ok());
  EXPECT_TRUE(Mentions(off.status(), "WECHATPAY_PLATFORM_CERTIFICATES=off needs"));

  Vars files = DefaultFiles();
  files["/keys/pub_key_2.pem"] = MerchantKey().PublicKey().ToPem();
  Vars two = With(ValidVars(), "WECHATPAY_PLATFORM_PUBLIC_KEY_FILE",
                  "/keys/pub_key.pem,/keys/pub_key_2.pem");
  two =
      With(two, "WECHATPAY_PLATFORM_PUBLIC_KEY_ID",
           "PUB_KEY_ID_0114232134912410000000000000,PUB_KEY_ID_0000000000000024101100397200000006");
  auto both = Load(two, files);
  ASSERT_TRUE(both.ok()) << both.status();
  ASSERT_EQ(both->platform_public_keys.size(), 2u);
  EXPECT_EQ(both->platform_public_keys[1].id, "PUB_KEY_ID_0000000000000024101100397200000006");
  EXPECT_TRUE(both->platform_public_keys[1].key.VerifySha256("m", MerchantKey().SignSha256("m")));

  auto unpaired =
      Load(With(two, "WECHATPAY_PLATFORM_PUBLIC_KEY_ID", "PUB_KEY_ID_0114232134912410000000000000"),
           files);
  ASSERT_FALSE(unpaired.ok());
  EXPECT_TRUE(Mentions(unpaired.status(), "as many entries"));
  EXPECT_FALSE(Load(With(ValidVars(), "WECHATPAY_CERT_REFRESH_SECONDS", "4")).ok());
  EXPECT_FALSE(Load(With(ValidVars(), "WECHATPAY_PLATFORM_CERTIFICATES", "yes")).ok());
}

TEST(PaymentConfigTest, ReportsEveryMissingVariableAtOnce) {
  auto cfg = Load({});
  ASSERT_FALSE(cfg.ok());
  for (const char* name : {"WECHATPAY_MCHID", "WECHAT_APPID", "WECHATPAY_MERCHANT_SERIAL",
                           "WECHATPAY_MERCHANT_PRIVATE_KEY_FILE", "WECHATPAY_APIV3_KEY_FILE",
                           "WECHATPAY_NOTIFY_URL", "ORDER_GRPC_ADDR"}) {
    EXPECT_TRUE(Mentions(cfg.status(), name)) << name << " in " << cfg.status();
  }
}

TEST(PaymentConfigTest, ApiV3KeyMustBe32Bytes) {
  Vars files = DefaultFiles();
  files["/keys/apiv3_key"] = "0123456789abcdef0123456789abcde";
  auto cfg = Load(ValidVars(), files);
  ASSERT_FALSE(cfg.ok());
  EXPECT_TRUE(Mentions(cfg.status(), "WECHATPAY_APIV3_KEY_FILE must hold exactly 32 bytes"));
  EXPECT_FALSE(Mentions(cfg.status(), "0123456789abcdef"));  // never echoes the secret
}

TEST(PaymentConfigTest, KeysMustParseAsRsa) {
  Vars files = DefaultFiles();
  files["/keys/apiclient_key.pem"] = "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----";
  files["/keys/pub_key.pem"] = "not a key";
  auto cfg = Load(ValidVars(), files);
  ASSERT_FALSE(cfg.ok());
  EXPECT_TRUE(Mentions(cfg.status(), "WECHATPAY_MERCHANT_PRIVATE_KEY_FILE must hold an RSA"));
  EXPECT_TRUE(Mentions(cfg.status(), "WECHATPAY_PLATFORM_PUBLIC_KEY_FILE must hold an RSA"));
}

TEST(PaymentConfigTest, UnreadableKeyFileIsAProblem) {
  auto cfg = Load(With(ValidVars(), "WECHATPAY_PLATFORM_PUBLIC_KEY_FILE", "/missing.pem"));
  ASSERT_FALSE(cfg.ok());
  EXPECT_TRUE(Mentions(cfg.status(), "WECHATPAY_PLATFORM_PUBLIC_KEY_FILE names a file"));
}

TEST(PaymentConfigTest, PublicKeyIdMustLookLikeOne) {
  auto cfg = Load(With(ValidVars(), "WECHATPAY_PLATFORM_PUBLIC_KEY_ID", "5157F09EFDC096DE"));
  ASSERT_FALSE(cfg.ok());
  EXPECT_TRUE(Mentions(cfg.status(), "WECHATPAY_PLATFORM_PUBLIC_KEY_ID"));
}

TEST(PaymentConfigTest, PlainHttpBaseUrlNeedsInsecureOptIn) {
  Vars vars = With(ValidVars(), "WECHATPAY_BASE_URL", "http://127.0.0.1:18080/");
  auto refused = Load(vars);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(Mentions(refused.status(), "ALLOW_INSECURE_UPSTREAMS"));

  auto allowed = Load(With(vars, "ALLOW_INSECURE_UPSTREAMS", "1"));
  ASSERT_TRUE(allowed.ok()) << allowed.status();
  EXPECT_EQ(allowed->base_url, "http://127.0.0.1:18080");
  EXPECT_TRUE(allowed->allow_insecure_upstreams);
}

TEST(PaymentConfigTest, BaseUrlMayNotHaveAPath) {
  auto cfg = Load(With(ValidVars(), "WECHATPAY_BASE_URL", "https://api.mch.weixin.qq.com/v3"));
  ASSERT_FALSE(cfg.ok());
  EXPECT_TRUE(Mentions(cfg.status(), "WECHATPAY_BASE_URL"));
}

TEST(PaymentConfigTest, NotifyUrlRules) {
  for (const std::string& bad :
       {std::string("https://pay.example.com/notify?x=1"), std::string("/wechat/notify/pay"),
        std::string("ftp://pay.example.com/notify"), std::string("https://pay.example.com/n#f"),
        "https://pay.example.com/" + std::string(240, 'a')}) {
    auto cfg = Load(With(ValidVars(), "WECHATPAY_NOTIFY_URL", bad));
    ASSERT_FALSE(cfg.ok()) << bad;
    EXPECT_TRUE(Mentions(cfg.status(), "WECHATPAY_NOTIFY_URL")) << bad;
  }
  auto dev =
      Load(With(ValidVars(), "WECHATPAY_NOTIFY_URL", "http://127.0.0.1:8080/wechat/notify/pay"));
  EXPECT_TRUE(dev.ok()) << dev.status();
}

TEST(PaymentConfigTest, ValidatesNumbersAndIds) {
  Vars vars = ValidVars();
  vars["WECHATPAY_TIMEOUT_MS"] = "0";
  vars["PAYMENT_SETTLE_INTERVAL_MS"] = "10";
  vars["PAYMENT_RECONCILE_AFTER_SECONDS"] = "0";
  vars["PAYMENT_SETTLE_BATCH"] = "501";
  vars["REDIS_URL"] = "http://127.0.0.1:6379";
  vars["WORKER_THREADS"] = "many";
  vars["WECHATPAY_MCHID"] = "19000x";
  vars["LOG_LEVEL"] = "verbose";
  auto cfg = Load(vars);
  ASSERT_FALSE(cfg.ok());
  for (const char* name :
       {"WECHATPAY_TIMEOUT_MS", "PAYMENT_SETTLE_INTERVAL_MS", "PAYMENT_RECONCILE_AFTER_SECONDS",
        "PAYMENT_SETTLE_BATCH", "REDIS_URL", "WORKER_THREADS", "WECHATPAY_MCHID", "LOG_LEVEL"}) {
    EXPECT_TRUE(Mentions(cfg.status(), name)) << name;
  }
}

}  // namespace
}  // namespace paymesh::payment
