#include "common/service/serve.h"

#include <iostream>
#include <memory>
#include <ostream>

#include "common/http/metrics_endpoint.h"
#include "common/rpc/call.h"
#include "common/rpc/server.h"

namespace paymesh::service {

int ReportInvalidConfig(std::string_view program, const config::EnvReader& env) {
  return ReportInvalidConfig(program, env, std::cerr);
}

int ReportInvalidConfig(std::string_view program, const config::EnvReader& env, std::ostream& out) {
  out << program << ": invalid configuration\n";
  for (const std::string& problem : env.problems()) out << "  " << problem << "\n";
  out.flush();
  return kInvalidConfigExitCode;
}

int Serve(const ServeOptions& options, const std::vector<grpc::Service*>& services,
          exec::WorkerPool& workers) {
  return Serve(options, services, std::vector<exec::WorkerPool*>{&workers});
}

int Serve(const ServeOptions& options, const std::vector<grpc::Service*>& services,
          const std::vector<exec::WorkerPool*>& workers) {
  rpc::SetServiceName(options.name);
  rpc::Server server({.tls = options.tls, .access = options.access});
  for (grpc::Service* service : services) server.AddService(service);
  absl::StatusOr<int> grpc_port = server.Start(options.grpc_listen_addr);
  if (!grpc_port.ok()) {
    log::Error("gRPC listener failed", {{"error", grpc_port.status().message()}});
    return 1;
  }
  int metrics_port = 0;
  absl::StatusOr<std::unique_ptr<http::Server>> metrics =
      http::StartMetricsServer(options.metrics_listen_addr, &metrics_port);
  if (!metrics.ok()) {
    log::Error("metrics listener failed", {{"error", metrics.status().message()}});
    server.Shutdown(std::chrono::milliseconds(0));
    return 1;
  }
  std::vector<log::Field> serving = {{"grpc_port", *grpc_port}, {"metrics_port", metrics_port}};
  serving.insert(serving.end(), options.serving_fields.begin(), options.serving_fields.end());
  log::Write(log::Level::kInfo, "serving", serving);

  const int signal = rpc::WaitForTerminationSignal();
  log::Info("draining", {{"signal", signal}});
  server.Shutdown(options.drain_grace);
  for (exec::WorkerPool* pool : workers) pool->Shutdown();
  (*metrics)->Stop();
  log::Info("stopped");
  return 0;
}

}  // namespace paymesh::service
