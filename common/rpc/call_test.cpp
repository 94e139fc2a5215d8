// RunOnWorkers, client contexts and the server's health service over loopback gRPC.
#include "common/rpc/call.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "common/exec/worker_pool.h"
#include "common/log/log.h"
#include "common/metrics/metrics.h"
#include "common/rpc/server.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "paymesh/order/v1/order.grpc.pb.h"

namespace paymesh::rpc {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;
using paymesh::order::v1::ListProductsRequest;
using paymesh::order::v1::ListProductsResponse;
using paymesh::order::v1::OrderService;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kServiceName[] = "calltest";

template <typename F>
bool WaitFor(F condition) {
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(1));  // polling interval, not synchronization
  }
  return true;
}

double CallsCounted(const std::string& result) {
  return metrics::Registry::Default()
      .AddCounter(std::string(kServiceName) + "_rpc_total", "", {"method", "result"})
      .Value({"ListProducts", result});
}

// ListProducts only, with knobs for what the handler does and a record of what it saw.
class TestOrderService : public OrderService::CallbackService {
 public:
  explicit TestOrderService(exec::WorkerPool* workers) : workers_(workers) {}

  grpc::ServerUnaryReactor* ListProducts(grpc::CallbackServerContext* ctx,
                                         const ListProductsRequest*,
                                         ListProductsResponse* resp) override {
    return RunOnWorkers(ctx, *workers_, "ListProducts", [this, ctx, resp]() -> absl::Status {
      {
        std::lock_guard<std::mutex> lock(mu_);
        seen_request_id_ = log::CurrentRequestId();
        seen_deadline_ = ctx->deadline();
      }
      ++entered_;
      if (block_) gate_.wait();
      if (throw_) throw std::runtime_error("driver exploded");
      resp->add_products()->set_sku("SKU-1");
      return result_;
    });
  }

  void BlockUntilOpened() { block_ = true; }
  void Open() { open_.set_value(); }
  void Throw(bool on) { throw_ = on; }
  void Answer(absl::Status status) { result_ = std::move(status); }
  int entered() const { return entered_.load(); }
  std::string seen_request_id() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_request_id_;
  }
  std::chrono::system_clock::time_point seen_deadline() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_deadline_;
  }

 private:
  exec::WorkerPool* workers_;
  std::atomic<bool> block_{false};
  std::atomic<bool> throw_{false};
  absl::Status result_;
  std::promise<void> open_;
  std::shared_future<void> gate_ = open_.get_future().share();
  std::atomic<int> entered_{0};
  std::mutex mu_;
  std::string seen_request_id_;
  std::chrono::system_clock::time_point seen_deadline_;
};

class CallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetServiceName(kServiceName);
    server_.AddService(&service_);
    auto port = server_.Start("127.0.0.1:0");
    ASSERT_TRUE(port.ok()) << port.status();
    ASSERT_GT(*port, 0);
    channel_ = MakeInsecureChannel("127.0.0.1:" + std::to_string(*port));
    stub_ = OrderService::NewStub(channel_);
    health_ = Health::NewStub(channel_);
  }

  void TearDown() override {
    server_.Shutdown(seconds(5));
    workers_.Shutdown();
  }

  grpc::Status ListProducts(std::string_view request_id, ListProductsResponse* resp) {
    grpc::ClientContext ctx;
    PrepareClientContext(ctx, seconds(5), request_id);
    return stub_->ListProducts(&ctx, ListProductsRequest(), resp);
  }

  HealthCheckResponse::ServingStatus Check() {
    grpc::ClientContext ctx;
    PrepareClientContext(ctx, seconds(5), "");
    HealthCheckResponse resp;
    grpc::Status status = health_->Check(&ctx, HealthCheckRequest(), &resp);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return resp.status();
  }

  exec::WorkerPool workers_{1, 1};
  TestOrderService service_{&workers_};
  Server server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<OrderService::Stub> stub_;
  std::unique_ptr<Health::Stub> health_;
};

TEST_F(CallTest, RequestIdAndDeadlineReachTheHandler) {
  const double ok_before = CallsCounted("ok");
  const auto before = std::chrono::system_clock::now();
  ListProductsResponse resp;
  grpc::Status status = ListProducts("req-42.a_b", &resp);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(resp.products_size(), 1);
  EXPECT_EQ(resp.products(0).sku(), "SKU-1");
  EXPECT_EQ(service_.seen_request_id(), "req-42.a_b");
  // PrepareClientContext set a 5 s deadline, and the server saw it. gRPC sends the timeout
  // rounded up and the server adds it to its own receive time, hence the small slack.
  EXPECT_GT(service_.seen_deadline(), before + seconds(4));
  EXPECT_LE(service_.seen_deadline(),
            std::chrono::system_clock::now() + seconds(5) + std::chrono::milliseconds(200));
  EXPECT_EQ(CallsCounted("ok"), ok_before + 1);
  EXPECT_EQ(log::CurrentRequestId(), "");  // the scope belonged to the worker thread
}

