#include "services/auth/logic.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/crypto/crypto.h"
#include "common/ratelimit/testing/fake_rate_limiter.h"
#include "common/rpc/status.h"
#include "common/time/testing/fake_clock.h"
#include "services/auth/testing/fake_session_store.h"
#include "services/auth/testing/fake_sms_code_book.h"
#include "services/auth/testing/fake_user_store.h"

namespace paymesh::auth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kPassword[] = "correct horse";

std::string Repeat(std::string_view unit, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += unit;
  return out;
}

class AuthLogicTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.scrypt.log2_n = 10;          // the minimum: fast enough for many hashes per test
    options_.register_max_per_ip = 1000;  // out of the way, except where a test lowers it
    Rebuild();
  }
  void Rebuild() {
    auto logic =
        AuthLogic::Create(options_, {&users_, &sessions_, &limiter_, &clock_, &tokens_, &sms_});
    ASSERT_TRUE(logic.ok()) << logic.status();
    logic_ = std::move(*logic);
  }

  // Registers, proving a (well-formed) mobile with the code sent to it.
  absl::StatusOr<User> Register(std::string_view username, std::string_view password,
                                std::string_view mobile, std::string_view ip = "203.0.113.7") {
    std::string code;
    if (logic_->SendSmsCode(mobile, "register", ip).ok()) {
      code = sms_.Delivered(SmsPurpose::kRegister, std::string(mobile));
    }
    return logic_->Register(username, password, mobile, code, ip);
  }
  User MustRegister(std::string_view username, std::string_view mobile = "") {
    absl::StatusOr<User> user = Register(username, kPassword, mobile);
    EXPECT_TRUE(user.ok()) << user.status();
    return user.value_or(User{});
  }
  TokenPair MustLogin(std::string_view username, std::string_view ip = "203.0.113.7") {
    absl::StatusOr<TokenPair> pair = logic_->Login(username, kPassword, ip);
    EXPECT_TRUE(pair.ok()) << pair.status();
    return pair.value_or(TokenPair{});
  }
  void ExpectRegisterRejected(std::string_view username, std::string_view password,
                              std::string_view mobile, std::string_view field) {
    size_t before = users_.size();
    absl::StatusOr<User> got = Register(username, password, mobile);
    ASSERT_FALSE(got.ok()) << "accepted " << username << " / " << mobile;
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(got.status().message(), HasSubstr(field));
    EXPECT_EQ(users_.size(), before);
  }

  AuthOptions options_;
  time::testing::FakeClock clock_;
  testing::FakeUserStore users_{&clock_};
  testing::FakeSessionStore sessions_{&clock_};
  ratelimit::testing::FakeRateLimiter limiter_{&clock_};
  testing::FakeSmsCodeBook sms_;
  TokenCodec tokens_{*crypto::Ed25519PrivateKey::FromRawSeed(std::string(32, 'k'))};
  std::unique_ptr<AuthLogic> logic_;
};

// ---- Register ------------------------------------------------------------------------------

TEST_F(AuthLogicTest, RegisterStoresAnScryptHashNotThePassword) {
  User user = MustRegister("Alice_01", "13800138000");
  EXPECT_EQ(user.username, "Alice_01");
  EXPECT_EQ(user.mobile, "13800138000");
  EXPECT_THAT(user.scopes, ElementsAre("user"));
  absl::StatusOr<UserCredentials> stored = users_.FindByUsername("alice_01");
  ASSERT_TRUE(stored.ok());
  EXPECT_THAT(stored->password_hash, StartsWith("$scrypt$ln=10,"));
  EXPECT_THAT(stored->password_hash, ::testing::Not(HasSubstr(kPassword)));
  EXPECT_TRUE(*crypto::VerifyPassword(kPassword, stored->password_hash));
}

