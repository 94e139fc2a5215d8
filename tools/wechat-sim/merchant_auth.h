#pragma once

// Checks the merchant's `Authorization` on a v3 request the way WeChat does (the checks of the
// protocol's request-signing rules, in order): scheme and five parameters in any order; mchid is
// the configured merchant; serial_no is the merchant's certificate serial; the timestamp is
// within 300 s of `now`; the SHA256withRSA signature verifies over
// "METHOD\nTARGET\nTIMESTAMP\nNONCE\nBODY\n" with the raw request target and the raw body.
// Pure; thread-safe.

#include <cstdint>
#include <optional>
#include <string>

#include "common/crypto/rsa.h"
#include "common/http/message.h"
#include "tools/wechat-sim/types.h"

namespace paymesh::wechatsim {

struct MerchantIdentity {
  std::string mchid;
  std::string serial;
  crypto::RsaPublicKey public_key;
};

// nullopt when the request is signed by the merchant; otherwise the 401 SIGN_ERROR answer.
std::optional<ApiError> VerifyMerchantRequest(const http::Request& request,
                                              const MerchantIdentity& merchant, int64_t now);

}  // namespace paymesh::wechatsim
