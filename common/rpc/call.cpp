#include "common/rpc/call.h"

#include <exception>
#include <mutex>

#include "common/log/log.h"
#include "common/log/trace.h"
#include "common/metrics/metrics.h"
#include "common/rpc/status.h"

namespace paymesh::rpc {
namespace {

constexpr size_t kMaxRequestIdLength = 128;
// Clients ping idle connections so that a dead peer is noticed before the next call needs it.
constexpr int kInitialReconnectBackoffMs = 200;
constexpr int kMaxReconnectBackoffMs = 2000;
constexpr int kClientKeepaliveTimeMs = 30'000;
constexpr int kClientKeepaliveTimeoutMs = 10'000;

bool IsSaneRequestId(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdLength) return false;
  for (char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

struct CallMetrics {
  metrics::Counter* calls;
  metrics::Histogram* latency;
};

std::mutex g_metrics_mu;
std::string g_service_name = "paymesh";  // guarded by g_metrics_mu
CallMetrics* g_metrics = nullptr;        // guarded by g_metrics_mu; leaked on purpose

CallMetrics& Metrics() {
  std::lock_guard<std::mutex> lock(g_metrics_mu);
  if (g_metrics == nullptr) {
    auto& registry = metrics::Registry::Default();
    g_metrics = new CallMetrics{
        &registry.AddCounter(g_service_name + "_rpc_total", "gRPC calls by method and result",
                             {"method", "result"}),
        &registry.AddHistogram(g_service_name + "_rpc_duration_seconds",
                               "gRPC call latency in seconds", {"method"})};
  }
  return *g_metrics;
}

void Record(const std::string& method, const absl::Status& status,
            std::chrono::steady_clock::time_point start) {
  CallMetrics& m = Metrics();
  const char* result = metrics::ResultLabel(status.code());
  m.calls->Inc({method, result});
  m.latency->Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), {method});
  if (result[0] == 'e') {
    log::Warn("rpc failed", {{"method", method},
                             {"code", absl::StatusCodeToString(status.code())},
                             {"error", status.message()}});
  }
}

absl::Status RunGuarded(const std::function<absl::Status()>& work, const std::string& method) {
  try {
    return work();
  } catch (const std::exception& e) {
    log::Error("rpc handler threw", {{"method", method}, {"error", e.what()}});
  } catch (...) {
    log::Error("rpc handler threw a non-standard exception", {{"method", method}});
  }
  return absl::InternalError("internal error");
}

// Carries a status's retry-after payload to the client as trailing metadata.
void AddRetryAfter(grpc::CallbackServerContext* ctx, const absl::Status& status) {
  if (std::optional<std::chrono::seconds> after = RetryAfterOf(status)) {
    ctx->AddTrailingMetadata(kRetryAfterMetadata, std::to_string(after->count()));
  }
}

}  // namespace

std::string RequestIdOf(const grpc::ServerContextBase& ctx) {
  const auto& metadata = ctx.client_metadata();
  if (auto it = metadata.find(kRequestIdHeader); it != metadata.end()) {
    std::string_view id(it->second.data(), it->second.size());
    if (IsSaneRequestId(id)) return std::string(id);
  }
  // A caller that only speaks W3C Trace Context: its trace id names the request.
  if (auto it = metadata.find(log::kTraceparentHeader); it != metadata.end()) {
    return log::TraceIdOf(std::string_view(it->second.data(), it->second.size())).value_or("");
  }
  return "";
}

void SetServiceName(std::string name) {
  std::lock_guard<std::mutex> lock(g_metrics_mu);
  if (g_metrics != nullptr) return;  // metrics already registered under the first name
  g_service_name = std::move(name);
}

grpc::ServerUnaryReactor* RunOnWorkers(grpc::CallbackServerContext* ctx, exec::WorkerPool& workers,
                                       std::string_view method,
                                       std::function<absl::Status()> work) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  const auto start = std::chrono::steady_clock::now();
  std::string method_name(method);
  std::string request_id = RequestIdOf(*ctx);

  // The reactor, the request and the response stay valid until Finish, so the task may use them;
  // exactly one of the two paths below calls Finish.
  auto task = [reactor, ctx, start, method_name, request_id, work = std::move(work)]() {
    log::RequestScope scope(request_id);
    absl::Status status;
    if (std::chrono::system_clock::now() > ctx->deadline()) {
      status = absl::DeadlineExceededError("deadline passed while queued");
    } else {
      status = RunGuarded(work, method_name);
    }
    Record(method_name, status, start);
    AddRetryAfter(ctx, status);
    reactor->Finish(ToGrpcStatus(status));
  };
  if (!workers.TrySubmit(std::move(task))) {
    const absl::Status busy = absl::UnavailableError("server busy, retry later");
    log::RequestScope scope(request_id);
    Record(method_name, busy, start);
    reactor->Finish(ToGrpcStatus(busy));
  }
  return reactor;
}

PendingCall::PendingCall(grpc::CallbackServerContext* ctx, std::string_view method)
    : reactor_(ctx->DefaultReactor()),
      method_(method),
      request_id_(RequestIdOf(*ctx)),
      start_(std::chrono::steady_clock::now()) {}

void PendingCall::Finish(const absl::Status& status) const {
  log::RequestScope scope(request_id_);
  Record(method_, status, start_);
  reactor_->Finish(ToGrpcStatus(status));
}

void PrepareClientContext(grpc::ClientContext& ctx, std::chrono::milliseconds timeout,
                          std::string_view request_id) {
  ctx.set_deadline(std::chrono::system_clock::now() + timeout);
  if (IsSaneRequestId(request_id)) ctx.AddMetadata(kRequestIdHeader, std::string(request_id));
  if (std::string tp = log::TraceparentFor(request_id); !tp.empty()) {
    ctx.AddMetadata(log::kTraceparentHeader, std::move(tp));
  }
}

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target, const TlsConfig& tls,
                                           std::string_view server_name) {
  grpc::ChannelArguments args;
  args.SetLoadBalancingPolicyName("round_robin");
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, kClientKeepaliveTimeMs);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, kClientKeepaliveTimeoutMs);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Keep pinging an idle connection (the default stops after two pings without data).
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  // channelz keeps per-call bookkeeping for a debugging service nobody here serves.
  args.SetInt(GRPC_ARG_ENABLE_CHANNELZ, 0);
  // A restarted peer is back within seconds; gRPC's default back-off (up to 120 s between
  // attempts) would keep calls failing long after it.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, kInitialReconnectBackoffMs);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, kInitialReconnectBackoffMs);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, kMaxReconnectBackoffMs);
  // The server's certificate must name the service, whatever address reached it.
  if (tls.enabled() && !server_name.empty()) {
    args.SetSslTargetNameOverride(std::string(server_name));
  }
  return grpc::CreateCustomChannel(target, MakeChannelCredentials(tls), args);
}

std::shared_ptr<grpc::Channel> MakeInsecureChannel(const std::string& target) {
  return MakeChannel(target, TlsConfig{}, "");
}

}  // namespace paymesh::rpc
