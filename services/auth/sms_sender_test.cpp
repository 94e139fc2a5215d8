#include "services/auth/sms_sender.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/http/testing/fake_transport.h"
#include "common/time/testing/fake_clock.h"
#include "services/auth/tc3.h"

namespace paymesh::auth {
namespace {

using http::testing::FakeTransport;

std::string HeaderOf(const http::ClientRequest& req, const std::string& name) {
  for (const auto& [k, v] : req.headers) {
    if (k == name) return v;
  }
  return "";
}

http::ClientResponse Answer(int status, std::string body) {
  http::ClientResponse res;
  res.status = status;
  res.body = std::move(body);
  return res;
}

TEST(DevSmsSenderTest, PostsTheTextToTheSink) {
  FakeTransport transport;
  transport.Enqueue(Answer(204, ""));
  DevSmsSender sender("http://127.0.0.1:8090/sim/sms", transport, std::chrono::milliseconds(700));
  ASSERT_TRUE(sender.Send("13800138000", "042917", std::chrono::seconds(300)).ok());
  const http::ClientRequest req = transport.requests().at(0);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "http://127.0.0.1:8090/sim/sms");
  EXPECT_EQ(req.timeout, std::chrono::milliseconds(700));
  boost::json::value body = boost::json::parse(req.body);
  EXPECT_EQ(body.at("mobile").as_string(), "13800138000");
  EXPECT_NE(std::string(body.at("text").as_string()).find("042917"), std::string::npos);
  EXPECT_NE(std::string(body.at("text").as_string()).find("5 分钟"), std::string::npos);

  transport.Enqueue(Answer(500, ""));
  EXPECT_EQ(sender.Send("13800138000", "1", std::chrono::seconds(300)).code(),
            absl::StatusCode::kUnavailable);
}

class TencentSmsSenderTest : public ::testing::Test {
 protected:
  TencentSmsSenderTest() : sender_(Options(), transport_, clock_) {}
  static TencentSmsOptions Options() {
    TencentSmsOptions o;
    o.secret_id = "AKIDexample";
    o.secret_key = config::Secret("secret-key-example");
    o.sdk_app_id = "1400006666";
    o.sign_name = "腾讯云";
    o.template_id = "1234567";
    return o;
  }
  FakeTransport transport_;
  time::testing::FakeClock clock_;  // 2026-01-01T00:00:00Z
  TencentSmsSender sender_;
};

TEST_F(TencentSmsSenderTest, TheSignedSendSmsRequest) {
  const http::ClientRequest req =
      sender_.BuildRequest("13800138000", "042917", std::chrono::seconds(300), 1767225600);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "https://sms.tencentcloudapi.com/");
  boost::json::value body = boost::json::parse(req.body);
  EXPECT_EQ(body.at("PhoneNumberSet").at(0).as_string(), "+8613800138000");
  EXPECT_EQ(body.at("SmsSdkAppId").as_string(), "1400006666");
  EXPECT_EQ(body.at("SignName").as_string(), "腾讯云");
  EXPECT_EQ(body.at("TemplateId").as_string(), "1234567");
  EXPECT_EQ(body.at("TemplateParamSet").at(0).as_string(), "042917");
  EXPECT_EQ(body.at("TemplateParamSet").at(1).as_string(), "5");
  EXPECT_EQ(HeaderOf(req, "X-TC-Action"), "SendSms");
  EXPECT_EQ(HeaderOf(req, "X-TC-Version"), "2021-01-11");
  EXPECT_EQ(HeaderOf(req, "X-TC-Region"), "ap-guangzhou");
  EXPECT_EQ(HeaderOf(req, "X-TC-Timestamp"), "1767225600");
  EXPECT_EQ(HeaderOf(req, "Host"), "sms.tencentcloudapi.com");
  EXPECT_EQ(HeaderOf(req, "Content-Type"), "application/json; charset=utf-8");
  // The signature covers exactly this body, host and time (tc3_test checks the algorithm).
  EXPECT_EQ(HeaderOf(req, "Authorization"),
            Tc3Authorization({.secret_id = "AKIDexample",
                              .secret_key = "secret-key-example",
                              .service = "sms",
                              .host = "sms.tencentcloudapi.com",
                              .content_type = "application/json; charset=utf-8",
                              .payload = req.body,
                              .timestamp = 1767225600}));
  EXPECT_NE(
      HeaderOf(req, "Authorization").find("Credential=AKIDexample/2026-01-01/sms/tc3_request"),
      std::string::npos);
  EXPECT_EQ(HeaderOf(req, "Authorization").find("secret-key-example"), std::string::npos);
}

TEST_F(TencentSmsSenderTest, OnlyAnOkSendStatusIsDelivered) {
  transport_.Enqueue(
      Answer(200, R"({"Response":{"SendStatusSet":[{"Code":"Ok"}],"RequestId":"r"}})"));
  EXPECT_TRUE(sender_.Send("13800138000", "1", std::chrono::seconds(300)).ok());
  EXPECT_EQ(HeaderOf(transport_.requests().at(0), "X-TC-Timestamp"), "1767225600");
  transport_.Enqueue(Answer(
      200, R"({"Response":{"SendStatusSet":[{"Code":"LimitExceeded.PhoneNumberDailyLimit"}]}})"));
  EXPECT_FALSE(sender_.Send("13800138000", "1", std::chrono::seconds(300)).ok());
  transport_.Enqueue(
      Answer(200, R"({"Response":{"Error":{"Code":"AuthFailure.SignatureFailure"}}})"));
  EXPECT_FALSE(sender_.Send("13800138000", "1", std::chrono::seconds(300)).ok());
  transport_.Enqueue(absl::DeadlineExceededError("timed out"));
  EXPECT_FALSE(sender_.Send("13800138000", "1", std::chrono::seconds(300)).ok());
}

}  // namespace
}  // namespace paymesh::auth
