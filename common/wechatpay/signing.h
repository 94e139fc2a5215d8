#pragma once

// WeChat Pay API v3 signatures (SHA256withRSA, standard base64), both directions:
//   request  (merchant → WeChat): "METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n" in `Authorization`
//   response / notification (WeChat → merchant): "TIMESTAMP\nNONCE\nBODY\n" in Wechatpay-* headers
// Every line ends in '\n', the last included; an empty body leaves an empty last line.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/crypto/rsa.h"

namespace paymesh::wechatpay {

inline constexpr char kAuthScheme[] = "WECHATPAY2-SHA256-RSA2048";
// Timestamps are refused when |now - timestamp| >= 300 s. The SDKs disagree at exactly 300 s
// (Go and Java refuse it, PHP and Node accept it); we take the stricter reading.
inline constexpr int64_t kMaxClockSkewSeconds = 300;
// Prefix of WeChat's signature probes; such a signature never verifies.
inline constexpr char kSignTestPrefix[] = "WECHATPAY/SIGNTEST/";
inline bool IsSignatureProbe(std::string_view signature) {
  return signature.substr(0, sizeof(kSignTestPrefix) - 1) == kSignTestPrefix;
}

std::string RequestMessage(std::string_view method, std::string_view canonical_url,
                           std::string_view timestamp, std::string_view nonce,
                           std::string_view body);
std::string ResponseMessage(std::string_view timestamp, std::string_view nonce,
                            std::string_view body);

struct Authorization {
  std::string mchid;
  std::string nonce_str;
  std::string timestamp;
  std::string serial_no;
  std::string signature;  // base64
};

// `WECHATPAY2-SHA256-RSA2048
// mchid="..",nonce_str="..",timestamp="..",serial_no="..",signature=".."`
std::string FormatAuthorization(const Authorization& auth);
// Accepts the five parameters in any order; INVALID_ARGUMENT for another scheme, a missing,
// duplicated, unknown or unquoted parameter.
absl::StatusOr<Authorization> ParseAuthorization(std::string_view header);

// The merchant's Authorization header value for one request.
std::string SignRequest(const crypto::RsaPrivateKey& key, std::string_view mchid,
                        std::string_view serial_no, std::string_view method,
                        std::string_view canonical_url, std::string_view body, int64_t timestamp,
                        std::string_view nonce);

// What a JSAPI page (WeixinJSBridge getBrandWCPayRequest) or a mini program (wx.requestPayment)
// hands the WeChat client, which checks paySign with the merchant's public key.
struct PaymentBridge {
  std::string app_id;
  std::string time_stamp;  // Unix seconds, as a string
  std::string nonce_str;
  std::string package;  // "prepay_id=<prepay_id>"
  std::string sign_type = "RSA";
  std::string pay_sign;  // base64 SHA256withRSA of PaySignMessage
};
// "<appId>\n<timeStamp>\n<nonceStr>\n<package>\n" (signType is not signed).
std::string PaySignMessage(std::string_view app_id, std::string_view time_stamp,
                           std::string_view nonce_str, std::string_view package);
// The bridge parameters for a prepay_id, signed with the merchant key.
PaymentBridge SignPaymentBridge(const crypto::RsaPrivateKey& key, std::string_view app_id,
                                std::string_view prepay_id, int64_t timestamp,
                                std::string_view nonce);

// OK when `timestamp` is decimal Unix seconds within the skew window of `now`;
// UNAUTHENTICATED otherwise (the message says which).
absl::Status CheckTimestamp(std::string_view timestamp, int64_t now);

// 32 characters of [0-9A-Za-z], as every SDK sends.
std::string NewNonce();

}  // namespace paymesh::wechatpay
