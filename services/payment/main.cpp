// payment: WeChat Pay v3 client and notification handling. Until the payment RPCs land it serves
// its versioned contract, grpc.health.v1 and reflection, so deployments and probes are in place.

#include <iostream>

#include "common/http/metrics_endpoint.h"
#include "common/log/log.h"
#include "common/rpc/server.h"
#include "paymesh/payment/v1/payment.grpc.pb.h"
#include "services/payment/config.h"

namespace paymesh::payment {
namespace {

class PaymentGrpcService final : public v1::PaymentService::CallbackService {};

int Run() {
  config::EnvReader env;
  absl::StatusOr<PaymentConfig> cfg = LoadPaymentConfig(env);
  if (!cfg.ok()) {
    std::cerr << "payment: invalid configuration: " << cfg.status().message() << "\n";
    return 2;
  }
  log::Init("payment", cfg->log_level);

  int metrics_port = 0;
  auto metrics = http::StartMetricsServer(cfg->metrics_listen_addr, &metrics_port);
  if (!metrics.ok()) {
    log::Error("metrics listener failed", {{"error", metrics.status().ToString()}});
    return 1;
  }

  PaymentGrpcService service;
  rpc::Server server;
  server.AddService(&service);
  absl::StatusOr<int> port = server.Start(cfg->grpc_listen_addr);
  if (!port.ok()) {
    log::Error("grpc listener failed", {{"error", port.status().ToString()}});
    return 1;
  }
  log::Info("serving", {{"grpc_port", *port}, {"metrics_port", metrics_port}});

  int sig = rpc::WaitForTerminationSignal();
  log::Info("draining", {{"signal", sig}});
  server.Shutdown(std::chrono::seconds(10));
  (*metrics)->Stop();
  log::Info("stopped");
  return 0;
}

}  // namespace
}  // namespace paymesh::payment

int main() {
  paymesh::rpc::BlockTerminationSignals();
  return paymesh::payment::Run();
}
