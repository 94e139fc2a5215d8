#include "tools/wechat-sim/responses.h"

#include <boost/json.hpp>

#include "common/crypto/crypto.h"
#include "common/wechatpay/signing.h"
#include "common/wechatpay/verifier.h"

namespace paymesh::wechatsim {

namespace json = boost::json;

std::string NewWechatRequestId(int64_t subcode) {
  return crypto::HexUpper(crypto::RandomBytes(22)) + "-" + std::to_string(subcode);
}

http::Response ErrorResponse(const ApiError& error) {
  json::object body{{"code", error.code}, {"message", error.message}};
  if (!error.detail_json.empty()) {
    boost::system::error_code ec;
    json::value detail = json::parse(error.detail_json, ec);
    if (!ec) body["detail"] = std::move(detail);
  }
  http::Response res = http::Response::Json(error.status, json::serialize(body));
  res.SetHeader("Content-Type", "application/json; charset=utf-8");
  res.SetHeader("Request-ID", NewWechatRequestId(error.subcode));
  return res;
}

http::Response SignedResponse(int status, std::string body, const crypto::RsaPrivateKey& key,
                              const std::string& key_id, int64_t now) {
  const wechatpay::SignatureHeaders h =
      wechatpay::SignResponse(key, key_id, body, now, wechatpay::NewNonce());
  http::Response res;
  res.status = status;
  if (status != 204) {
    res.body = std::move(body);
    res.SetHeader("Content-Type", "application/json; charset=utf-8");
  }
  res.SetHeader("Wechatpay-Timestamp", h.timestamp);
  res.SetHeader("Wechatpay-Nonce", h.nonce);
  res.SetHeader("Wechatpay-Signature", h.signature);
  res.SetHeader("Wechatpay-Serial", h.serial);
  res.SetHeader("Wechatpay-Signature-Type", h.signature_type);
  res.SetHeader("Request-ID", NewWechatRequestId());
  return res;
}

}  // namespace paymesh::wechatsim
