// W3C Trace Context end to end: a request that arrives with a `traceparent` is known by its trace
// id at the gateway, in order's and payment's logs (over gRPC) and at WeChat (the simulator logs
// the trace of each v3 call).

#include "common/crypto/crypto.h"
#include "tests/e2e/orders.h"
#include "tests/e2e/payment_util.h"

namespace paymesh::e2e {
namespace {

using testing::Service;

class TraceTest : public PaymentTest {};

TEST_F(TraceTest, OneTraceIdFollowsAPaymentThroughEveryHop) {
  const std::string trace = crypto::HexLower(crypto::RandomBytes(16));
  const HttpHeaders traced = {{"traceparent", "00-" + trace + "-00f067aa0ba902b7-01"}};
  HttpResponse created =
      api().Post("/api/v1/orders", CartJson({{catalogue_.at(0), 1}}), tokens_.access, traced);
  ASSERT_EQ(created.status, 201) << created;
  EXPECT_EQ(created.Header("X-Request-Id"), trace);
  const std::string id = OrderId(Json(created));
  HttpResponse paid = api().Post("/api/v1/orders/" + id + "/pay", R"({"channel":"native"})",
                                 tokens_.access, traced);
  ASSERT_EQ(paid.status, 200) << paid;
  EXPECT_EQ(paid.Header("X-Request-Id"), trace);
  for (Service s : {Service::kGateway, Service::kOrder, Service::kPayment, Service::kWechatSim}) {
    // A service may write its line just after answering: the log is read until it shows up.
    const std::string log = PollUntil<std::string>(
        [&] { return stack().LogTail(s, 100000); },
        [&](const std::string& text) { return text.find(trace) != std::string::npos; },
        std::chrono::seconds(5));
    EXPECT_NE(log.find(trace), std::string::npos)
        << testing::ServiceName(s) << " never mentions the trace\n"
        << stack().LogTail(s, 5);
  }
}

}  // namespace
}  // namespace paymesh::e2e
