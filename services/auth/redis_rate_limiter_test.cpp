// RedisRateLimiter against the real Redis with auth's buckets: counts, and every counter key
// expires.

#include "common/ratelimit/redis_rate_limiter.h"

#include <gtest/gtest.h>

#include <cctype>
#include <memory>
#include <string>
#include <vector>

#include "services/auth/logic.h"
#include "tests/support/test_env.h"

namespace paymesh::auth {
namespace {

class AuthRedisRateLimiterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(paymesh::testing::RedisUrl().empty());
    client_ = std::make_unique<redis::Client>(paymesh::testing::RedisOptions());
  }
  void TearDown() override {
    for (const std::string& key : keys_) client_->Del(key).IgnoreError();
  }
  int64_t Ttl(const std::string& key) {
    absl::StatusOr<redis::Reply> r = client_->Command({"TTL", key});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->integer : -100;
  }

  std::unique_ptr<redis::Client> client_;
  std::vector<std::string> keys_;
};

TEST_F(AuthRedisRateLimiterTest, CountsPerBucketUnderTheAuthPrefixWithATtl) {
  ratelimit::RedisRateLimiter limiter(client_.get(), kRateLimitKeyPrefix);
  std::string name = paymesh::testing::UniqueName("t_");
  std::string upper = name;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  // The key uses the lowercase name.
  std::string user_bucket = LoginUserIpBucket(upper, "192.0.2.1");
  std::string ip_bucket = LoginIpBucket("192.0.2." + name);
  std::string user_key = "paymesh:auth:rl:login:user_ip:" + name + ":192.0.2.1";
  keys_ = {user_key, std::string(kRateLimitKeyPrefix) + ip_bucket};

  EXPECT_EQ(limiter.Hit(user_bucket, std::chrono::seconds(300))->count, 1);
  EXPECT_EQ(limiter.Hit(user_bucket, std::chrono::seconds(300))->count, 2);
  EXPECT_EQ(limiter.Hit(ip_bucket, std::chrono::seconds(300))->count, 1);
  absl::StatusOr<Attempts> third = limiter.Hit(user_bucket, std::chrono::seconds(300));
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(third->count, 3);
  EXPECT_GT(third->resets_in.count(), 290);
  EXPECT_LE(third->resets_in.count(), 300);

  for (const std::string& key : keys_) {
    EXPECT_TRUE(*client_->Exists(key)) << key;
    int64_t ttl = Ttl(key);
    EXPECT_GT(ttl, 0) << key;
    EXPECT_LE(ttl, 300) << key;
  }
}

}  // namespace
}  // namespace paymesh::auth
