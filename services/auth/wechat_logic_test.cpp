// WechatLogic against the real Redis (OAuth state, code memo, token centre), with WeChat played
// by FakeWechatApi and accounts by the in-memory fakes.

#include "services/auth/wechat_logic.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "common/ratelimit/testing/fake_rate_limiter.h"
#include "common/rpc/status.h"
#include "common/time/testing/fake_clock.h"
#include "services/auth/jssdk.h"
#include "services/auth/testing/fake_session_store.h"
#include "services/auth/testing/fake_sms_code_book.h"
#include "services/auth/testing/fake_user_store.h"
#include "services/auth/testing/fake_wechat_api.h"
#include "tests/support/test_env.h"

namespace paymesh::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kShop[] = "https://shop.example";

class WechatLogicTest : public ::testing::Test {
 protected:
  WechatLogicTest() : redis_(paymesh::testing::RedisOptions()) {
    AuthOptions auth_options;
    auth_options.scrypt.log2_n = 10;
    auth_ = std::move(
        AuthLogic::Create(auth_options, {&users_, &sessions_, &limiter_, &clock_, &tokens_, &sms_})
            .value());
    options_.oa_appid = paymesh::testing::UniqueName("wxoa");
    options_.miniprogram_appid = paymesh::testing::UniqueName("wxmp");
    options_.open_base_url = "https://open.example";
    options_.oauth_callback_url = std::string(kShop) + "/api/v1/auth/wechat/callback";
    options_.allowed_origins = {kShop};
    options_.jsapi_list = {"chooseWXPay"};
    Rebuild();
  }
  void Rebuild() {
    logic_ = std::make_unique<WechatLogic>(
        options_,
        WechatLogic::Deps{&wechat_, &centre_, &users_, auth_.get(), &redis_, &limiter_, &clock_});
  }

  // A started sign-in whose code WeChat will accept for `user`.
  OauthStart Start(const std::string& scope, const WechatProfile& user, const std::string& code,
                   const std::string& link = "") {
    wechat_.AddCode(code, user, scope);
    absl::StatusOr<OauthStart> start =
        logic_->StartOauth(scope, std::string(kShop) + "/me", link, "203.0.113.9");
    EXPECT_TRUE(start.ok()) << start.status();
    return start.value_or(OauthStart{});
  }

  time::testing::FakeClock clock_;
  testing::FakeUserStore users_{&clock_};
  testing::FakeSessionStore sessions_{&clock_};
  ratelimit::testing::FakeRateLimiter limiter_{&clock_};
  testing::FakeSmsCodeBook sms_;
  testing::FakeWechatApi wechat_;
  TokenCodec tokens_{*crypto::Ed25519PrivateKey::FromRawSeed(std::string(32, 'k'))};
  redis::Client redis_;
  TokenCentre centre_{TokenCentreOptions{}, wechat_, redis_, clock_};
  std::unique_ptr<AuthLogic> auth_;
  WechatOptions options_;
  std::unique_ptr<WechatLogic> logic_;
};

TEST_F(WechatLogicTest, TheAuthorizeUrlIsWechatsExactShape) {
  absl::StatusOr<OauthStart> start =
      logic_->StartOauth("snsapi_userinfo", std::string(kShop) + "/me?x=1#top", "", "203.0.113.9");
  ASSERT_TRUE(start.ok()) << start.status();
  EXPECT_EQ(start->state.size(), 32u);
  EXPECT_EQ(start->expires_in, std::chrono::seconds(300));
  EXPECT_EQ(start->authorize_url,
            "https://open.example/connect/oauth2/authorize?appid=" + options_.oa_appid +
                "&redirect_uri=https%3A%2F%2Fshop.example%2Fapi%2Fv1%2Fauth%2Fwechat%2Fcallback"
                "&response_type=code&scope=snsapi_userinfo&state=" +
                start->state + "#wechat_redirect");
}

