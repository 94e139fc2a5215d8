#include "common/rpc/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <pthread.h>
#include <signal.h>

#include "absl/synchronization/mutex.h"
#include "common/log/log.h"

namespace paymesh::rpc {
namespace {

// Server-side keepalive: ping idle clients every minute, and accept the clients' own 30 s
// pings (MakeChannel) even without calls in flight instead of answering them with GOAWAY.
constexpr int kKeepaliveTimeMs = 60'000;
constexpr int kKeepaliveTimeoutMs = 20'000;
constexpr int kMinClientPingIntervalMs = 10'000;

}  // namespace

Server::Server(ServerOptions options) : options_(options) {}

Server::~Server() {
  if (server_) Shutdown(std::chrono::milliseconds(0));
}

void Server::AddService(grpc::Service* service) { services_.push_back(service); }

absl::StatusOr<int> Server::Start(const std::string& listen_addr) {
  if (server_) return absl::FailedPreconditionError("server already started");
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  int selected_port = 0;
  std::shared_ptr<grpc::ServerCredentials> credentials = MakeServerCredentials(options_.tls);
  if (options_.tls.enabled())
    credentials->SetAuthMetadataProcessor(MakeAccessChecker(options_.access));
  builder.AddListeningPort(listen_addr, credentials, &selected_port);
  builder.SetMaxReceiveMessageSize(options_.max_receive_message_bytes);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, kKeepaliveTimeMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, kKeepaliveTimeoutMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // channelz keeps per-call bookkeeping for a debugging service nobody here serves.
  builder.AddChannelArgument(GRPC_ARG_ENABLE_CHANNELZ, 0);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             kMinClientPingIntervalMs);
  for (grpc::Service* service : services_) builder.RegisterService(service);

  server_ = builder.BuildAndStart();
  if (!server_ || selected_port == 0) {
    server_.reset();
    return absl::UnavailableError("cannot listen for gRPC on " + listen_addr);
  }
  server_->GetHealthCheckService()->SetServingStatus("", true);
  return selected_port;
}

void Server::Shutdown(std::chrono::milliseconds grace) {
  if (!server_) return;
  // NOT_SERVING first, so health checkers and Watch streams see the drain begin.
  if (auto* health = server_->GetHealthCheckService()) health->SetServingStatus(false);
  log::Info("grpc draining", {{"grace_ms", static_cast<int64_t>(grace.count())}});
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  server_->Wait();
  server_.reset();
}

namespace {

sigset_t TerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void BlockTerminationSignals() {
  sigset_t set = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void PrepareProcess() {
  BlockTerminationSignals();
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

int WaitForTerminationSignal() {
  sigset_t set = TerminationSignals();
  int signal = 0;
  if (sigwait(&set, &signal) != 0) return -1;  // only for an invalid set
  return signal;
}

}  // namespace paymesh::rpc
