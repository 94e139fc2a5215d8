// notify-gateway: config → upstream channels → HTTP server → wait for SIGTERM → drain.

#include <iostream>

#include "common/config/env.h"
#include "common/http/server.h"
#include "common/log/log.h"
#include "common/rpc/access.h"
#include "common/rpc/call.h"
#include "common/rpc/server.h"
#include "services/notify-gateway/config.h"
#include "services/notify-gateway/gateway.h"
#include "services/notify-gateway/upstreams.h"

int main(int argc, char** argv) {
  using namespace paymesh;
  const config::RunMode mode = config::ParseRunMode(argc, argv);
  if (mode == config::RunMode::kUsage) return config::ReportUsage("notify-gateway");
  rpc::PrepareProcess();

  config::EnvReader env;
  absl::StatusOr<gateway::GatewayConfig> cfg = gateway::LoadGatewayConfig(env);
  if (!cfg.ok()) {
    for (const std::string& problem : env.problems()) {
      std::cerr << "notify-gateway: " << problem << "\n";
    }
    if (env.problems().empty()) std::cerr << "notify-gateway: " << cfg.status() << "\n";
    return 2;
  }
  if (mode == config::RunMode::kCheckConfig) return config::ReportConfigOk("notify-gateway");
  log::Init("notify-gateway", cfg->log_level);

  gateway::GrpcUpstreams upstreams(
      rpc::MakeChannel(cfg->auth_addr, cfg->tls, rpc::identity::kAuth),
      rpc::MakeChannel(cfg->order_addr, cfg->tls, rpc::identity::kOrder),
      rpc::MakeChannel(cfg->payment_addr, cfg->tls, rpc::identity::kPayment),
      {.call = cfg->upstream_timeout,
       .notify = cfg->notify_timeout,
       .payment = cfg->payment_timeout,
       .wechat = cfg->wechat_timeout});
  std::unique_ptr<gateway::Router> router =
      gateway::BuildRouter(gateway::RouterOptionsFrom(*cfg), upstreams);

  http::ServerOptions options;
  options.threads = cfg->threads;
  options.max_header_bytes = cfg->max_header_bytes;
  options.max_body_bytes = gateway::ServerMaxBodyBytes(*cfg);  // the router caps each route
  options.read_timeout = cfg->read_timeout;
  options.idle_timeout = cfg->idle_timeout;
  http::Server server(options, [&router](http::Request& req) { return router->Handle(req); });
  absl::StatusOr<int> port = server.Start(cfg->listen_addr);
  if (!port.ok()) {
    log::Error("cannot start", {{"error", std::string(port.status().message())}});
    return 1;
  }
  // The operations port, when configured: health and metrics off the public one.
  std::unique_ptr<gateway::Router> infra_router;
  std::unique_ptr<http::Server> infra_server;
  int metrics_port = 0;
  if (!cfg->metrics_listen_addr.empty()) {
    infra_router = gateway::BuildInfraRouter(gateway::RouterOptionsFrom(*cfg), upstreams);
    http::ServerOptions infra_options;
    infra_options.threads = 1;
    infra_options.max_body_bytes = 0;
    infra_server = std::make_unique<http::Server>(
        infra_options, [&infra_router](http::Request& req) { return infra_router->Handle(req); });
    absl::StatusOr<int> p = infra_server->Start(cfg->metrics_listen_addr);
    if (!p.ok()) {
      log::Error("cannot start the metrics listener",
                 {{"error", std::string(p.status().message())}});
      return 1;
    }
    metrics_port = *p;
  }
  log::Info("serving", {{"http_port", *port},
                        {"metrics_port", metrics_port},
                        {"routes", std::string(gateway::RouteSetName(cfg->routes))},
                        {"auth", cfg->auth_addr},
                        {"order", cfg->order_addr},
                        {"payment", cfg->payment_addr}});

  const int signal = rpc::WaitForTerminationSignal();
  log::Info("draining", {{"signal", signal}});
  server.Stop();  // stops accepting; in-flight requests finish (10 s at most)
  if (infra_server) infra_server->Stop();
  log::Info("stopped");
  return 0;
}