TEST_F(CallTest, InsaneRequestIdsAreTreatedAsAbsent) {
  for (const std::string& bad :
       {std::string("has space"), std::string(129, 'a'), std::string("semi;colon")}) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + seconds(5));
    ctx.AddMetadata(kRequestIdHeader, bad);
    ListProductsResponse resp;
    ASSERT_TRUE(stub_->ListProducts(&ctx, ListProductsRequest(), &resp).ok());
    EXPECT_EQ(service_.seen_request_id(), "") << bad;
  }
  ListProductsResponse resp;
  ASSERT_TRUE(ListProducts(std::string(128, 'b'), &resp).ok());
  EXPECT_EQ(service_.seen_request_id(), std::string(128, 'b'));
}

TEST_F(CallTest, FullWorkerQueueAnswersUnavailableAtOnce) {
  const double errors_before = CallsCounted("error");
  service_.BlockUntilOpened();

  // Call 1 occupies the only worker, call 2 fills the one-slot queue.
  struct Pending {
    grpc::ClientContext ctx;
    ListProductsRequest req;
    ListProductsResponse resp;
    std::promise<grpc::Status> done;
  };
  Pending first, second;
  for (Pending* p : {&first, &second}) {
    PrepareClientContext(p->ctx, seconds(10), "");
    stub_->async()->ListProducts(&p->ctx, &p->req, &p->resp,
                                 [p](grpc::Status s) { p->done.set_value(std::move(s)); });
    if (p == &first) {
      ASSERT_TRUE(WaitFor([&] { return service_.entered() == 1; }));
    }
  }
  ASSERT_TRUE(WaitFor([&] { return workers_.queued() == 1; }));

  ListProductsResponse resp;
  grpc::Status rejected = ListProducts("", &resp);
  EXPECT_EQ(rejected.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(CallsCounted("error"), errors_before + 1);

  service_.Open();
  for (Pending* p : {&first, &second}) {
    auto future = p->done.get_future();
    ASSERT_EQ(future.wait_for(seconds(10)), std::future_status::ready);
    EXPECT_TRUE(future.get().ok());
  }
  EXPECT_EQ(service_.entered(), 2);
}

TEST_F(CallTest, HandlerStatusIsMappedAndCountedAsRejected) {
  const double rejected_before = CallsCounted("rejected");
  service_.Answer(absl::NotFoundError("no such order"));
  ListProductsResponse resp;
  grpc::Status status = ListProducts("", &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "no such order");
  EXPECT_EQ(CallsCounted("rejected"), rejected_before + 1);
}

TEST_F(CallTest, ThrowingHandlerAnswersInternal) {
  const double errors_before = CallsCounted("error");
  service_.Throw(true);
  ListProductsResponse resp;
  grpc::Status status = ListProducts("", &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(status.error_message().find("exploded"), std::string::npos);
  EXPECT_EQ(CallsCounted("error"), errors_before + 1);
  // The pool's only worker survived.
  service_.Throw(false);
  EXPECT_TRUE(ListProducts("", &resp).ok());
}

TEST_F(CallTest, HealthIsServingThenNotServingWhenDrainStarts) {
  EXPECT_EQ(Check(), HealthCheckResponse::SERVING);

  grpc::ClientContext watch_ctx;
  HealthCheckRequest request;
  auto reader = health_->Watch(&watch_ctx, request);
  HealthCheckResponse update;
  ASSERT_TRUE(reader->Read(&update));
  EXPECT_EQ(update.status(), HealthCheckResponse::SERVING);

  std::thread drain([this] { server_.Shutdown(seconds(10)); });
  const bool got_update = reader->Read(&update);
  EXPECT_TRUE(got_update);
  if (got_update) {
    EXPECT_EQ(update.status(), HealthCheckResponse::NOT_SERVING);
  }
  watch_ctx.TryCancel();  // end the stream so the drain need not wait for its grace period
  reader->Finish();
  drain.join();
}

TEST(MakeChannelTest, UnreachableTargetFailsWithinTheDeadline) {
  auto channel = MakeInsecureChannel("127.0.0.1:1");
  auto stub = OrderService::NewStub(channel);
  grpc::ClientContext ctx;
  PrepareClientContext(ctx, milliseconds(300), "r1");
  ListProductsResponse resp;
  grpc::Status status = stub->ListProducts(&ctx, ListProductsRequest(), &resp);
  EXPECT_TRUE(status.error_code() == grpc::StatusCode::UNAVAILABLE ||
              status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
      << status.error_code();
}

}  // namespace
}  // namespace paymesh::rpc
