// Service identity end to end: the backends talk mutual TLS, and order's payment-side methods,
// auth's token centre and payment's methods answer only the identities they name. A compromised
// gateway cannot mark an order paid; a caller without a certificate from the services' CA does
// not get past the handshake.

#include <grpcpp/grpcpp.h>

#include <fstream>
#include <iterator>

#include "common/crypto/crypto.h"
#include "common/rpc/call.h"
#include "paymesh/auth/v1/auth.grpc.pb.h"
#include "paymesh/order/v1/order.grpc.pb.h"
#include "paymesh/payment/v1/payment.grpc.pb.h"
#include "tests/e2e/orders.h"
#include "tests/e2e/payment_util.h"

namespace paymesh::e2e {
namespace {

using testing::Service;

class IdentityTest : public PaymentTest {
 protected:
  std::shared_ptr<grpc::Channel> Dial(Service service, const std::string& as) {
    return rpc::MakeChannel("127.0.0.1:" + std::to_string(stack().Port(service)),
                            stack().Identity(as), testing::ServiceName(service));
  }

  order::v1::ApplyPaymentRequest SuccessReport(const boost::json::value& order) {
    order::v1::ApplyPaymentRequest req;
    req.set_notification_id("identity-" + crypto::HexLower(crypto::RandomBytes(8)));
    req.set_source(order::v1::REPORT_SOURCE_NOTIFICATION);
    req.set_event_type("TRANSACTION.SUCCESS");
    order::v1::PaymentReport* report = req.mutable_report();
    report->set_appid(stack().wechat().appid);
    report->set_mchid(stack().wechat().mchid);
    report->set_out_trade_no(OutTradeNo(order));
    report->set_transaction_id("4200" + crypto::HexLower(crypto::RandomBytes(12)));
    report->set_trade_type("NATIVE");
    report->set_trade_state("SUCCESS");
    report->mutable_success_time()->set_seconds(time(nullptr));
    report->set_amount_total(TotalFen(order));
    report->set_payer_total(TotalFen(order));
    report->set_currency("CNY");
    return req;
  }

  // One unary call of `Stub` as `as` to `service`, with a deadline; its status.
  template <typename Stub, typename Request, typename Response>
  grpc::Status Call(Service service, const std::string& as,
                    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                    const Request& req = Request(), Response* resp = nullptr) {
    Response ignored;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    Stub stub(Dial(service, as));
    return (stub.*method)(&ctx, req, resp ? resp : &ignored);
  }
};

using OrderStub = order::v1::OrderService::Stub;
using AuthStub = auth::v1::AuthService::Stub;
using PaymentStub = payment::v1::PaymentService::Stub;

TEST_F(IdentityTest, OnlyPaymentMayMarkAnOrderPaid) {
  boost::json::value order = CreateOrder();
  const std::string id = OrderId(order);
  const order::v1::ApplyPaymentRequest report = SuccessReport(order);
  order::v1::ApplyPaymentResponse resp;

  for (const char* caller : {"gateway", "auth", "intruder"}) {
    grpc::Status st = Call(Service::kOrder, caller, &OrderStub::ApplyPayment, report, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << caller << ": " << st.error_message();
  }
  EXPECT_EQ(GetOrder(id).at("state").as_string(), "CREATED");
  const std::string log = stack().LogTail(Service::kOrder, 100000);
  EXPECT_NE(
      log.find(
          R"("msg":"rpc refused","method":"/paymesh.order.v1.OrderService/ApplyPayment","peer":"gateway")"),
      std::string::npos)
      << stack().LogTail(Service::kOrder, 10);

  // The same report from payment is applied: only the identity stood in the way.
  grpc::Status st = Call(Service::kOrder, "payment", &OrderStub::ApplyPayment, report, &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(resp.outcome(), order::v1::PAYMENT_OUTCOME_APPLIED);
  EXPECT_EQ(GetOrder(id).at("state").as_string(), "PAID");
}

TEST_F(IdentityTest, TheTokenCentreAnswersOnlyItsNamedClients) {
  const auth::v1::GetWechatCredentialRequest req;
  for (const char* caller : {"gateway", "payment", "intruder"}) {
    grpc::Status st = Call(Service::kAuth, caller, &AuthStub::GetWechatAccessToken, req);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << caller << ": " << st.error_message();
  }
  auth::v1::WechatCredential out;
  grpc::Status st =
      Call(Service::kAuth, "token-client", &AuthStub::GetWechatAccessToken, req, &out);
  EXPECT_TRUE(st.ok()) << st.error_message();
  EXPECT_FALSE(out.value().empty());
}

TEST_F(IdentityTest, PaymentAnswersOnlyTheGateway) {
  // The notify gateway's identity passes notifications on, and nothing else.
  grpc::Status refund = Call(Service::kPayment, "gateway-notify", &PaymentStub::CreateRefund);
  EXPECT_EQ(refund.error_code(), grpc::StatusCode::PERMISSION_DENIED) << refund.error_message();
  grpc::Status notified =
      Call(Service::kPayment, "gateway-notify", &PaymentStub::HandleNotification);
  EXPECT_NE(notified.error_code(), grpc::StatusCode::PERMISSION_DENIED) << notified.error_message();
  EXPECT_NE(notified.error_code(), grpc::StatusCode::UNAVAILABLE) << notified.error_message();
  for (const char* caller : {"order", "auth", "intruder"}) {
    grpc::Status st = Call(Service::kPayment, caller, &PaymentStub::HandleNotification);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << caller << ": " << st.error_message();
  }
}

TEST_F(IdentityTest, NoCertificateNoConnection) {
  // Plaintext, or TLS that trusts the servers but shows no certificate of its own.
  grpc::ClientContext plain_ctx;
  plain_ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  order::v1::ApplyPaymentResponse resp;
  grpc::Status plain =
      order::v1::OrderService::NewStub(
          rpc::MakeInsecureChannel("127.0.0.1:" + std::to_string(stack().Port(Service::kOrder))))
          ->ApplyPayment(&plain_ctx, order::v1::ApplyPaymentRequest(), &resp);
  EXPECT_EQ(plain.error_code(), grpc::StatusCode::UNAVAILABLE) << plain.error_message();

  grpc::SslCredentialsOptions anonymous;
  std::ifstream ca(stack().Identity("payment").ca_file);
  anonymous.pem_root_certs.assign(std::istreambuf_iterator<char>(ca), {});
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("order");
  grpc::ClientContext tls_ctx;
  tls_ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::Status anon =
      order::v1::OrderService::NewStub(
          grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(stack().Port(Service::kOrder)),
                                    grpc::SslCredentials(anonymous), args))
          ->ApplyPayment(&tls_ctx, order::v1::ApplyPaymentRequest(), &resp);
  EXPECT_EQ(anon.error_code(), grpc::StatusCode::UNAVAILABLE) << anon.error_message();
}

}  // namespace
}  // namespace paymesh::e2e
