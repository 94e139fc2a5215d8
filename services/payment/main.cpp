// The payment service: config and keys → WeChat Pay client and order client → gRPC + metrics
// listeners → wait for SIGTERM/SIGINT → drain. No logic here.

#include <chrono>
#include <iostream>

#include "common/config/env.h"
#include "common/exec/worker_pool.h"
#include "common/http/client.h"
#include "common/http/metrics_endpoint.h"
#include "common/log/log.h"
#include "common/rpc/call.h"
#include "common/rpc/server.h"
#include "common/wechatpay/verifier.h"
#include "services/payment/config.h"
#include "services/payment/grpc_order_client.h"
#include "services/payment/http_transport.h"
#include "services/payment/logic.h"
#include "services/payment/service.h"
#include "services/payment/wechat_client.h"

namespace paymesh::payment {
namespace {

constexpr size_t kWorkerQueue = 1024;
constexpr std::chrono::seconds kDrainGrace{10};
constexpr char kUserAgent[] = "paymesh-payment/1.0";

Timestamp Now() { return std::chrono::system_clock::now(); }

int Run(const PaymentConfig& cfg) {
  wechatpay::Verifier verifier;
  verifier.AddKey(cfg.platform_public_key_id, *cfg.platform_public_key);

  absl::StatusOr<std::unique_ptr<http::Client>> http_client =
      http::Client::Create({.ca_file = cfg.upstream_ca_file,
                            .allow_insecure = cfg.allow_insecure_upstreams,
                            .timeout = cfg.wechat_timeout,
                            .user_agent = kUserAgent});
  if (!http_client.ok()) {
    log::Error("HTTP client failed", {{"error", http_client.status().message()}});
    return 1;
  }
  HttpClientTransport transport(**http_client);
  WechatPayClient wechat({.base_url = cfg.base_url,
                          .mchid = cfg.mchid,
                          .merchant_serial = cfg.merchant_serial,
                          .platform_key_id = cfg.platform_public_key_id,
                          .timeout = cfg.wechat_timeout,
                          .user_agent = kUserAgent},
                         *cfg.merchant_private_key, verifier, transport, Now);
  GrpcOrderClient orders(rpc::MakeChannel(cfg.order_grpc_addr));
  PaymentLogic logic({.appid = cfg.appid,
                      .mchid = cfg.mchid,
                      .notify_url = cfg.notify_url,
                      .apiv3_key = cfg.apiv3_key.Reveal(),
                      .order_ttl = cfg.order_ttl},
                     orders, wechat, verifier, Now);
  // Declared after everything it runs, so it is joined before they go away.
  exec::WorkerPool workers(cfg.worker_threads, kWorkerQueue);
  PaymentGrpcService service(logic, workers);

  rpc::SetServiceName("payment");
  rpc::Server server;
  server.AddService(&service);
  absl::StatusOr<int> grpc_port = server.Start(cfg.grpc_listen_addr);
  if (!grpc_port.ok()) {
    log::Error("gRPC listener failed", {{"error", grpc_port.status().message()}});
    return 1;
  }
  int metrics_port = 0;
  auto metrics = http::StartMetricsServer(cfg.metrics_listen_addr, &metrics_port);
  if (!metrics.ok()) {
    log::Error("metrics listener failed", {{"error", metrics.status().message()}});
    server.Shutdown(std::chrono::milliseconds(0));
    return 1;
  }
  log::Info("serving", {{"grpc_port", *grpc_port},
                        {"metrics_port", metrics_port},
                        {"mchid", cfg.mchid},
                        {"wechatpay_base_url", cfg.base_url}});

  int signal = rpc::WaitForTerminationSignal();
  log::Info("draining", {{"signal", signal}});
  server.Shutdown(kDrainGrace);
  workers.Shutdown();
  (*metrics)->Stop();
  log::Info("stopped");
  return 0;
}

}  // namespace
}  // namespace paymesh::payment

int main() {
  paymesh::rpc::BlockTerminationSignals();
  paymesh::config::EnvReader env;
  absl::StatusOr<paymesh::payment::PaymentConfig> cfg = paymesh::payment::LoadPaymentConfig(env);
  if (!cfg.ok()) {
    std::cerr << "payment: invalid configuration\n";
    for (const std::string& problem : env.problems()) std::cerr << "  " << problem << "\n";
    return 2;
  }
  paymesh::log::Init("payment", cfg->log_level);
  return paymesh::payment::Run(*cfg);
}
