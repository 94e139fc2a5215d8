// Serve() over loopback: the one "serving" line, both listeners, the drain on SIGTERM, and the
// exit codes when a listener cannot start.
#include "common/service/serve.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <iostream>
#include <iterator>
#include <string>
#include <thread>

#include "common/http/client.h"
#include "common/rpc/call.h"
#include "common/rpc/server.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "paymesh/order/v1/order.grpc.pb.h"

namespace paymesh::service {
namespace {

namespace healthpb = ::grpc::health::v1;
namespace orderpb = ::paymesh::order::v1;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Blocked before main() starts any thread, so that every thread inherits the mask and the
// SIGTERM the tests send waits for Serve()'s sigwait.
const bool kSignalsBlocked = [] {
  rpc::BlockTerminationSignals();
  return true;
}();

constexpr auto kDeadline = seconds(20);

// Log lines go to this process's stdout; while alive, stdout is a file the test can read.
class StdoutCapture {
 public:
  StdoutCapture() : path_(::testing::TempDir() + "serve_test_XXXXXX") {
    std::fflush(stdout);
    fd_ = mkstemp(path_.data());
    saved_ = dup(STDOUT_FILENO);
    dup2(fd_, STDOUT_FILENO);
  }
  ~StdoutCapture() {
    std::fflush(stdout);
    dup2(saved_, STDOUT_FILENO);
    close(saved_);
    close(fd_);
    if (::testing::Test::HasFailure()) std::cerr << "captured stdout:\n" << Text();
    unlink(path_.c_str());
  }

  std::string Text() const {
    std::ifstream in(path_);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  // The first complete line holding `needle`, or "" if none appears before the deadline.
  std::string WaitForLine(const std::string& needle) const {
    const auto deadline = std::chrono::steady_clock::now() + kDeadline;
    for (;;) {
      const std::string text = Text();
      const size_t at = text.find(needle);
      const size_t end = at == std::string::npos ? at : text.find('\n', at);
      if (end != std::string::npos) {
        const size_t begin = text.rfind('\n', at);
        const size_t from = begin == std::string::npos ? 0 : begin + 1;
        return text.substr(from, end - from);
      }
      if (std::chrono::steady_clock::now() > deadline) return "";
      std::this_thread::sleep_for(milliseconds(5));  // polling interval, not synchronization
    }
  }

 private:
  std::string path_;
  int fd_ = -1;
  int saved_ = -1;
};

// ListProducts answers one product from the worker pool; everything else is UNIMPLEMENTED.
class TestOrderService : public orderpb::OrderService::CallbackService {
 public:
  explicit TestOrderService(exec::WorkerPool& workers) : workers_(workers) {}

  grpc::ServerUnaryReactor* ListProducts(grpc::CallbackServerContext* ctx,
                                         const orderpb::ListProductsRequest*,
                                         orderpb::ListProductsResponse* resp) override {
    return rpc::RunOnWorkers(ctx, workers_, "ListProducts", [resp]() -> absl::Status {
      resp->add_products()->set_sku("SKU-1");
      return absl::OkStatus();
    });
  }

 private:
  exec::WorkerPool& workers_;
};

// A loopback TCP socket bound to `port` (0: any); -1 if the bind fails.
int BoundSocket(int port, bool listening) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      (listening && listen(fd, 1) != 0)) {
    close(fd);
    return -1;
  }
  return fd;
}

int PortOf(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

absl::StatusOr<http::ClientResponse> Get(int port, const std::string& path) {
  absl::StatusOr<std::unique_ptr<http::Client>> client =
      http::Client::Create({.allow_insecure = true, .timeout = milliseconds(3000)});
  if (!client.ok()) return client.status();
  http::ClientRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + path;
  return (*client)->Send(std::move(request));
}

grpc::Status HealthCheck(healthpb::Health::Stub& health, healthpb::HealthCheckResponse* resp) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + seconds(3));
  return health.Check(&ctx, healthpb::HealthCheckRequest(), resp);
}

