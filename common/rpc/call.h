#pragma once

// Helpers for both ends of a unary call.
//
// Server side: gRPC callback handlers must not block, so blocking logic runs on a worker pool:
//
//   grpc::ServerUnaryReactor* OrderGrpcService::GetOrder(grpc::CallbackServerContext* ctx,
//                                                        const GetOrderRequest* req, Order* resp) {
//     return rpc::RunOnWorkers(ctx, *workers_, "GetOrder", [=, this]() -> absl::Status {
//       ASSIGN_OR_RETURN(auto order, logic_->GetOrder(req->user_id(), req->order_id()));
//       ToProto(order, resp);
//       return absl::OkStatus();
//     });
//   }
//
// RunOnWorkers installs the caller's x-request-id as the log RequestScope, counts the call in
// `<prefix>_rpc_total{method,result}` and its latency, finishes the reactor exactly once, and
// answers UNAVAILABLE at once when the worker queue is full.
//
// Client side: every call gets a deadline and the request id.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "common/exec/worker_pool.h"
#include "common/rpc/tls.h"

namespace paymesh::rpc {

inline constexpr char kRequestIdHeader[] = "x-request-id";

// The x-request-id metadata of an incoming call, or "" if absent or not a sane id.
std::string RequestIdOf(const grpc::ServerContextBase& ctx);

// Sets the metric name prefix ("order", "auth", ...) used by RunOnWorkers. Call once at start.
void SetServiceName(std::string name);

grpc::ServerUnaryReactor* RunOnWorkers(grpc::CallbackServerContext* ctx, exec::WorkerPool& workers,
                                       std::string_view method, std::function<absl::Status()> work);

// For a handler that answers from elsewhere (a batcher, an asynchronous client call) instead of
// RunOnWorkers: counts and times the call the same way, then finishes it. Create it in the
// handler; call Finish exactly once, from any thread.
class PendingCall {
 public:
  PendingCall(grpc::CallbackServerContext* ctx, std::string_view method);
  grpc::ServerUnaryReactor* reactor() const { return reactor_; }
  const std::string& request_id() const { return request_id_; }
  void Finish(const absl::Status& status) const;

 private:
  grpc::ServerUnaryReactor* reactor_;
  std::string method_;
  std::string request_id_;
  std::chrono::steady_clock::time_point start_;
};

// Sets deadline = now + timeout and the x-request-id metadata on a fresh ClientContext.
void PrepareClientContext(grpc::ClientContext& ctx, std::chrono::milliseconds timeout,
                          std::string_view request_id);

// A channel with round-robin over every address the name resolves to and keepalive so dead
// peers are noticed; under mutual TLS (tls.h) the server's certificate must name `server_name`
// ("order", ...). `tls` disabled (ALLOW_INSECURE_GRPC): an insecure one.
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target, const TlsConfig& tls,
                                           std::string_view server_name);
// The same without TLS, for in-process tests.
std::shared_ptr<grpc::Channel> MakeInsecureChannel(const std::string& target);

}  // namespace paymesh::rpc
