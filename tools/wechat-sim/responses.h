#pragma once

// Answers in WeChat's shape. Every response carries a Request-ID whose numeric suffix is 0 on
// success and the error's sub-code otherwise. Errors are unsigned JSON {"code","message"} (with
// "detail" when there is one); 2xx answers of the v3 API are signed with the platform key:
// Wechatpay-Timestamp, -Nonce (32 alphanumerics), -Signature, -Serial, -Signature-Type.

#include <chrono>
#include <cstdint>
#include <string>

#include "common/crypto/rsa.h"
#include "common/http/message.h"
#include "tools/wechat-sim/types.h"

namespace paymesh::wechatsim {

// An answer and how long to hold it back before it is sent (the query_delay_ms fault). Handlers
// only say how long; the server's request coroutine does the waiting (simulator.cpp).
struct DelayedResponse {
  http::Response response;
  std::chrono::milliseconds delay{0};
};

// 44 uppercase hex characters, '-', the sub-code.
std::string NewWechatRequestId(int64_t subcode = 0);

http::Response ErrorResponse(const ApiError& error);

// `body` empty with status 204 gives the signed empty-body form (message "ts\nnonce\n\n").
http::Response SignedResponse(int status, std::string body, const crypto::RsaPrivateKey& key,
                              const std::string& key_id, int64_t now);

}  // namespace paymesh::wechatsim
