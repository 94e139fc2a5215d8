// The payment service: config and keys → WeChat Pay client and order client → gRPC + metrics
// listeners → wait for SIGTERM/SIGINT → drain. No logic here.

#include <chrono>
#include <memory>

#include "common/config/env.h"
#include "common/crypto/crypto.h"
#include "common/exec/worker_pool.h"
#include "common/http/client.h"
#include "common/http/transport.h"
#include "common/log/log.h"
#include "common/ratelimit/redis_rate_limiter.h"
#include "common/redis/client.h"
#include "common/rpc/call.h"
#include "common/rpc/server.h"
#include "common/service/serve.h"
#include "common/wechatpay/verifier.h"
#include "services/payment/config.h"
#include "services/payment/grpc_auth_client.h"
#include "services/payment/grpc_order_client.h"
#include "services/payment/lease.h"
#include "services/payment/logic.h"
#include "services/payment/platform_certs.h"
#include "services/payment/service.h"
#include "services/payment/settler.h"
#include "services/payment/wechat_client.h"

namespace paymesh::payment {
namespace {

constexpr size_t kWorkerQueue = 1024;
constexpr char kUserAgent[] = "paymesh-payment/1.0";
constexpr char kSettleLeaseKeyPrefix[] = "paymesh:payment:settle-lease:";
constexpr char kRateLimitKeyPrefix[] = "paymesh:payment:rl:";
constexpr char kCertificatesKeyPrefix[] = "paymesh:payment:platform-certs:";

// The WeChat Pay client as the certificates' source.
class CertificateDownloader final : public CertificateSource {
 public:
  explicit CertificateDownloader(WechatPayClient& client) : client_(client) {}
  absl::StatusOr<SignedAnswer> DownloadCertificates() override {
    return client_.DownloadCertificates();
  }

 private:
  WechatPayClient& client_;
};

int Run(const PaymentConfig& cfg) {
  wechatpay::Verifier verifier;
  for (const PlatformPublicKey& k : cfg.platform_public_keys) verifier.AddKey(k.id, k.key);

  absl::StatusOr<std::unique_ptr<http::Client>> http_client =
      http::Client::Create({.ca_file = cfg.upstream_ca_file,
                            .allow_insecure = cfg.allow_insecure_upstreams,
                            .timeout = cfg.wechat_timeout,
                            .user_agent = kUserAgent});
  if (!http_client.ok()) {
    log::Error("HTTP client failed", {{"error", http_client.status().message()}});
    return 1;
  }
  http::ClientTransport transport(**http_client);
  WechatPayClient wechat({.base_url = cfg.base_url,
                          .mchid = cfg.mchid,
                          .merchant_serial = cfg.merchant_serial,
                          .timeout = cfg.wechat_timeout,
                          .user_agent = kUserAgent},
                         *cfg.merchant_private_key, verifier, transport, time::SystemClock());
  GrpcOrderClient orders(rpc::MakeChannel(cfg.order_grpc_addr, cfg.tls, rpc::identity::kOrder));
  // JSAPI and mini program payments need the payer's openid, which auth keeps.
  std::unique_ptr<GrpcAuthClient> identities;
  if (!cfg.auth_grpc_addr.empty()) {
    identities = std::make_unique<GrpcAuthClient>(
        rpc::MakeChannel(cfg.auth_grpc_addr, cfg.tls, rpc::identity::kAuth));
  }
  // One Redis for the settling lease and the per-user limits; without it, neither.
  std::unique_ptr<redis::Client> redis;
  std::unique_ptr<ratelimit::RedisRateLimiter> limiter;
  if (!cfg.redis_url.empty()) {
    redis = std::make_unique<redis::Client>(*redis::ParseUrl(cfg.redis_url));
    limiter = std::make_unique<ratelimit::RedisRateLimiter>(redis.get(), kRateLimitKeyPrefix);
  }
  PaymentLogic logic({.appid = cfg.appid,
                      .miniprogram_appid = cfg.miniprogram_appid,
                      .mchid = cfg.mchid,
                      .notify_url = cfg.notify_url,
                      .apiv3_key = cfg.apiv3_key.Reveal(),
                      .v2_key = cfg.v2_key.Reveal(),
                      .refund_notify_url = cfg.refund_notify_url,
                      .user_calls_per_minute = cfg.user_calls_per_minute},
                     orders, wechat, verifier, time::SystemClock(), identities.get(),
                     &*cfg.merchant_private_key, limiter.get());
  // Certificate (or dual) mode: certificates downloaded, shared through Redis, kept current.
  CertificateDownloader downloader(wechat);
  std::unique_ptr<RedisCertificateCache> cert_cache;
  std::unique_ptr<PlatformCertificates> certificates;
  if (cfg.download_certificates) {
    if (redis != nullptr) {
      cert_cache = std::make_unique<RedisCertificateCache>(
          *redis, std::string(kCertificatesKeyPrefix) + cfg.mchid,
          2 * cfg.certificate_refresh_interval);
    }
    certificates = std::make_unique<PlatformCertificates>(
        PlatformCertificatesOptions{.apiv3_key = cfg.apiv3_key.Reveal(),
                                    .refresh_interval = cfg.certificate_refresh_interval},
        downloader, cert_cache.get(), verifier, time::SystemClock());
    wechat.SetKeyRefresher(certificates.get());
    logic.SetKeyRefresher(certificates.get());
    certificates->Start();
  }
  // One replica at a time settles (lease.h); without Redis every replica does.
  std::unique_ptr<Lease> lease;
  if (redis == nullptr) {
    log::Warn("no REDIS_URL: every payment replica runs the settling job, users are not limited",
              {});
    lease = std::make_unique<SoleLease>();
  } else {
    // One lease per merchant and app: deployments sharing a Redis never stand in for each other.
    lease = std::make_unique<RedisLease>(
        *redis, std::string(kSettleLeaseKeyPrefix) + cfg.mchid + ":" + cfg.appid,
        crypto::RandomAlnum(16));
  }
  // Declared after everything they run, so they are joined before those go away.
  Settler settler(logic, orders, *lease, time::SystemClock(), cfg.settle);
  settler.Start();
  exec::WorkerPool workers(cfg.worker_threads, kWorkerQueue);
  PaymentGrpcService grpc_service(logic, workers);
  return service::Serve(
      {.name = "payment",
       .grpc_listen_addr = cfg.grpc_listen_addr,
       .metrics_listen_addr = cfg.metrics_listen_addr,
       .serving_fields = {{"mchid", cfg.mchid}, {"wechatpay_base_url", cfg.base_url}},
       .tls = cfg.tls,
       .access = PaymentAccessPolicy()},
      {&grpc_service}, workers);
}

}  // namespace
}  // namespace paymesh::payment

int main(int argc, char** argv) {
  const paymesh::config::RunMode mode = paymesh::config::ParseRunMode(argc, argv);
  if (mode == paymesh::config::RunMode::kUsage) return paymesh::config::ReportUsage("payment");
  paymesh::rpc::PrepareProcess();
  paymesh::config::EnvReader env;
  absl::StatusOr<paymesh::payment::PaymentConfig> cfg = paymesh::payment::LoadPaymentConfig(env);
  if (!cfg.ok()) return paymesh::service::ReportInvalidConfig("payment", env);
  if (mode == paymesh::config::RunMode::kCheckConfig)
    return paymesh::config::ReportConfigOk("payment");
  paymesh::log::Init("payment", cfg->log_level);
  return paymesh::payment::Run(*cfg);
}
