#pragma once

// A gRPC server with the standard extras every paymesh service needs: grpc.health.v1 (gRPC's
// built-in service, SERVING once started, NOT_SERVING while draining), server reflection,
// keepalive settings, and a message size cap.
//
//   rpc::Server server;
//   server.AddService(&order_service);
//   ASSIGN_OR_RETURN(int port, server.Start("0.0.0.0:20052"));   // port 0 picks a free port
//   ... rpc::WaitForTerminationSignal(); ...
//   server.Shutdown(std::chrono::seconds(10));                     // drain, then cancel
//
// Call PrepareProcess() first thing in main(), before any thread is created.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/rpc/access.h"
#include "common/rpc/tls.h"

namespace paymesh::rpc {

struct ServerOptions {
  int max_receive_message_bytes = 4 * 1024 * 1024;
  // Mutual TLS (tls.h); with it, `access` decides who may call what (access.h).
  TlsConfig tls;
  AccessPolicy access;
};

class Server {
 public:
  explicit Server(ServerOptions options = {});
  ~Server();

  void AddService(grpc::Service* service);
  // Binds and starts; returns the bound port.
  absl::StatusOr<int> Start(const std::string& listen_addr);
  // Health goes NOT_SERVING, in-flight calls get `grace` to finish, then the rest are cancelled.
  void Shutdown(std::chrono::milliseconds grace);

 private:
  ServerOptions options_;
  std::vector<grpc::Service*> services_;
  std::unique_ptr<grpc::Server> server_;
};

// Blocks SIGINT and SIGTERM in the calling thread (and so in every thread it creates).
void BlockTerminationSignals();
// What every binary does first, before any thread exists: BlockTerminationSignals(), and turns
// off Abseil's mutex deadlock detection, a debugging aid that Debian's build leaves on and that
// keeps a lock graph up to date on every gRPC lock.
void PrepareProcess();
// Waits for SIGINT or SIGTERM (sigwait); returns the signal number.
int WaitForTerminationSignal();

}  // namespace paymesh::rpc
