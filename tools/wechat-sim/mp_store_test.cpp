#include "tools/wechat-sim/mp_store.h"

#include <gtest/gtest.h>

namespace paymesh::wechatsim {
namespace {

constexpr int64_t kT0 = 1795255200;

MpStore Store(int64_t ttl = 7200, int64_t overlap = 300) {
  return MpStore(MpOptions{"wxoa", "oasecret", "wxmp", "mpsecret", ttl, overlap, 300});
}

TEST(MpStoreTest, AppsAndSecrets) {
  MpStore s = Store();
  EXPECT_EQ(s.CheckApp("wxoa", "oasecret", 40125).code, 0);
  EXPECT_EQ(s.CheckApp("wxmp", "mpsecret", 40125).code, 0);
  EXPECT_EQ(s.CheckApp("wxoa", "mpsecret", 40125).code, 40125);
  EXPECT_EQ(s.CheckApp("wxoa", "", 40001).code, 40001);
  EXPECT_EQ(s.CheckApp("wxnobody", "oasecret", 40125).code, 40013);
}

TEST(MpStoreTest, AnOauthCodeWorksOnceWithinFiveMinutes) {
  MpStore s = Store();
  s.SetUser("wxoa", {"oALICE", "uALICE", "Alice", "https://x/0"});
  const std::string code = s.IssueOauthCode("wxoa", "snsapi_userinfo", kT0);
  MpError e;
  EXPECT_FALSE(s.RedeemOauthCode("wxmp", code, kT0, &e).has_value()) << "another app's";
  EXPECT_EQ(e.code, 40029);
  std::optional<MpStore::OauthGrant> grant = s.RedeemOauthCode("wxoa", code, kT0 + 299, &e);
  ASSERT_TRUE(grant.has_value());
  EXPECT_EQ(grant->user.openid, "oALICE");
  EXPECT_EQ(grant->scope, "snsapi_userinfo");
  EXPECT_FALSE(s.RedeemOauthCode("wxoa", code, kT0 + 1, &e).has_value());
  EXPECT_EQ(e.code, 40163) << "used";
  const std::string late = s.IssueOauthCode("wxoa", "snsapi_base", kT0);
  EXPECT_FALSE(s.RedeemOauthCode("wxoa", late, kT0 + 300, &e).has_value());
  EXPECT_EQ(e.code, 40029) << "expired";
  EXPECT_FALSE(s.RedeemOauthCode("wxoa", "nonsense", kT0, &e).has_value());
  EXPECT_EQ(e.code, 40029);

  std::optional<MpUser> user = s.UserInfo(grant->access_token, "oALICE", kT0, &e);
  ASSERT_TRUE(user.has_value());
  EXPECT_EQ(user->nickname, "Alice");
  EXPECT_FALSE(s.UserInfo(grant->access_token, "oBOB", kT0, &e));
  EXPECT_EQ(e.code, 40003);
  EXPECT_FALSE(s.UserInfo("nope", "oALICE", kT0, &e));
  EXPECT_EQ(e.code, 40001);
  EXPECT_FALSE(s.UserInfo(grant->access_token, "oALICE", kT0 + 299 + 7200, &e));
  EXPECT_EQ(e.code, 42001);
}

TEST(MpStoreTest, ABaseScopeTokenCannotReadUserInfo) {
  MpStore s = Store();
  MpError e;
  auto grant = s.RedeemOauthCode("wxoa", s.IssueOauthCode("wxoa", "snsapi_base", kT0), kT0, &e);
  ASSERT_TRUE(grant.has_value());
  EXPECT_FALSE(s.UserInfo(grant->access_token, grant->user.openid, kT0, &e));
  EXPECT_EQ(e.code, 48001);
  EXPECT_EQ(grant->user.openid.size(), 28u) << "a fresh user when none was set";
}

TEST(MpStoreTest, LoginCodesAreSingleUseAndForTheMiniProgram) {
  MpStore s = Store();
  const std::string code = s.MintLoginCode("wxmp", {"oMP", "", "", ""}, kT0);
  MpError e;
  auto session = s.RedeemLoginCode("wxmp", code, kT0, &e);
  ASSERT_TRUE(session.has_value());
  EXPECT_EQ(session->user.openid, "oMP");
  EXPECT_FALSE(session->session_key.empty());
  EXPECT_FALSE(s.RedeemLoginCode("wxmp", code, kT0, &e));
  EXPECT_EQ(e.code, 40163);
  const std::string oauth = s.IssueOauthCode("wxmp", "snsapi_base", kT0);
  EXPECT_FALSE(s.RedeemLoginCode("wxmp", oauth, kT0, &e)) << "an OAuth code is not a login code";
  EXPECT_EQ(e.code, 40029);
}

TEST(MpStoreTest, ANewAccessTokenSupersedesTheOldAfterTheOverlap) {
  MpStore s = Store(7200, 300);
  const IssuedToken first = s.FetchAccessToken("wxoa", false, false, kT0);
  EXPECT_EQ(first.expires_in, 7200);
  std::string appid;
  EXPECT_EQ(s.CheckAccessToken(first.value, kT0, &appid).code, 0);
  EXPECT_EQ(appid, "wxoa");
  const IssuedToken second = s.FetchAccessToken("wxoa", false, false, kT0 + 100);
  EXPECT_NE(second.value, first.value) << "cgi-bin/token always issues a new one";
  EXPECT_EQ(s.CheckAccessToken(first.value, kT0 + 399, &appid).code, 0) << "overlap";
  EXPECT_EQ(s.CheckAccessToken(first.value, kT0 + 400, &appid).code, 40001);
  EXPECT_EQ(s.CheckAccessToken(second.value, kT0 + 100 + 7200, &appid).code, 42001);
  EXPECT_EQ(s.CheckAccessToken("", kT0, &appid).code, 41001);
  EXPECT_EQ(s.CheckAccessToken("forged", kT0, &appid).code, 40001);
}

TEST(MpStoreTest, TheStableTokenStaysUntilItsLastMinutesOrAForcedRefresh) {
  MpStore s = Store(7200, 300);
  const IssuedToken a = s.FetchAccessToken("wxoa", true, false, kT0);
  EXPECT_EQ(s.FetchAccessToken("wxoa", true, false, kT0 + 6000).value, a.value);
  EXPECT_EQ(s.FetchAccessToken("wxoa", true, false, kT0 + 6000).expires_in, 1200);
  const IssuedToken b = s.FetchAccessToken("wxoa", true, false, kT0 + 6900);
  EXPECT_NE(b.value, a.value) << "300 s or less left: a new one";
  const IssuedToken c = s.FetchAccessToken("wxoa", true, true, kT0 + 6901);
  EXPECT_NE(c.value, b.value) << "forced";
  std::string appid;
  EXPECT_EQ(s.CheckAccessToken(b.value, kT0 + 6901 + 299, &appid).code, 0);
}

TEST(MpStoreTest, ARevokedTokenFailsAtOnceAndTheNextFetchIsNew) {
  MpStore s = Store(7200, 300);
  EXPECT_FALSE(s.RevokeAccessToken("wxoa", kT0)) << "none yet";
  const IssuedToken a = s.FetchAccessToken("wxoa", true, false, kT0);
  EXPECT_TRUE(s.RevokeAccessToken("wxoa", kT0 + 1));
  std::string appid;
  EXPECT_EQ(s.CheckAccessToken(a.value, kT0 + 1, &appid).code, 40001);
  EXPECT_NE(s.FetchAccessToken("wxoa", true, false, kT0 + 2).value, a.value);
}

TEST(MpStoreTest, TheTicketLastsItsLifetimeAndTokensAreListed) {
  MpStore s = Store(60, 10);
  const IssuedToken t = s.Ticket("wxoa", kT0);
  EXPECT_EQ(s.Ticket("wxoa", kT0 + 49).value, t.value);
  EXPECT_EQ(s.Ticket("wxoa", kT0 + 49).expires_in, 11);
  EXPECT_NE(s.Ticket("wxoa", kT0 + 50).value, t.value) << "the overlap or less left: a new one";
  s.FetchAccessToken("wxoa", true, false, kT0 + 60);
  auto tokens = s.CurrentTokens(kT0 + 61);
  ASSERT_EQ(tokens.count("wxoa"), 1u);
  EXPECT_FALSE(tokens["wxoa"].access_token.empty());
  EXPECT_FALSE(tokens["wxoa"].jsapi_ticket.empty());
  EXPECT_TRUE(s.CurrentTokens(kT0 + 200)["wxoa"].access_token.empty()) << "expired";
}

TEST(MpStoreTest, CountersAndSms) {
  MpStore s = Store();
  s.Count("cgi-bin/token");
  s.Count("cgi-bin/token");
  EXPECT_EQ(s.Counters()["cgi-bin/token"], 2);
  s.ResetCounters();
  EXPECT_TRUE(s.Counters().empty());
  s.RecordSms({"13800138000", "code 123456", kT0});
  s.RecordSms({"13900139000", "code 654321", kT0});
  EXPECT_EQ(s.SmsFor("13800138000").size(), 1u);
  EXPECT_EQ(s.SmsFor("").size(), 2u);
}

}  // namespace
}  // namespace paymesh::wechatsim
