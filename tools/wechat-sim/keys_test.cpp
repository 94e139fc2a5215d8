#include "tools/wechat-sim/keys.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "common/crypto/crypto.h"

namespace paymesh::wechatsim {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

mode_t Mode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777;
}

class KeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "wechat_sim_keys_" + std::to_string(::getpid()) + "_" +
           crypto::RandomAlnum(8) + "/nested";
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_.substr(0, dir_.rfind('/')), ignored);
  }
  std::string File(const char* name) const { return dir_ + "/" + name; }
  std::string dir_;
};

TEST_F(KeysTest, CreatesEveryFileThenReusesThem) {
  absl::StatusOr<SimKeys> first =
      LoadOrCreateKeys(dir_, "1900000109", "wx8888888888888888", "wx7777777777777777");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(IsPublicKeyId(first->platform_key_id)) << first->platform_key_id;
  EXPECT_TRUE(IsMerchantSerial(first->merchant_serial)) << first->merchant_serial;
  EXPECT_TRUE(IsApiV3Key(first->apiv3_key));
  EXPECT_EQ(first->platform_key.bits(), 2048);
  EXPECT_EQ(first->merchant_public_key.bits(), 2048);

  EXPECT_EQ(Mode(File(kPlatformPrivateKeyFile)), 0600u);
  EXPECT_EQ(Mode(File(kMerchantPrivateKeyFile)), 0600u);
  EXPECT_EQ(Mode(File(kApiV3KeyFile)), 0600u);
  EXPECT_EQ(Read(File(kMchidFile)), "1900000109\n");
  EXPECT_EQ(Read(File(kAppidFile)), "wx8888888888888888\n");
  EXPECT_EQ(Read(File(kPlatformPublicKeyIdFile)), first->platform_key_id + "\n");
  EXPECT_EQ(Read(File(kMerchantSerialFile)), first->merchant_serial + "\n");
  EXPECT_EQ(Read(File(kApiV3KeyFile)), first->apiv3_key + "\n");
  EXPECT_TRUE(IsAppSecret(first->app_secret)) << first->app_secret;
  EXPECT_TRUE(IsAppSecret(first->miniprogram_secret));
  EXPECT_NE(first->app_secret, first->miniprogram_secret);
  EXPECT_EQ(Mode(File(kAppSecretFile)), 0600u);
  EXPECT_EQ(Read(File(kAppSecretFile)), first->app_secret + "\n");
  EXPECT_EQ(Read(File(kMiniProgramSecretFile)), first->miniprogram_secret + "\n");
  EXPECT_EQ(Read(File(kMiniProgramAppidFile)), "wx7777777777777777\n");

  // The merchant's private key on disk pairs with the public key the sim verifies with, and
  // the platform public key file pairs with the sim's signing key.
  absl::StatusOr<crypto::RsaPrivateKey> merchant =
      crypto::RsaPrivateKey::FromPem(Read(File(kMerchantPrivateKeyFile)));
  ASSERT_TRUE(merchant.ok());
  EXPECT_TRUE(first->merchant_public_key.VerifySha256("m", merchant->SignSha256("m")));
  absl::StatusOr<crypto::RsaPublicKey> platform_public =
      crypto::RsaPublicKey::FromPem(Read(File(kPlatformPublicKeyFile)));
  ASSERT_TRUE(platform_public.ok());
  EXPECT_TRUE(platform_public->VerifySha256("p", first->platform_key.SignSha256("p")));

  absl::StatusOr<SimKeys> second = LoadOrCreateKeys(dir_, "1230000109", "wxabc", "wxmp");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->platform_key_id, first->platform_key_id);
  EXPECT_EQ(second->merchant_serial, first->merchant_serial);
  EXPECT_EQ(second->apiv3_key, first->apiv3_key);
  EXPECT_EQ(second->app_secret, first->app_secret);
  EXPECT_EQ(second->platform_key.ToPem(), first->platform_key.ToPem());
  EXPECT_EQ(Read(File(kMchidFile)), "1230000109\n");
}

TEST_F(KeysTest, MalformedFileIsRefused) {
  ASSERT_TRUE(LoadOrCreateKeys(dir_, "1900000109", "wx1", "wx2").ok());
  std::ofstream(File(kApiV3KeyFile)) << "short\n";
  absl::StatusOr<SimKeys> keys = LoadOrCreateKeys(dir_, "1900000109", "wx1", "wx2");
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(keys.status().message().find(kApiV3KeyFile), std::string::npos);
}

TEST(KeyFormatsTest, Shapes) {
  EXPECT_TRUE(IsPublicKeyId("PUB_KEY_ID_0114232134912410000000000000"));
  EXPECT_FALSE(IsPublicKeyId("PUB_KEY_ID_011423213491241000000000000"));
  EXPECT_FALSE(IsPublicKeyId("PUB_KEY_ID_011423213491241000000000000X"));
  EXPECT_TRUE(IsMerchantSerial("1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C"));
  EXPECT_FALSE(IsMerchantSerial("1dde55ad98ed71d6edd4a4a16996de7b47773a8c"));
  EXPECT_TRUE(IsApiV3Key("0123456789abcdefABCDEF0123456789"));
  EXPECT_FALSE(IsApiV3Key("0123456789abcdefABCDEF012345678!"));
}

}  // namespace
}  // namespace paymesh::wechatsim