TEST_F(AuthLogicTest, UsernameLengthAndAlphabet) {
  ExpectRegisterRejected("ab", kPassword, "", "username");
  ExpectRegisterRejected(std::string(33, 'a'), kPassword, "", "username");
  ExpectRegisterRejected("", kPassword, "", "username");
  for (const char* bad : {"bad-name", "bad name", "bad.name", "name'--", "名字abc", "abc\n"}) {
    ExpectRegisterRejected(bad, kPassword, "", "username");
  }
  MustRegister("abc");
  MustRegister(std::string(32, 'z'));
  MustRegister("A_z_0_9");
}

TEST_F(AuthLogicTest, PasswordLengthCountsCodePoints) {
  ExpectRegisterRejected("user1", std::string(7, 'p'), "", "password must be 8 to 128");
  ExpectRegisterRejected("user1", std::string(129, 'p'), "", "password must be 8 to 128");
  // Seven three-byte characters are 21 bytes but only 7 characters.
  ExpectRegisterRejected("user1", Repeat("密", 7), "", "password must be 8 to 128");
  // 129 characters of four bytes each.
  ExpectRegisterRejected("user1", Repeat("😀", 129), "", "password must be 8 to 128");
  EXPECT_TRUE(Register("user1", std::string(8, 'p'), "").ok());
  EXPECT_TRUE(Register("user2", std::string(128, 'p'), "").ok());
  EXPECT_TRUE(Register("user3", Repeat("密", 8), "").ok());
  EXPECT_TRUE(Register("user4", Repeat("😀", 128), "").ok());  // 512 bytes
}

TEST_F(AuthLogicTest, PasswordMustBeValidUtf8) {
  for (const std::string& bad : {std::string("abcdefgh\xff"),
                                 std::string("abcdefgh\xc0\xaf"),          // overlong '/'
                                 std::string("abcdefgh\xed\xa0\x80"),      // surrogate
                                 std::string("abcdefgh\xf4\x90\x80\x80"),  // > U+10FFFF
                                 std::string("abcdefgh\xe5\xaf"),          // truncated
                                 std::string("abcdefgh\x80")}) {
    ExpectRegisterRejected("user1", bad, "", "UTF-8");
  }
}

TEST_F(AuthLogicTest, MobileIsOptionalButMustBeMainland) {
  for (const char* bad : {"12800138000", "10800138000", "1380013800", "138001380000", "23800138000",
                          "1380013800a", "+8613800138000", "138 0013 800"}) {
    ExpectRegisterRejected("user1", kPassword, bad, "mobile");
  }
  EXPECT_EQ(MustRegister("nomobile").mobile, "");
  EXPECT_EQ(MustRegister("lowest", "13000000000").mobile, "13000000000");
  EXPECT_EQ(MustRegister("highest", "19999999999").mobile, "19999999999");
}

TEST_F(AuthLogicTest, DuplicateUsernameIgnoringCaseOrMobileAlreadyExists) {
  MustRegister("Alice", "13800138000");
  absl::StatusOr<User> same_name = Register("aLICE", kPassword, "");
  EXPECT_EQ(same_name.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(same_name.status().message(), HasSubstr("username"));
  absl::StatusOr<User> same_mobile = Register("bob", kPassword, "13800138000");
  EXPECT_EQ(same_mobile.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(same_mobile.status().message(), HasSubstr("mobile"));
  EXPECT_EQ(users_.size(), 1u);
}

// ---- Login ---------------------------------------------------------------------------------

TEST_F(AuthLogicTest, LoginIssuesAVerifiableTokenPair) {
  User user = MustRegister("alice");
  TokenPair pair = MustLogin("ALICE");  // usernames match ignoring case
  EXPECT_EQ(pair.user_id, user.id);
  EXPECT_EQ(pair.access_expires_in, 900);
  EXPECT_EQ(pair.refresh_expires_in, 1209600);
  EXPECT_THAT(pair.refresh_token, HasSubstr("."));
  absl::StatusOr<VerifiedToken> verified = logic_->VerifyToken(pair.access_token);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->user_id, user.id);
  EXPECT_THAT(verified->scopes, ElementsAre("user"));
  EXPECT_EQ(verified->session_id, pair.refresh_token.substr(0, pair.refresh_token.find('.')));
  int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch()).count();
  EXPECT_EQ(verified->expires_at, now + 900);
  EXPECT_EQ(sessions_.size(), 1u);
}