TEST(ServeTest, ServesBothListenersUntilSigtermThenDrains) {
  ASSERT_TRUE(kSignalsBlocked);
  log::Init("servetest", log::Level::kInfo);
  StdoutCapture out;
  exec::WorkerPool workers(2, 16);
  TestOrderService grpc_service(workers);
  std::future<int> exit_code = std::async(std::launch::async, [&] {
    return Serve({.name = "servetest",
                  .grpc_listen_addr = "127.0.0.1:0",
                  .metrics_listen_addr = "127.0.0.1:0",
                  .serving_fields = {{"token_kid", "kid-1"}, {"workers", 2}}},
                 {&grpc_service}, workers);
  });

  const std::string serving = out.WaitForLine(R"("msg":"serving")");
  ASSERT_FALSE(serving.empty());
  const boost::json::object line = boost::json::parse(serving).as_object();
  ASSERT_TRUE(line.at("grpc_port").is_int64()) << serving;
  ASSERT_TRUE(line.at("metrics_port").is_int64()) << serving;
  const int grpc_port = static_cast<int>(line.at("grpc_port").as_int64());
  const int metrics_port = static_cast<int>(line.at("metrics_port").as_int64());
  EXPECT_GT(grpc_port, 0);
  EXPECT_GT(metrics_port, 0);
  EXPECT_EQ(line.at("service").as_string(), "servetest");
  EXPECT_EQ(line.at("token_kid").as_string(), "kid-1");
  EXPECT_EQ(line.at("workers").as_int64(), 2);
  // The ports first, then the caller's fields in their order.
  EXPECT_LT(serving.find("\"grpc_port\""), serving.find("\"metrics_port\""));
  EXPECT_LT(serving.find("\"metrics_port\""), serving.find("\"token_kid\""));
  EXPECT_LT(serving.find("\"token_kid\""), serving.find("\"workers\""));

  // gRPC: health SERVING and the registered service answering from the workers.
  std::shared_ptr<grpc::Channel> channel =
      rpc::MakeInsecureChannel("127.0.0.1:" + std::to_string(grpc_port));
  std::unique_ptr<healthpb::Health::Stub> health = healthpb::Health::NewStub(channel);
  healthpb::HealthCheckResponse status;
  ASSERT_TRUE(HealthCheck(*health, &status).ok());
  EXPECT_EQ(status.status(), healthpb::HealthCheckResponse::SERVING);
  std::unique_ptr<orderpb::OrderService::Stub> orders = orderpb::OrderService::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + seconds(3));
  orderpb::ListProductsResponse products;
  ASSERT_TRUE(orders->ListProducts(&ctx, orderpb::ListProductsRequest(), &products).ok());
  ASSERT_EQ(products.products_size(), 1);
  EXPECT_EQ(products.products(0).sku(), "SKU-1");

  // Metrics: the endpoint answers, and the call above is counted under the service's name.
  absl::StatusOr<http::ClientResponse> metrics = Get(metrics_port, "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find("servetest_rpc_total"), std::string::npos) << metrics->body;
  EXPECT_EQ(exit_code.wait_for(milliseconds(0)), std::future_status::timeout)
      << "Serve returned before any signal";

  ASSERT_EQ(kill(getpid(), SIGTERM), 0);
  ASSERT_EQ(exit_code.wait_for(kDeadline), std::future_status::ready);
  EXPECT_EQ(exit_code.get(), 0);

  const std::string draining = out.WaitForLine(R"("msg":"draining")");
  EXPECT_NE(draining.find(R"("signal":)" + std::to_string(SIGTERM)), std::string::npos) << draining;
  const std::string text = out.Text();
  EXPECT_LT(text.find(R"("msg":"serving")"), text.find(R"("msg":"draining")"));
  EXPECT_LT(text.find(R"("msg":"draining")"), text.find(R"("msg":"stopped")"));
  EXPECT_NE(text.find(R"("msg":"stopped")"), std::string::npos);
  // Everything is stopped: the worker pool takes no more work and neither port answers.
  EXPECT_FALSE(workers.TrySubmit([] {}));
  EXPECT_FALSE(HealthCheck(*health, &status).ok());
  EXPECT_FALSE(Get(metrics_port, "/healthz").ok());
}

TEST(ServeTest, GrpcListenerFailureExitsOneWithoutServing) {
  log::Init("servetest", log::Level::kInfo);
  const int taken = BoundSocket(0, /*listening=*/true);
  ASSERT_GE(taken, 0);
  StdoutCapture out;
  exec::WorkerPool workers(1, 4);
  const int code = Serve({.name = "servetest",
                          .grpc_listen_addr = "127.0.0.1:" + std::to_string(PortOf(taken)),
                          .metrics_listen_addr = "127.0.0.1:0"},
                         {}, workers);
  close(taken);
  EXPECT_EQ(code, 1);
  EXPECT_FALSE(out.WaitForLine(R"("msg":"gRPC listener failed")").empty());
  EXPECT_EQ(out.Text().find(R"("msg":"serving")"), std::string::npos);
}

TEST(ServeTest, MetricsListenerFailureExitsOneAndReleasesTheGrpcPort) {
  log::Init("servetest", log::Level::kInfo);
  // A port that was free a moment ago, for the gRPC listener.
  const int probe = BoundSocket(0, /*listening=*/false);
  ASSERT_GE(probe, 0);
  const int grpc_port = PortOf(probe);
  close(probe);
  StdoutCapture out;
  exec::WorkerPool workers(1, 4);
  const int code = Serve({.name = "servetest",
                          .grpc_listen_addr = "127.0.0.1:" + std::to_string(grpc_port),
                          .metrics_listen_addr = "no-port"},
                         {}, workers);
  EXPECT_EQ(code, 1);
  EXPECT_FALSE(out.WaitForLine(R"("msg":"metrics listener failed")").empty());
  EXPECT_EQ(out.Text().find(R"("msg":"serving")"), std::string::npos);
  // gRPC listens with SO_REUSEPORT, so this plain bind succeeds only once it let go of the port.
  const int again = BoundSocket(grpc_port, /*listening=*/true);
  EXPECT_GE(again, 0) << "the gRPC listener still holds port " << grpc_port;
  if (again >= 0) close(again);
}

}  // namespace
}  // namespace paymesh::service
