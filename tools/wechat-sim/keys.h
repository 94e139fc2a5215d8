#pragma once

// The simulator's key material, generated into SIM_STATE_DIR on first start and reused after:
//   platform_private_key.pem, platform_public_key.pem, platform_public_key_id  (WeChat's side:
//     signs responses and notifications; the id is "PUB_KEY_ID_" + 28 digits)
//   platform_cert_private_key.pem, platform_cert_public_key.pem, platform_cert.pem  (WeChat's
//     platform certificate for certificate and dual modes: self-signed, 40-hex serial, valid
//     five years; platform.h)
//   merchant_private_key.pem, merchant_public_key.pem, merchant_serial  (the dev merchant's API
//     key and its 40-hex certificate serial; the sim verifies requests with the public key)
//   apiv3_key  (32 characters of [0-9A-Za-z]; encrypts notification resources)
//   v2_key  (32 characters of [0-9A-Za-z]: the APIv2 key that signs v2 XML notifications)
//   appsecret, miniprogram_secret  (32 lowercase hex: the Official Account's and the mini
//     program's AppSecret; auth presents them to api.weixin.qq.com)
//   mchid, appid, miniprogram_appid  (written on every start from the configuration)
// Private files are written with mode 0600. The payment service and the tests read these files.

#include <string>

#include "absl/status/statusor.h"
#include "common/crypto/rsa.h"

namespace paymesh::wechatsim {

inline constexpr char kPlatformPrivateKeyFile[] = "platform_private_key.pem";
inline constexpr char kPlatformPublicKeyFile[] = "platform_public_key.pem";
inline constexpr char kPlatformPublicKeyIdFile[] = "platform_public_key_id";
inline constexpr char kPlatformCertPrivateKeyFile[] = "platform_cert_private_key.pem";
inline constexpr char kPlatformCertPublicKeyFile[] = "platform_cert_public_key.pem";
inline constexpr char kPlatformCertFile[] = "platform_cert.pem";
inline constexpr char kMerchantPrivateKeyFile[] = "merchant_private_key.pem";
inline constexpr char kMerchantPublicKeyFile[] = "merchant_public_key.pem";
inline constexpr char kMerchantSerialFile[] = "merchant_serial";
inline constexpr char kApiV3KeyFile[] = "apiv3_key";
inline constexpr char kV2KeyFile[] = "v2_key";
inline constexpr char kMchidFile[] = "mchid";
inline constexpr char kAppidFile[] = "appid";
inline constexpr char kAppSecretFile[] = "appsecret";
inline constexpr char kMiniProgramAppidFile[] = "miniprogram_appid";
inline constexpr char kMiniProgramSecretFile[] = "miniprogram_secret";

struct SimKeys {
  crypto::RsaPrivateKey platform_key;
  std::string platform_key_id;
  crypto::RsaPublicKey merchant_public_key;
  std::string merchant_serial;
  std::string apiv3_key;
  std::string v2_key;
  std::string app_secret;          // the Official Account's
  std::string miniprogram_secret;  // the mini program's
  crypto::RsaPrivateKey platform_cert_key;
  std::string platform_cert_pem;
};

// Loads the state directory's keys, creating the directory (0700) and whatever file is missing.
// INVALID_ARGUMENT for a file that exists but is malformed (named in the message), INTERNAL
// when a file cannot be read or written.
absl::StatusOr<SimKeys> LoadOrCreateKeys(const std::string& state_dir, const std::string& mchid,
                                         const std::string& appid,
                                         const std::string& miniprogram_appid);

bool IsPublicKeyId(std::string_view id);    // PUB_KEY_ID_ + 28 digits
bool IsMerchantSerial(std::string_view s);  // 40 uppercase hex
bool IsApiV3Key(std::string_view key);      // 32 of [0-9A-Za-z]
bool IsAppSecret(std::string_view secret);  // 32 lowercase hex

}  // namespace paymesh::wechatsim
