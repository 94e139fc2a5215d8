#pragma once

// Tencent Cloud API signature v3 (TC3-HMAC-SHA256) for a JSON POST to "/", signing the
// content-type and host headers (the documented minimal form). Pure function.

#include <cstdint>
#include <string>
#include <string_view>

namespace paymesh::auth {

struct Tc3Request {
  std::string_view secret_id;
  std::string_view secret_key;
  std::string_view service;       // "sms"
  std::string_view host;          // "sms.tencentcloudapi.com"
  std::string_view content_type;  // "application/json; charset=utf-8"
  std::string_view payload;
  int64_t timestamp = 0;  // Unix seconds; the credential scope uses its UTC date
};

// "TC3-HMAC-SHA256 Credential=<id>/<yyyy-mm-dd>/<service>/tc3_request,
//  SignedHeaders=content-type;host, Signature=<hex>"
std::string Tc3Authorization(const Tc3Request& request);

}  // namespace paymesh::auth