TEST_F(WechatLogicTest, StartRefusesBadScopesAndRedirectsOffTheAllowList) {
  EXPECT_EQ(logic_->StartOauth("snsapi_login", std::string(kShop) + "/", "", "203.0.113.9")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  for (const char* bad : {"", "/relative", "https://evil.example/", "https://shop.example.evil/",
                          "https://shop.example@evil.example/", "http://shop.example/",
                          "https://shop.example/a b", "javascript:alert(1)"}) {
    absl::StatusOr<OauthStart> start = logic_->StartOauth("snsapi_base", bad, "", "203.0.113.9");
    EXPECT_EQ(start.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(logic_->StartOauth("snsapi_base", std::string(kShop) + "/", "not-a-uuid", "203.0.113.9")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  options_.oa_appid = "";
  Rebuild();
  EXPECT_EQ(logic_->StartOauth("snsapi_base", std::string(kShop) + "/", "", "203.0.113.9")
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(WechatLogicTest, UserinfoSignInKeepsTheProfileAndLandsOnTheRedirect) {
  OauthStart start = Start("snsapi_userinfo", {"oA1", "uA1", "小明", "https://img/0"}, "c1");
  absl::StatusOr<OauthFinish> done = logic_->FinishOauth("c1", start.state, start.state);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->redirect, std::string(kShop) + "/me");
  EXPECT_THAT(done->user.username, StartsWith("wx_"));
  EXPECT_TRUE(auth_->VerifyToken(done->tokens.access_token).ok());
  auto identities = users_.identities();
  ASSERT_EQ(identities.size(), 1u);
  EXPECT_EQ(identities[0].second.nickname, "小明");
  EXPECT_EQ(identities[0].second.unionid, "uA1");
  EXPECT_EQ(wechat_.calls("userinfo"), 1);
}

TEST_F(WechatLogicTest, AnOversizedProfileIsCutToWhatTheSchemaKeeps) {
  std::string nickname;
  for (int i = 0; i < 100; ++i) nickname += "小";  // 300 bytes
  OauthStart start = Start("snsapi_userinfo",
                           {"oL1", std::string(200, 'u'), nickname, std::string(2000, 'a')}, "c9");
  ASSERT_TRUE(logic_->FinishOauth("c9", start.state, start.state).ok());
  const WechatIdentity stored = users_.identities().at(0).second;
  EXPECT_EQ(stored.nickname.size(), 255u) << "85 whole characters, no split one";
  EXPECT_EQ(stored.unionid, "");
  EXPECT_EQ(stored.avatar, "");
}

TEST_F(WechatLogicTest, AStateIsSpentOnceAndOnlyByItsBrowser) {
  OauthStart start = Start("snsapi_base", {"oB1", "", "", ""}, "c2");
  absl::StatusOr<OauthFinish> foreign = logic_->FinishOauth("c2", start.state, "");
  EXPECT_EQ(foreign.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(foreign.status().message(), HasSubstr("browser"));
  ASSERT_TRUE(logic_->FinishOauth("c2", start.state, start.state).ok())
      << "a refused foreign attempt does not spend the state";
  EXPECT_EQ(logic_->FinishOauth("c2", start.state, start.state).status().code(),
            absl::StatusCode::kInvalidArgument)
      << "spent";
  const std::string forged(32, 'A');
  EXPECT_EQ(logic_->FinishOauth("c2", forged, forged).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(logic_->FinishOauth("c2", "short", "short").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(wechat_.calls("oauth2/access_token"), 1) << "refused states never reach WeChat";
}

TEST_F(WechatLogicTest, AnExpiredStateIsRefused) {
  options_.state_ttl = std::chrono::seconds(1);
  Rebuild();
  OauthStart start = Start("snsapi_base", {"oC1", "", "", ""}, "c3");
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_EQ(logic_->FinishOauth("c3", start.state, start.state).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(WechatLogicTest, ACodeWechatRefusesIsABadRequest) {
  OauthStart start =
      logic_->StartOauth("snsapi_base", std::string(kShop) + "/", "", "203.0.113.9").value();
  absl::StatusOr<OauthFinish> done = logic_->FinishOauth("unknown", start.state, start.state);
  EXPECT_EQ(done.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(done.status().message(), HasSubstr("code"));
  EXPECT_EQ(logic_->FinishOauth("bad code!", start.state, start.state).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(WechatLogicTest, LinkingAttachesTheIdentityToTheSignedInAccount) {
  const User alice = users_.CreateUser({"alice", "", ""}).value();
  OauthStart start = Start("snsapi_base", {"oD1", "", "", ""}, "c4", alice.id);
  absl::StatusOr<OauthFinish> done = logic_->FinishOauth("c4", start.state, start.state);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->user.id, alice.id);

  const User bob = users_.CreateUser({"bob", "", ""}).value();
  OauthStart steal = Start("snsapi_base", {"oD1", "", "", ""}, "c5", bob.id);
  EXPECT_EQ(logic_->FinishOauth("c5", steal.state, steal.state).status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(WechatLogicTest, AMiniProgramCodeUsedTwiceSignsTheSameUserInOnce) {
  wechat_.AddCode("js1", {"oE1", "", "", ""}, "");
  absl::StatusOr<TokenPair> first = logic_->MiniProgramLogin("js1", "203.0.113.9");
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<TokenPair> second = logic_->MiniProgramLogin("js1", "203.0.113.9");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(first->user_id, second->user_id);
  EXPECT_NE(first->refresh_token, second->refresh_token) << "a session each";
  EXPECT_EQ(wechat_.calls("jscode2session"), 1);
  EXPECT_EQ(users_.identities().at(0).second.session_key, "sk-js1") << "kept server-side";
  EXPECT_EQ(logic_->MiniProgramLogin("js-unknown", "203.0.113.9").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(logic_->MiniProgramLogin("js-unknown", "203.0.113.9").status().code(),
            absl::StatusCode::kInvalidArgument)
      << "a failed code is not remembered as a success";
}

TEST_F(WechatLogicTest, TheSameMiniProgramCodeAtOnceAsksWechatOnce) {
  wechat_.AddCode("js2", {"oF1", "", "", ""}, "");
  wechat_.set_delay(std::chrono::milliseconds(200));
  absl::StatusOr<TokenPair> a, b;
  std::thread other([&] { b = logic_->MiniProgramLogin("js2", "203.0.113.9"); });
  a = logic_->MiniProgramLogin("js2", "203.0.113.9");
  other.join();
  ASSERT_TRUE(a.ok() && b.ok()) << a.status() << " / " << b.status();
  EXPECT_EQ(a->user_id, b->user_id);
  EXPECT_EQ(wechat_.calls("jscode2session"), 1);
}

TEST_F(WechatLogicTest, JsSdkConfigSignsTheAllowedPageWithTheCentralTicket) {
  absl::StatusOr<JsSdkConfig> config = logic_->JsSdkConfigFor(std::string(kShop) + "/p?a=1#x");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->app_id, options_.oa_appid);
  EXPECT_EQ(config->timestamp, 1767225600);
  EXPECT_EQ(config->nonce_str.size(), 16u);
  EXPECT_EQ(config->signature, JsSdkSignature("TK1", config->nonce_str, config->timestamp,
                                              std::string(kShop) + "/p?a=1"));
  EXPECT_EQ(config->js_api_list, std::vector<std::string>{"chooseWXPay"});
  EXPECT_EQ(logic_->JsSdkConfigFor("https://evil.example/").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(WechatLogicTest, SignInStartsAndMiniProgramLoginsAreRationedPerAddress) {
  options_.max_per_ip_per_minute = 2;
  Rebuild();
  const std::string page = std::string(kShop) + "/";
  for (int i = 0; i < 2; ++i)
    ASSERT_TRUE(logic_->StartOauth("snsapi_base", page, "", "198.51.100.4").ok());
  absl::StatusOr<OauthStart> third = logic_->StartOauth("snsapi_base", page, "", "198.51.100.4");
  EXPECT_EQ(third.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(rpc::RetryAfterOf(third.status()), std::chrono::seconds(60));
  EXPECT_TRUE(logic_->StartOauth("snsapi_base", page, "", "198.51.100.5").ok());
  for (int i = 0; i < 2; ++i) logic_->MiniProgramLogin("nope", "198.51.100.4").IgnoreError();
  EXPECT_EQ(logic_->MiniProgramLogin("nope", "198.51.100.4").status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(wechat_.calls("jscode2session"), 2);
}

TEST_F(WechatLogicTest, TheOpenidAUserPaysWith) {
  OauthStart start = Start("snsapi_base", {"oPay1", "", "", ""}, "c10");
  absl::StatusOr<OauthFinish> done = logic_->FinishOauth("c10", start.state, start.state);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(*logic_->OpenidOf(done->user.id, ""), "oPay1") << "the Official Account's";
  EXPECT_EQ(logic_->OpenidOf(done->user.id, options_.miniprogram_appid).status().code(),
            absl::StatusCode::kNotFound)
      << "never signed in with the mini program";
  EXPECT_EQ(logic_->OpenidOf("not-a-uuid", "").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(logic_->OpenidOf(done->user.id, "wxother").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(WechatLogicTest, CredentialsOnlyForTheConfiguredApps) {
  EXPECT_EQ(logic_->AccessToken("")->value, "AT1") << "the Official Account";
  EXPECT_EQ(logic_->AccessToken(options_.miniprogram_appid)->value, "AT2");
  EXPECT_EQ(logic_->AccessToken("wxsomeoneelse").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(logic_->ReportInvalidAccessToken("", "").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace paymesh::auth