TEST_F(AuthLogicTest, WrongPasswordAndUnknownUserGetTheSameAnswer) {
  MustRegister("alice");
  absl::StatusOr<TokenPair> wrong = logic_->Login("alice", "wrong password", "203.0.113.7");
  absl::StatusOr<TokenPair> unknown = logic_->Login("nobody", kPassword, "203.0.113.7");
  absl::StatusOr<TokenPair> malformed = logic_->Login("no", kPassword, "203.0.113.7");
  for (const auto* got : {&wrong, &unknown, &malformed}) {
    ASSERT_FALSE(got->ok());
    EXPECT_EQ(got->status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(got->status().message(), "invalid username or password");
  }
  EXPECT_EQ(sessions_.size(), 0u);
}

TEST_F(AuthLogicTest, PerUserAndIpLimitLocksOutTheGuesserNotTheOwner) {
  MustRegister("alice");
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(logic_->Login("alice", "wrong password", "198.51.100.1").status().code(),
              absl::StatusCode::kUnauthenticated);
  }
  EXPECT_EQ(limiter_.Count(LoginUserIpBucket("alice", "198.51.100.1")), 10);
  clock_.Advance(std::chrono::seconds(100));
  absl::StatusOr<TokenPair> blocked = logic_->Login("Alice", kPassword, "198.51.100.1");
  EXPECT_EQ(blocked.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(blocked.status().message(), "too many login attempts");
  EXPECT_EQ(rpc::RetryAfterOf(blocked.status()), std::chrono::seconds(200))
      << "the rest of the 300 s window";
  EXPECT_EQ(sessions_.size(), 0u);  // even the right password gets nothing there

  MustLogin("alice", "203.0.113.50");  // the owner, elsewhere, is not locked out
  clock_.Advance(std::chrono::seconds(200));
  MustLogin("alice", "198.51.100.1");
}

TEST_F(AuthLogicTest, PerUserAndIpLimitAppliesToUnknownUsersToo) {
  for (int i = 0; i < 10; ++i) logic_->Login("ghost", kPassword, "198.51.100.1").IgnoreError();
  EXPECT_EQ(logic_->Login("GHOST", kPassword, "198.51.100.1").status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(logic_->Login("GHOST", kPassword, "198.51.100.2").status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(AuthLogicTest, PerIpLimitAcrossUsernames) {
  MustRegister("alice");
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(logic_->Login("user" + std::to_string(i), kPassword, "203.0.113.9").status().code(),
              absl::StatusCode::kUnauthenticated);
  }
  EXPECT_EQ(logic_->Login("alice", kPassword, "203.0.113.9").status().code(),
            absl::StatusCode::kResourceExhausted);
  MustLogin("alice", "203.0.113.10");  // another client is unaffected
}

TEST_F(AuthLogicTest, MissingClientIpSharesOneBucketAndJunkIpIsRejected) {
  MustRegister("alice");
  MustLogin("alice", "");
  EXPECT_EQ(limiter_.Count(LoginIpBucket("unknown")), 1);
  absl::StatusOr<TokenPair> junk = logic_->Login("alice", kPassword, "1.2.3.4; DROP");
  EXPECT_EQ(junk.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ClientKeyTest, AnIpv6SubscribersWholeSlash64IsOneClient) {
  EXPECT_EQ(*ClientKey("203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(*ClientKey(""), "unknown");
  EXPECT_EQ(*ClientKey("2001:DB8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  EXPECT_EQ(*ClientKey("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64");
  EXPECT_NE(*ClientKey("2001:db8:1:3::1"), *ClientKey("2001:db8:1:2::1"));
  EXPECT_EQ(*ClientKey("::ffff:198.51.100.9"), "198.51.100.9") << "IPv4-mapped is IPv4";
  EXPECT_EQ(ClientKey("1.2.3.4; DROP").status().code(), absl::StatusCode::kInvalidArgument);
}

// ---- SMS codes -----------------------------------------------------------------------------

TEST_F(AuthLogicTest, AMobileIsRegisteredOnlyWithItsCode) {
  const std::string mobile = "13800138000";
  EXPECT_EQ(logic_->Register("alice", kPassword, mobile, "", "").status().code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(logic_->SendSmsCode(mobile, "register", "203.0.113.7").ok());
  absl::StatusOr<User> wrong = logic_->Register("alice", kPassword, mobile, "000000", "");
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(wrong.status().message(), HasSubstr("sms_code"));
  EXPECT_EQ(users_.size(), 0u);
  const std::string code = sms_.Delivered(SmsPurpose::kRegister, mobile);
  ASSERT_TRUE(logic_->Register("alice", kPassword, mobile, code, "").ok());
  EXPECT_EQ(logic_->Register("alice2", kPassword, mobile, code, "").status().code(),
            absl::StatusCode::kInvalidArgument)
      << "a code works once";
  EXPECT_EQ(logic_->Register("bob", kPassword, "", "123456", "").status().code(),
            absl::StatusCode::kInvalidArgument)
      << "a code without a mobile is a mistake, not ignored";
}

TEST_F(AuthLogicTest, ATakenUsernameDoesNotSpendTheCode) {
  MustRegister("alice");
  ASSERT_TRUE(logic_->SendSmsCode("13800138000", "register", "").ok());
  const std::string code = sms_.Delivered(SmsPurpose::kRegister, "13800138000");
  EXPECT_EQ(logic_->Register("ALICE", kPassword, "13800138000", code, "").status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(logic_->Register("bob", kPassword, "13800138000", code, "").ok());
}

TEST_F(AuthLogicTest, OnlyThePhonesOwnerLearnsThatItIsRegistered) {
  MustRegister("alice", "13800138000");
  // Without the code: the same answer as for any unproven mobile.
  absl::StatusOr<User> probe = logic_->Register("mallory", kPassword, "13800138000", "111111", "");
  EXPECT_EQ(probe.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(probe.status().message(), ::testing::Not(HasSubstr("registered")));
  // With it (the owner): told.
  EXPECT_EQ(Register("bob", kPassword, "13800138000").status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(AuthLogicTest, SmsLoginWithACodeSentToAnAccountsMobile) {
  User alice = MustRegister("alice", "13800138000");
  ASSERT_TRUE(logic_->SendSmsCode("13800138000", "login", "203.0.113.7").ok());
  const std::string code = sms_.Delivered(SmsPurpose::kLogin, "13800138000");
  ASSERT_FALSE(code.empty());
  absl::StatusOr<TokenPair> pair = logic_->SmsLogin("13800138000", code, "203.0.113.7");
  ASSERT_TRUE(pair.ok()) << pair.status();
  EXPECT_EQ(pair->user_id, alice.id);
  EXPECT_EQ(logic_->SmsLogin("13800138000", code, "203.0.113.7").status().code(),
            absl::StatusCode::kUnauthenticated)
      << "used up";
}

TEST_F(AuthLogicTest, SmsLoginForAMobileWithoutAccountLooksTheSameButSendsNothing) {
  absl::StatusOr<SmsIssued> issued = logic_->SendSmsCode("13900139000", "login", "203.0.113.7");
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(sms_.Delivered(SmsPurpose::kLogin, "13900139000"), "");
  absl::StatusOr<TokenPair> pair = logic_->SmsLogin("13900139000", "123456", "203.0.113.7");
  EXPECT_EQ(pair.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(pair.status().message(), "invalid mobile or code");
}

TEST_F(AuthLogicTest, FiveWrongCodesBurnIt) {
  MustRegister("alice", "13800138000");
  ASSERT_TRUE(logic_->SendSmsCode("13800138000", "login", "").ok());
  const std::string code = sms_.Delivered(SmsPurpose::kLogin, "13800138000");
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(logic_->SmsLogin("13800138000", "000000", "").status().code(),
              absl::StatusCode::kUnauthenticated);
  }
  EXPECT_EQ(logic_->SmsLogin("13800138000", code, "").status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(AuthLogicTest, SmsInputIsChecked) {
  EXPECT_EQ(logic_->SendSmsCode("1380013800", "login", "").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(logic_->SendSmsCode("13800138000", "reset", "").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(logic_->SendSmsCode("13800138000", "login", "not an ip").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(sms_.issued(), 0);
}

TEST_F(AuthLogicTest, RegistrationsAreLimitedPerClientIp) {
  options_.register_max_per_ip = 10;
  Rebuild();
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(
        logic_->Register("flood" + std::to_string(i), kPassword, "", "", "198.51.100.7").ok());
  }
  absl::StatusOr<User> refused = logic_->Register("flood10", kPassword, "", "", "198.51.100.7");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(rpc::RetryAfterOf(refused.status()), std::chrono::seconds(3600));
  EXPECT_TRUE(logic_->Register("other", kPassword, "", "", "198.51.100.8").ok());
}

// ---- Refresh -------------------------------------------------------------------------------

TEST_F(AuthLogicTest, RefreshRotatesOnceAndKeepsTheSession) {
  MustRegister("alice");
  TokenPair first = MustLogin("alice");
  clock_.Advance(std::chrono::seconds(60));
  absl::StatusOr<TokenPair> second = logic_->Refresh(first.refresh_token);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(second->refresh_token, first.refresh_token);
  EXPECT_NE(second->access_token, first.access_token);
  auto v1 = logic_->VerifyToken(first.access_token);
  auto v2 = logic_->VerifyToken(second->access_token);
  ASSERT_TRUE(v1.ok() && v2.ok());
  EXPECT_EQ(v1->session_id, v2->session_id);
  EXPECT_EQ(v2->expires_at, v1->expires_at + 60);
  absl::StatusOr<TokenPair> third = logic_->Refresh(second->refresh_token);
  EXPECT_TRUE(third.ok()) << third.status();
}

TEST_F(AuthLogicTest, ReusingARotatedRefreshTokenRevokesTheSession) {
  MustRegister("alice");
  TokenPair first = MustLogin("alice");
  absl::StatusOr<TokenPair> second = logic_->Refresh(first.refresh_token);
  ASSERT_TRUE(second.ok());

  absl::StatusOr<TokenPair> replay = logic_->Refresh(first.refresh_token);
  EXPECT_EQ(replay.status().code(), absl::StatusCode::kUnauthenticated);
  // Both the thief's and the owner's tokens are dead now.
  EXPECT_EQ(logic_->Refresh(second->refresh_token).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(logic_->VerifyToken(second->access_token).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(logic_->VerifyToken(first.access_token).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(sessions_.size(), 0u);
}

TEST_F(AuthLogicTest, MalformedOrUnknownRefreshTokensAreRejected) {
  MustRegister("alice");
  TokenPair pair = MustLogin("alice");
  std::string sid = pair.refresh_token.substr(0, pair.refresh_token.find('.'));
  for (const std::string& bad :
       {std::string(""), std::string("nodot"), sid + ".", "." + sid, sid + ".a.b",
        sid + ".bad secret", std::string("unknownsession.") + std::string(43, 'a'),
        std::string(300, 'a') + "." + std::string(43, 'a')}) {
    absl::StatusOr<TokenPair> got = logic_->Refresh(bad);
    EXPECT_EQ(got.status().code(), absl::StatusCode::kUnauthenticated) << bad;
  }
  EXPECT_EQ(sessions_.size(), 1u);  // nothing above named the live session with a clean secret
  // A live session id with a wrong secret is treated as a stale secret.
  EXPECT_FALSE(logic_->Refresh(sid + "." + std::string(43, 'a')).ok());
  EXPECT_EQ(sessions_.size(), 0u);
}

TEST_F(AuthLogicTest, RefreshFailsOnceTheSessionExpires) {
  MustRegister("alice");
  TokenPair pair = MustLogin("alice");
  clock_.Advance(std::chrono::seconds(1209600));
  EXPECT_EQ(logic_->Refresh(pair.refresh_token).status().code(),
            absl::StatusCode::kUnauthenticated);
}

// ---- Logout and VerifyToken ----------------------------------------------------------------

TEST_F(AuthLogicTest, LogoutEndsTheSessionAtOnce) {
  MustRegister("alice");
  TokenPair pair = MustLogin("alice");
  TokenPair other = MustLogin("alice");  // a second device keeps working
  ASSERT_TRUE(logic_->VerifyToken(pair.access_token).ok());
  ASSERT_TRUE(logic_->Logout(pair.access_token).ok());
  EXPECT_EQ(logic_->VerifyToken(pair.access_token).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(logic_->Refresh(pair.refresh_token).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(logic_->VerifyToken(other.access_token).ok());
  EXPECT_TRUE(logic_->Logout(pair.access_token).ok());  // idempotent
}

TEST_F(AuthLogicTest, ExpiredAccessTokenCanStillLogOut) {
  MustRegister("alice");
  TokenPair pair = MustLogin("alice");
  clock_.Advance(std::chrono::seconds(3600));
  ASSERT_EQ(logic_->VerifyToken(pair.access_token).status().code(),
            absl::StatusCode::kUnauthenticated);
  ASSERT_TRUE(logic_->Logout(pair.access_token).ok());
  EXPECT_EQ(logic_->Refresh(pair.refresh_token).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(AuthLogicTest, ForgedTokenCannotLogOut) {
  MustRegister("alice");
  TokenPair pair = MustLogin("alice");
  std::string forged = pair.access_token;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(logic_->Logout(forged).code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(logic_->VerifyToken(pair.access_token).ok());
}

TEST_F(AuthLogicTest, AccessTokenExpiresAfterItsTtl) {
  MustRegister("alice");
  TokenPair pair = MustLogin("alice");
  clock_.Advance(std::chrono::seconds(899));
  EXPECT_TRUE(logic_->VerifyToken(pair.access_token).ok());
  clock_.Advance(std::chrono::seconds(1));
  absl::StatusOr<VerifiedToken> expired = logic_->VerifyToken(pair.access_token);
  EXPECT_EQ(expired.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(expired.status().message(), HasSubstr("expired"));
  // The session itself lives on: a refresh yields a fresh access token.
  absl::StatusOr<TokenPair> refreshed = logic_->Refresh(pair.refresh_token);
  ASSERT_TRUE(refreshed.ok());
  EXPECT_TRUE(logic_->VerifyToken(refreshed->access_token).ok());
}

TEST_F(AuthLogicTest, TokenOfAnotherKeyIsRejected) {
  MustRegister("alice");
  TokenPair pair = MustLogin("alice");
  TokenCodec other(*crypto::Ed25519PrivateKey::FromRawSeed(std::string(32, 'x')));
  absl::StatusOr<AccessClaims> claims = tokens_.Decode(pair.access_token);
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(logic_->VerifyToken(other.Sign(*claims)).status().code(),
            absl::StatusCode::kUnauthenticated);
}

// ---- GetUser -------------------------------------------------------------------------------

TEST_F(AuthLogicTest, GetUser) {
  User user = MustRegister("alice", "13800138000");
  absl::StatusOr<User> got = logic_->GetUser(user.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->username, "alice");
  EXPECT_EQ(logic_->GetUser("00000000-0000-4000-8000-999999999999").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(logic_->GetUser("1 OR 1=1").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace paymesh::auth
