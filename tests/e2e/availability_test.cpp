// A backend that is down: the gateway answers 503 at once (never 401, never a hang), /readyz
// says so while /healthz stays 200, and everything works again once the backend is back.

#include <chrono>
#include <functional>
#include <thread>

#include "tests/e2e/e2e.h"
#include "tests/e2e/orders.h"

namespace paymesh::e2e {
namespace {

using std::chrono::milliseconds;

// The stack's GATEWAY_UPSTREAM_TIMEOUT_MS (DefaultStackOptions) plus room for a slow machine.
constexpr milliseconds kUpstreamDeadline{2000};
constexpr milliseconds kQuickAnswer = kUpstreamDeadline + milliseconds(1000);
// gRPC reconnects with backoff; a restarted backend is picked up within this.
constexpr milliseconds kRecovery{30000};

// Repeats `request` until it answers `status` or `timeout` passes; returns the last answer.
HttpResponse PollFor(int status, const std::function<HttpResponse()>& request,
                     milliseconds timeout = kRecovery) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  HttpResponse r = request();
  while (r.status != status && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(50));
    r = request();
  }
  return r;
}

::testing::AssertionResult IsQuick503(const HttpResponse& r) {
  ::testing::AssertionResult shape = IsError(r, 503, "UNAVAILABLE");
  if (!shape) return shape;
  if (r.elapsed > kQuickAnswer) {
    return ::testing::AssertionFailure() << "503 came too late: " << r;
  }
  return ::testing::AssertionSuccess();
}

class AvailabilityTest : public ShopperTest {
 protected:
  void SetUp() override {
    E2eTest::SetUp();
    if (HasFatalFailure()) return;
    // A test that failed half-way may have left a backend down.
    for (Service s : {Service::kAuth, Service::kOrder, Service::kPayment}) {
      if (!stack().Running(s)) {
        absl::Status restarted = stack().Restart(s);
        ASSERT_TRUE(restarted.ok()) << restarted;
      }
    }
    SignInNewShopper();
    if (HasFatalFailure()) return;
    ExpectReady();
  }

  void ExpectRestart(Service service) {
    absl::Status restarted = stack().Restart(service);
    ASSERT_TRUE(restarted.ok()) << restarted;
  }

  void ExpectReady() {
    HttpResponse r = PollFor(200, [&] { return api().Get("/readyz"); });
    EXPECT_EQ(r.status, 200) << r;
  }

  void ExpectHealthy() {
    HttpResponse r = api().Get("/healthz");
    ASSERT_EQ(r.status, 200) << r;
    EXPECT_EQ(Str(Json(r), {"status"}), "ok") << r;
  }

  void ExpectNotReady(const char* service) {
    HttpResponse r = api().Get("/readyz");
    EXPECT_EQ(r.status, 503) << r;
    EXPECT_NE(r.body.find(service), std::string::npos)
        << "/readyz should name " << service << ": " << r;
    EXPECT_LE(r.elapsed, kQuickAnswer) << r;
  }
};

TEST_F(AvailabilityTest, OrderDownIs503UntilItIsBack) {
  const std::vector<Line> cart = {{catalogue_[0], 1}};
  EXPECT_EQ(stack().Stop(Service::kOrder), 0) << "order did not drain and exit 0 on SIGTERM\n"
                                              << stack().LogTail(Service::kOrder);

  EXPECT_TRUE(IsQuick503(api().Post("/api/v1/orders", CartJson(cart), tokens_.access)));
  EXPECT_TRUE(IsQuick503(api().Get("/api/v1/products")));
  EXPECT_TRUE(IsQuick503(api().Get("/api/v1/orders", tokens_.access)));
  ExpectNotReady("order");
  ExpectHealthy();
  // Auth is unaffected.
  HttpResponse r = api().Get("/api/v1/me", tokens_.access);
  EXPECT_EQ(r.status, 200) << r;

  ASSERT_NO_FATAL_FAILURE(ExpectRestart(Service::kOrder));
  r = PollFor(200, [&] { return api().Get("/api/v1/products"); });
  ASSERT_EQ(r.status, 200) << r;
  r = api().Post("/api/v1/orders", CartJson(cart), tokens_.access);
  ASSERT_EQ(r.status, 201) << r;
  ExpectOrder(Json(r), cart);
  ExpectReady();
  ExpectHealthy();
}

TEST_F(AvailabilityTest, OrderCrashIs503UntilItIsBack) {
  stack().Kill(Service::kOrder);
  EXPECT_TRUE(IsQuick503(api().Get("/api/v1/products")));
  EXPECT_TRUE(
      IsQuick503(api().Post("/api/v1/orders", CartJson({{catalogue_[0], 1}}), tokens_.access)));
  ExpectHealthy();

  ASSERT_NO_FATAL_FAILURE(ExpectRestart(Service::kOrder));
  HttpResponse r = PollFor(201, [&] {
    return api().Post("/api/v1/orders", CartJson({{catalogue_[0], 1}}), tokens_.access);
  });
  EXPECT_EQ(r.status, 201) << r;
  // Every request that failed while order was down created nothing: one order in all.
  r = api().Get("/api/v1/orders", tokens_.access);
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(Json(r).at("orders").as_array().size(), 1u) << r;
}

TEST_F(AvailabilityTest, AuthDownIs503NotUnauthenticated) {
  EXPECT_EQ(stack().Stop(Service::kAuth), 0) << "auth did not drain and exit 0 on SIGTERM\n"
                                             << stack().LogTail(Service::kAuth);

  // A valid token cannot be checked: that is the server's problem, not the client's.
  EXPECT_TRUE(IsQuick503(api().Get("/api/v1/me", tokens_.access)));
  EXPECT_TRUE(IsQuick503(api().Get("/api/v1/orders", tokens_.access)));
  EXPECT_TRUE(
      IsQuick503(api().Post("/api/v1/orders", CartJson({{catalogue_[0], 1}}), tokens_.access)));
  EXPECT_TRUE(IsQuick503(
      api().Post("/api/v1/auth/login",
                 boost::json::serialize(boost::json::object{{"username", account_.username},
                                                            {"password", account_.password}}))));
  // The catalogue needs no auth.
  HttpResponse r = api().Get("/api/v1/products");
  EXPECT_EQ(r.status, 200) << r;
  ExpectNotReady("auth");
  ExpectHealthy();

  // Sessions live in Redis and the key on disk: the old token works once auth is back.
  ASSERT_NO_FATAL_FAILURE(ExpectRestart(Service::kAuth));
  r = PollFor(200, [&] { return api().Get("/api/v1/me", tokens_.access); });
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(Str(Json(r), {"id"}), account_.user_id) << r;
  ExpectReady();
}

TEST_F(AvailabilityTest, PaymentDownMakesTheGatewayNotReady) {
  EXPECT_EQ(stack().Stop(Service::kPayment), 0) << stack().LogTail(Service::kPayment);
  ExpectNotReady("payment");
  ExpectHealthy();
  // Orders do not depend on payment.
  HttpResponse r = api().Post("/api/v1/orders", CartJson({{catalogue_[0], 1}}), tokens_.access);
  EXPECT_EQ(r.status, 201) << r;
  ASSERT_NO_FATAL_FAILURE(ExpectRestart(Service::kPayment));
  ExpectReady();
}

}  // namespace
}  // namespace paymesh::e2e
