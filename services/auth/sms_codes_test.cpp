// RedisSmsCodeBook against the real Redis: the per-mobile and per-IP limits, tries, purposes.

#include "services/auth/sms_codes.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "common/ratelimit/redis_rate_limiter.h"
#include "common/rpc/status.h"
#include "tests/support/test_env.h"

namespace paymesh::auth {
namespace {

class RecordingSender final : public SmsSender {
 public:
  absl::Status Send(const std::string& mobile, const std::string& code,
                    std::chrono::seconds) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++sent_;
    last_[mobile] = code;
    return fail_ ? absl::UnavailableError("provider down") : absl::OkStatus();
  }
  std::string Last(const std::string& mobile) {
    std::lock_guard<std::mutex> lock(mu_);
    return last_[mobile];
  }
  int sent() {
    std::lock_guard<std::mutex> lock(mu_);
    return sent_;
  }
  bool fail_ = false;

 private:
  std::mutex mu_;
  int sent_ = 0;
  std::map<std::string, std::string> last_;
};

class SmsCodesTest : public ::testing::Test {
 protected:
  SmsCodesTest()
      : redis_(paymesh::testing::RedisOptions()),
        limiter_(&redis_, "paymesh:test:" + paymesh::testing::UniqueName("rl") + ":") {}

  std::unique_ptr<RedisSmsCodeBook> Book(SmsCodeOptions options = {}) {
    return std::make_unique<RedisSmsCodeBook>(options, redis_, limiter_, sender_);
  }
  // A mobile nobody else uses: 139 + 8 random digits.
  static std::string Mobile() {
    std::string m = "139";
    for (char c : paymesh::testing::UniqueName("")) m += static_cast<char>('0' + c % 10);
    return m.substr(0, 11);
  }

  redis::Client redis_;
  ratelimit::RedisRateLimiter limiter_;
  RecordingSender sender_;
};

TEST_F(SmsCodesTest, ACodeIsSixDigitsWorksOnceAndOnlyForItsPurpose) {
  auto book = Book();
  const std::string mobile = Mobile();
  absl::StatusOr<SmsIssued> issued = book->Issue(SmsPurpose::kLogin, mobile, "192.0.2.1", true);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->expires_in, std::chrono::seconds(300));
  EXPECT_EQ(issued->resend_after, std::chrono::seconds(60));
  const std::string code = sender_.Last(mobile);
  ASSERT_EQ(code.size(), 6u);
  EXPECT_TRUE(std::all_of(code.begin(), code.end(), ::isdigit));
  EXPECT_FALSE(*book->Redeem(SmsPurpose::kRegister, mobile, code)) << "a login code";
  EXPECT_TRUE(*book->Redeem(SmsPurpose::kLogin, mobile, code));
  EXPECT_FALSE(*book->Redeem(SmsPurpose::kLogin, mobile, code)) << "used up";
}

TEST_F(SmsCodesTest, TheFifthWrongGuessBurnsTheCode) {
  auto book = Book();
  const std::string mobile = Mobile();
  ASSERT_TRUE(book->Issue(SmsPurpose::kLogin, mobile, "192.0.2.1", true).ok());
  const std::string code = sender_.Last(mobile);
  const std::string wrong = code == "000000" ? "111111" : "000000";
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(*book->Redeem(SmsPurpose::kLogin, mobile, wrong));
  EXPECT_TRUE(*book->Redeem(SmsPurpose::kLogin, mobile, code)) << "four wrong guesses leave one";

  ASSERT_TRUE(Book({.resend_after = std::chrono::seconds(0)})
                  ->Issue(SmsPurpose::kLogin, mobile, "192.0.2.1", true)
                  .ok());
  const std::string second = sender_.Last(mobile);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(*book->Redeem(SmsPurpose::kLogin, mobile, wrong));
  EXPECT_FALSE(*book->Redeem(SmsPurpose::kLogin, mobile, second)) << "burned by the fifth";
}

TEST_F(SmsCodesTest, OneAMinutePerMobileWithRetryAfter) {
  auto book = Book();
  const std::string mobile = Mobile();
  ASSERT_TRUE(book->Issue(SmsPurpose::kRegister, mobile, "192.0.2.1", true).ok());
  absl::StatusOr<SmsIssued> again = book->Issue(SmsPurpose::kLogin, mobile, "192.0.2.2", true);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kResourceExhausted);
  const auto after = rpc::RetryAfterOf(again.status());
  ASSERT_TRUE(after.has_value());
  EXPECT_GT(after->count(), 55);
  EXPECT_LE(after->count(), 60);
  EXPECT_EQ(sender_.sent(), 1);
}

TEST_F(SmsCodesTest, TenADayPerMobile) {
  auto book = Book({.resend_after = std::chrono::seconds(0), .max_per_day = 10});
  const std::string mobile = Mobile();
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(book->Issue(SmsPurpose::kLogin, mobile, "192.0.2." + std::to_string(i), true).ok());
  }
  absl::StatusOr<SmsIssued> eleventh = book->Issue(SmsPurpose::kLogin, mobile, "192.0.2.99", true);
  EXPECT_EQ(eleventh.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_GT(rpc::RetryAfterOf(eleventh.status())->count(), 86000);
  EXPECT_EQ(sender_.sent(), 10);
}

TEST_F(SmsCodesTest, ABudgetPerClientIpAcrossMobiles) {
  auto book = Book({.max_per_ip = 3});
  const std::string ip = "198.51.100." + std::to_string(Mobile()[10] - '0');
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(book->Issue(SmsPurpose::kLogin, Mobile(), ip, true).ok());
  EXPECT_EQ(book->Issue(SmsPurpose::kLogin, Mobile(), ip, true).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(book->Issue(SmsPurpose::kLogin, Mobile(), "203.0.113.1", true).ok());
}

TEST_F(SmsCodesTest, UndeliveredCodesAreNotKeptNorCounted) {
  auto book = Book();
  const std::string mobile = Mobile();
  ASSERT_TRUE(book->Issue(SmsPurpose::kLogin, mobile, "192.0.2.1", false).ok());
  EXPECT_EQ(sender_.sent(), 0) << "nobody to send to: nothing sent, same answer";

  sender_.fail_ = true;
  const std::string other = Mobile();
  EXPECT_EQ(book->Issue(SmsPurpose::kRegister, other, "192.0.2.1", true).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_FALSE(*book->Redeem(SmsPurpose::kRegister, other, sender_.Last(other)));
  sender_.fail_ = false;
  EXPECT_TRUE(book->Issue(SmsPurpose::kRegister, other, "192.0.2.1", true).ok())
      << "a failed registration send does not start the cooldown";
}

TEST_F(SmsCodesTest, AFailedLoginSendLooksLikeAMobileWithoutAccount) {
  auto book = Book();
  sender_.fail_ = true;
  const std::string mobile = Mobile();
  absl::StatusOr<SmsIssued> issued = book->Issue(SmsPurpose::kLogin, mobile, "192.0.2.1", true);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_FALSE(*book->Redeem(SmsPurpose::kLogin, mobile, sender_.Last(mobile))) << "not kept";
}

TEST_F(SmsCodesTest, WithoutAProviderEveryoneIsToldTheSame) {
  NoSmsSender none;
  RedisSmsCodeBook book({}, redis_, limiter_, none);
  EXPECT_EQ(book.Issue(SmsPurpose::kLogin, Mobile(), "192.0.2.1", true).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(book.Issue(SmsPurpose::kLogin, Mobile(), "192.0.2.1", false).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace paymesh::auth
