// Abuse of the account endpoints, with production-like limits and costs: a password guesser
// cannot lock the owner out from elsewhere, every 429 says when to come back, SMS codes are
// rationed per mobile, and a registration flood (scrypt at full cost) leaves token checks
// answering. Clients are told apart by X-Forwarded-For, which this gateway trusts (as behind the
// ingress).

#include <atomic>
#include <boost/json.hpp>
#include <thread>
#include <vector>

#include "common/crypto/crypto.h"
#include "tests/e2e/e2e.h"

namespace paymesh::e2e {
namespace {

namespace json = boost::json;

class AbuseTest : public E2eTest {
 protected:
  StackOptions Options() const override {
    StackOptions options = DefaultStackOptions();
    auto& auth = options.env[Service::kAuth];
    auth["AUTH_SCRYPT_LOG2_N"] = "15";  // the production cost
    auth["AUTH_PASSWORD_WORKERS"] = "1";
    auth["AUTH_REGISTER_MAX_PER_IP"] = "10";
    auth["AUTH_SMS_RESEND_SECONDS"] = "60";
    options.env[Service::kGateway]["GATEWAY_TRUST_FORWARDED_FOR"] = "1";
    return options;
  }

  HttpResponse LoginFrom(const std::string& ip, const Account& account,
                         const std::string& password) {
    return api().Post(
        "/api/v1/auth/login",
        json::serialize(json::object{{"username", account.username}, {"password", password}}), "",
        {{"X-Forwarded-For", ip}});
  }
  HttpResponse RegisterFrom(const std::string& ip, const std::string& username = NewUsername()) {
    return api().Post(
        "/api/v1/auth/register",
        json::serialize(json::object{{"username", username}, {"password", "a fine password"}}), "",
        {{"X-Forwarded-For", ip}});
  }
  // An account registered from an address of its own (so that no registration budget, which
  // lives in Redis for an hour, is shared with other tests or earlier runs).
  Account NewAccount() {
    Account account{NewUsername(), "a fine password", ""};
    const std::string ip =
        "192.0.2." +
        std::to_string(1 + static_cast<unsigned char>(crypto::RandomBytes(1)[0]) % 250);
    HttpResponse r = RegisterFrom(ip, account.username);
    EXPECT_EQ(r.status, 201) << r;
    account.user_id = Str(Json(r), {"user", "id"});
    return account;
  }
};

TEST_F(AbuseTest, AGuesserElsewhereCannotLockTheOwnerOut) {
  const Account owner = NewAccount();
  for (int i = 0; i < kLoginMaxPerUser; ++i) {
    EXPECT_TRUE(IsError(LoginFrom("198.51.100.66", owner, "wrong guess"), 401, "UNAUTHENTICATED"));
  }
  HttpResponse locked = LoginFrom("198.51.100.66", owner, owner.password);
  EXPECT_TRUE(IsError(locked, 429, "RESOURCE_EXHAUSTED")) << locked;
  const int retry_after = std::atoi(locked.Header("Retry-After").c_str());
  EXPECT_GT(retry_after, 0) << locked;
  EXPECT_LE(retry_after, 300) << locked;

  HttpResponse owner_login = LoginFrom("203.0.113.25", owner, owner.password);
  EXPECT_EQ(owner_login.status, 200) << "the owner, from their own address: " << owner_login;
}

TEST_F(AbuseTest, RegistrationsPerAddressAreRationedWithRetryAfter) {
  // A fresh address: the budget lives an hour in Redis.
  const std::string base =
      "198.18." + std::to_string(static_cast<unsigned char>(crypto::RandomBytes(1)[0])) + ".";
  for (int i = 0; i < 10; ++i) ASSERT_EQ(RegisterFrom(base + "1").status, 201);
  HttpResponse refused = RegisterFrom(base + "1");
  EXPECT_TRUE(IsError(refused, 429, "RESOURCE_EXHAUSTED")) << refused;
  EXPECT_FALSE(refused.Header("Retry-After").empty()) << refused;
  EXPECT_EQ(RegisterFrom(base + "2").status, 201) << "another address is unaffected";
}

TEST_F(AbuseTest, OneCodeAMinutePerMobile) {
  const std::string mobile = NewMobile();
  const std::string body = json::serialize(json::object{{"mobile", mobile}});
  EXPECT_EQ(api().Post("/api/v1/auth/sms", body).status, 200);
  HttpResponse again = api().Post("/api/v1/auth/sms", body);
  EXPECT_TRUE(IsError(again, 429, "RESOURCE_EXHAUSTED")) << again;
  const int retry_after = std::atoi(again.Header("Retry-After").c_str());
  EXPECT_GT(retry_after, 0);
  EXPECT_LE(retry_after, 60);
  EXPECT_EQ(LastSmsCode(stack(), mobile).size(), 6u) << "the first one was sent";
}

TEST_F(AbuseTest, ARegistrationFloodLeavesTokenChecksAnswering) {
  const Account user = NewAccount();
  const Tokens tokens = Login(api(), user);
  ASSERT_FALSE(tokens.access.empty());

  // Many addresses (so no per-address limit applies) registering at once: every one costs a
  // full-strength scrypt on auth's single password worker.
  std::atomic<bool> stop{false};
  std::atomic<int> created{0}, busy{0};
  std::vector<std::thread> flood;
  for (int t = 0; t < 48; ++t) {
    flood.emplace_back([&, t] {
      for (int i = 0; !stop; ++i) {
        HttpResponse r = RegisterFrom("10." + std::to_string(t) + "." + std::to_string(i / 250) +
                                      "." + std::to_string(i % 250));
        if (r.status == 201) ++created;
        if (r.status == 503) ++busy;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  int answered = 0;
  for (int i = 0; i < 10; ++i) {
    HttpResponse me = api().Get("/api/v1/me", tokens.access);
    if (me.status == 200) ++answered;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  stop = true;
  for (std::thread& t : flood) t.join();
  EXPECT_EQ(answered, 10) << "authenticated requests kept working during the flood";
  EXPECT_GT(created.load(), 0) << "the flood was real: registrations went through";
}

}  // namespace
}  // namespace paymesh::e2e
