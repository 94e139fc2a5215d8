#include "services/auth/wechat_client.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/http/testing/fake_transport.h"

namespace paymesh::auth {
namespace {

using http::testing::FakeTransport;

constexpr char kAppid[] = "wx1234567890abcdef";
constexpr char kSecret[] = "0123456789abcdef0123456789abcdef";

http::ClientResponse Json(const std::string& body, int status = 200) {
  http::ClientResponse res;
  res.status = status;
  res.body = body;
  return res;
}

class WechatClientTest : public ::testing::Test {
 protected:
  WechatClientTest()
      : client_({.api_base_url = "https://api.example",
                 .secrets = {{kAppid, config::Secret(kSecret)}},
                 .timeout = std::chrono::milliseconds(1500)},
                transport_) {}

  FakeTransport transport_;
  WechatClient client_;
};

TEST_F(WechatClientTest, ExchangesAnOauthCode) {
  transport_.Enqueue(Json(R"({"access_token":"ua","expires_in":7200,"refresh_token":"r",
      "openid":"oABC","scope":"snsapi_userinfo","unionid":"uXYZ"})"));
  absl::StatusOr<OauthGrant> grant = client_.ExchangeOauthCode(kAppid, "c0de/+");
  ASSERT_TRUE(grant.ok()) << grant.status();
  EXPECT_EQ(grant->openid, "oABC");
  EXPECT_EQ(grant->unionid, "uXYZ");
  EXPECT_EQ(grant->scope, "snsapi_userinfo");
  EXPECT_EQ(grant->access_token, "ua");
  ASSERT_EQ(transport_.requests().size(), 1u);
  const http::ClientRequest req = transport_.requests()[0];
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.url, std::string("https://api.example/sns/oauth2/access_token?appid=") + kAppid +
                         "&secret=" + kSecret + "&code=c0de%2F%2B&grant_type=authorization_code");
  EXPECT_EQ(req.timeout, std::chrono::milliseconds(1500));
}

TEST_F(WechatClientTest, ErrcodesBecomeStatusesWithoutSecrets) {
  transport_.Enqueue(Json(R"({"errcode":40163,"errmsg":"code been used, rid: 1"})"));
  absl::StatusOr<OauthGrant> grant = client_.ExchangeOauthCode(kAppid, "used");
  EXPECT_EQ(grant.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(grant.status().message().find("40163"), std::string_view::npos);
  EXPECT_EQ(grant.status().message().find(kSecret), std::string_view::npos);

  transport_.Enqueue(Json(R"({"errcode":40001,"errmsg":"invalid credential"})"));
  EXPECT_EQ(client_.JsapiTicket("stale").status().code(), absl::StatusCode::kUnauthenticated);
  transport_.Enqueue(Json("busy", 502));
  EXPECT_EQ(client_.JsapiTicket("t").status().code(), absl::StatusCode::kUnavailable);
  transport_.Enqueue(Json("[1,2]"));
  EXPECT_EQ(client_.JsapiTicket("t").status().code(), absl::StatusCode::kUnavailable);
  transport_.Enqueue(absl::DeadlineExceededError("read timed out"));
  EXPECT_EQ(client_.JsapiTicket("t").status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST_F(WechatClientTest, AnUnknownAppNeverReachesTheNetwork) {
  EXPECT_EQ(client_.CodeToSession("wxother", "c").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(client_.StableAccessToken("wxother", false).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(transport_.requests().empty());
}

TEST_F(WechatClientTest, StableTokenPostsJson) {
  transport_.Enqueue(Json(R"({"access_token":"AT","expires_in":7200})"));
  absl::StatusOr<IssuedCredential> token = client_.StableAccessToken(kAppid, true);
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->value, "AT");
  EXPECT_EQ(token->expires_in, std::chrono::seconds(7200));
  const http::ClientRequest req = transport_.requests().at(0);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "https://api.example/cgi-bin/stable_token");
  boost::json::value body = boost::json::parse(req.body);
  EXPECT_EQ(body.at("grant_type").as_string(), "client_credential");
  EXPECT_EQ(body.at("appid").as_string(), kAppid);
  EXPECT_EQ(body.at("secret").as_string(), kSecret);
  EXPECT_EQ(body.at("force_refresh").as_bool(), true);

  transport_.Enqueue(Json(R"({"access_token":"","expires_in":7200})"));
  EXPECT_EQ(client_.StableAccessToken(kAppid, false).status().code(),
            absl::StatusCode::kUnavailable);
  transport_.Enqueue(Json(R"({"access_token":"AT","expires_in":"7200"})"));
  EXPECT_EQ(client_.StableAccessToken(kAppid, false).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(WechatClientTest, TicketUserInfoAndCodeToSession) {
  transport_.Enqueue(Json(R"({"errcode":0,"errmsg":"ok","ticket":"TK","expires_in":7200})"));
  absl::StatusOr<IssuedCredential> ticket = client_.JsapiTicket("A&T");
  ASSERT_TRUE(ticket.ok()) << ticket.status();
  EXPECT_EQ(ticket->value, "TK");
  EXPECT_EQ(transport_.requests().back().url,
            "https://api.example/cgi-bin/ticket/getticket?access_token=A%26T&type=jsapi");

  transport_.Enqueue(
      Json(R"({"openid":"o1","nickname":"小明","headimgurl":"https://img/0","unionid":"u1"})"));
  absl::StatusOr<WechatProfile> profile = client_.UserInfo("ua", "o1");
  ASSERT_TRUE(profile.ok()) << profile.status();
  EXPECT_EQ(profile->nickname, "小明");
  EXPECT_EQ(profile->avatar, "https://img/0");

  transport_.Enqueue(Json(R"({"openid":"o2","session_key":"sk=="})"));
  absl::StatusOr<MiniProgramSession> session = client_.CodeToSession(kAppid, "js");
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(session->openid, "o2");
  EXPECT_EQ(session->session_key, "sk==");
  EXPECT_EQ(session->unionid, "");
}

TEST(StatusCodeOfErrcodeTest, Table) {
  EXPECT_EQ(StatusCodeOfErrcode(40029), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(StatusCodeOfErrcode(40163), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(StatusCodeOfErrcode(40001), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(StatusCodeOfErrcode(42001), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(StatusCodeOfErrcode(45009), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(StatusCodeOfErrcode(-1), absl::StatusCode::kUnavailable);
  EXPECT_EQ(StatusCodeOfErrcode(40125), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(StatusCodeOfErrcode(48001), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace paymesh::auth
