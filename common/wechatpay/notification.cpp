#include "common/wechatpay/notification.h"

#include <boost/json.hpp>

#include "common/crypto/aes_gcm.h"
#include "common/crypto/crypto.h"
#include "common/error/status_macros.h"
#include "common/wechatpay/json_fields.h"

namespace paymesh::wechatpay {
namespace {

namespace json = boost::json;

constexpr char kAlgorithm[] = "AEAD_AES_256_GCM";

using json_fields::Int;
using json_fields::ParseObject;
using json_fields::Str;

void PutIfSet(json::object& o, std::string_view key, const std::string& value) {
  if (!value.empty()) o[json::string_view(key.data(), key.size())] = value;
}

}  // namespace

absl::StatusOr<Envelope> ParseEnvelope(std::string_view body) {
  auto obj = ParseObject(body, "notification");
  if (!obj.ok()) return obj.status();
  Envelope e;
  RETURN_IF_ERROR(Str(*obj, "id", 36, true, &e.id));
  RETURN_IF_ERROR(Str(*obj, "create_time", 32, true, &e.create_time));
  RETURN_IF_ERROR(Str(*obj, "event_type", 32, true, &e.event_type));
  RETURN_IF_ERROR(Str(*obj, "resource_type", 32, true, &e.resource_type));
  RETURN_IF_ERROR(Str(*obj, "summary", 64 * 4, false, &e.summary));  // 64 characters, UTF-8
  const json::value* r = obj->if_contains("resource");
  if (r == nullptr || !r->is_object()) {
    return absl::InvalidArgumentError("resource is missing or not an object");
  }
  const json::object& ro = r->as_object();
  RETURN_IF_ERROR(Str(ro, "algorithm", 32, true, &e.resource.algorithm));
  RETURN_IF_ERROR(Str(ro, "ciphertext", 1048576, true, &e.resource.ciphertext));
  RETURN_IF_ERROR(Str(ro, "associated_data", 16, false, &e.resource.associated_data));
  RETURN_IF_ERROR(Str(ro, "original_type", 16, true, &e.resource.original_type));
  RETURN_IF_ERROR(Str(ro, "nonce", 16, true, &e.resource.nonce));
  return e;
}

std::string SerializeEnvelope(const Envelope& e) {
  json::object r;
  r["algorithm"] = e.resource.algorithm;
  r["ciphertext"] = e.resource.ciphertext;
  r["associated_data"] = e.resource.associated_data;
  r["original_type"] = e.resource.original_type;
  r["nonce"] = e.resource.nonce;
  json::object o;
  o["id"] = e.id;
  o["create_time"] = e.create_time;
  o["resource_type"] = e.resource_type;
  o["event_type"] = e.event_type;
  o["summary"] = e.summary;
  o["resource"] = std::move(r);
  return json::serialize(o);
}

absl::StatusOr<std::string> DecryptResource(const Resource& resource, std::string_view apiv3_key) {
  if (resource.algorithm != kAlgorithm) {
    return absl::InvalidArgumentError("unsupported resource algorithm");
  }
  if (apiv3_key.size() != kApiV3KeyBytes) {
    return absl::InvalidArgumentError("APIv3 key must be 32 bytes");
  }
  absl::StatusOr<std::string> data = crypto::Base64Decode(resource.ciphertext);
  if (!data.ok()) return absl::InvalidArgumentError("resource ciphertext is not base64");
  return crypto::AesGcmDecrypt(apiv3_key, resource.nonce, resource.associated_data, *data);
}

absl::StatusOr<Resource> EncryptResource(std::string_view plaintext, std::string_view apiv3_key,
                                         std::string original_type, std::string associated_data,
                                         std::string nonce) {
  if (apiv3_key.size() != kApiV3KeyBytes) {
    return absl::InvalidArgumentError("APIv3 key must be 32 bytes");
  }
  Resource r;
  r.algorithm = kAlgorithm;
  r.original_type = std::move(original_type);
  r.associated_data = std::move(associated_data);
  r.nonce = nonce.empty() ? crypto::RandomAlnum(12) : std::move(nonce);
  absl::StatusOr<std::string> ct =
      crypto::AesGcmEncrypt(apiv3_key, r.nonce, r.associated_data, plaintext);
  if (!ct.ok()) return ct.status();
  r.ciphertext = crypto::Base64Encode(*ct);
  return r;
}

absl::StatusOr<Transaction> ParseTransaction(std::string_view text) {
  auto obj = ParseObject(text, "transaction");
  if (!obj.ok()) return obj.status();
  Transaction t;
  RETURN_IF_ERROR(Str(*obj, "appid", 32, false, &t.appid));
  RETURN_IF_ERROR(Str(*obj, "mchid", 32, true, &t.mchid));
  RETURN_IF_ERROR(Str(*obj, "out_trade_no", 32, true, &t.out_trade_no));
  RETURN_IF_ERROR(Str(*obj, "transaction_id", 32, false, &t.transaction_id));
  RETURN_IF_ERROR(Str(*obj, "trade_type", 16, false, &t.trade_type));
  RETURN_IF_ERROR(Str(*obj, "trade_state", 32, true, &t.trade_state));
  RETURN_IF_ERROR(Str(*obj, "trade_state_desc", 256 * 4, false, &t.trade_state_desc));
  RETURN_IF_ERROR(Str(*obj, "bank_type", 32, false, &t.bank_type));
  RETURN_IF_ERROR(Str(*obj, "attach", 128 * 4, false, &t.attach));
  RETURN_IF_ERROR(Str(*obj, "success_time", 64, false, &t.success_time));
  const bool paid = t.trade_state == "SUCCESS";
  if (paid && t.transaction_id.empty()) {
    return absl::InvalidArgumentError("a SUCCESS transaction needs transaction_id");
  }
  if (const json::value* p = obj->if_contains("payer")) {
    if (!p->is_object()) return absl::InvalidArgumentError("payer is not an object");
    RETURN_IF_ERROR(Str(p->as_object(), "openid", 128, false, &t.payer_openid));
  }
  const json::value* a = obj->if_contains("amount");
  if (a == nullptr || !a->is_object()) {
    if (paid) return absl::InvalidArgumentError("a SUCCESS transaction needs amount");
  } else {
    const json::object& ao = a->as_object();
    RETURN_IF_ERROR(Int(ao, "total", paid, &t.amount_total));
    RETURN_IF_ERROR(Int(ao, "payer_total", false, &t.amount_payer_total));
    RETURN_IF_ERROR(Str(ao, "currency", 16, false, &t.currency));
    RETURN_IF_ERROR(Str(ao, "payer_currency", 16, false, &t.payer_currency));
  }
  return t;
}

absl::StatusOr<RefundResource> ParseRefundResource(std::string_view text) {
  auto obj = ParseObject(text, "refund");
  if (!obj.ok()) return obj.status();
  RefundResource r;
  RETURN_IF_ERROR(Str(*obj, "mchid", 32, true, &r.mchid));
  RETURN_IF_ERROR(Str(*obj, "out_trade_no", 32, true, &r.out_trade_no));
  RETURN_IF_ERROR(Str(*obj, "transaction_id", 32, false, &r.transaction_id));
  RETURN_IF_ERROR(Str(*obj, "out_refund_no", 64, true, &r.out_refund_no));
  RETURN_IF_ERROR(Str(*obj, "refund_id", 32, true, &r.refund_id));
  RETURN_IF_ERROR(Str(*obj, "refund_status", 16, true, &r.refund_status));
  RETURN_IF_ERROR(Str(*obj, "success_time", 64, false, &r.success_time));
  const json::value* a = obj->if_contains("amount");
  if (a == nullptr || !a->is_object()) return absl::InvalidArgumentError("refund needs amount");
  RETURN_IF_ERROR(Int(a->as_object(), "total", false, &r.amount_total));
  RETURN_IF_ERROR(Int(a->as_object(), "refund", true, &r.amount_refund));
  return r;
}

std::string SerializeRefundResource(const RefundResource& r) {
  json::object o;
  PutIfSet(o, "mchid", r.mchid);
  PutIfSet(o, "out_trade_no", r.out_trade_no);
  PutIfSet(o, "transaction_id", r.transaction_id);
  PutIfSet(o, "out_refund_no", r.out_refund_no);
  PutIfSet(o, "refund_id", r.refund_id);
  PutIfSet(o, "refund_status", r.refund_status);
  PutIfSet(o, "success_time", r.success_time);
  o["amount"] = json::object{{"total", r.amount_total},
                             {"refund", r.amount_refund},
                             {"payer_total", r.amount_total},
                             {"payer_refund", r.amount_refund}};
  return json::serialize(o);
}

std::string SerializeTransaction(const Transaction& t) {
  json::object o;
  PutIfSet(o, "appid", t.appid);
  PutIfSet(o, "mchid", t.mchid);
  PutIfSet(o, "out_trade_no", t.out_trade_no);
  PutIfSet(o, "transaction_id", t.transaction_id);
  PutIfSet(o, "trade_type", t.trade_type);
  PutIfSet(o, "trade_state", t.trade_state);
  PutIfSet(o, "trade_state_desc", t.trade_state_desc);
  PutIfSet(o, "bank_type", t.bank_type);
  PutIfSet(o, "attach", t.attach);
  PutIfSet(o, "success_time", t.success_time);
  if (!t.payer_openid.empty()) o["payer"] = json::object{{"openid", t.payer_openid}};
  json::object amount;
  amount["total"] = t.amount_total;
  if (t.trade_state == "SUCCESS") amount["payer_total"] = t.amount_payer_total;
  amount["currency"] = t.currency.empty() ? "CNY" : t.currency;
  if (t.trade_state == "SUCCESS") {
    amount["payer_currency"] = t.payer_currency.empty() ? "CNY" : t.payer_currency;
  }
  o["amount"] = std::move(amount);
  return json::serialize(o);
}

}  // namespace paymesh::wechatpay
