#pragma once

// WeChat Pay v3 notifications: the JSON envelope, its AEAD_AES_256_GCM `resource`, and the
// decrypted Transaction (the same object the query API answers). Parsing is strict about types
// and sizes (field limits from WeChat's tables) and ignores unknown fields, which WeChat may add.
// The signature is checked separately, on the raw bytes, before any of this (verifier.h).

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace paymesh::wechatpay {

inline constexpr size_t kApiV3KeyBytes = 32;

struct Resource {
  std::string algorithm;   // AEAD_AES_256_GCM
  std::string ciphertext;  // base64(ciphertext || tag)
  std::string associated_data;
  std::string original_type;  // transaction | refund
  std::string nonce;          // 12 characters
};

struct Envelope {
  std::string id;
  std::string create_time;
  std::string event_type;     // TRANSACTION.SUCCESS, REFUND.SUCCESS, ...
  std::string resource_type;  // encrypt-resource
  std::string summary;
  Resource resource;
};

// INVALID_ARGUMENT naming the field for malformed JSON, a missing or mistyped field, or a field
// over its size limit.
absl::StatusOr<Envelope> ParseEnvelope(std::string_view body);
std::string SerializeEnvelope(const Envelope& envelope);

// INVALID_ARGUMENT for an unsupported algorithm or bad base64/key; UNAUTHENTICATED when the tag
// does not verify (wrong APIv3 key or tampered data).
absl::StatusOr<std::string> DecryptResource(const Resource& resource, std::string_view apiv3_key);
// A fresh 12-character nonce is drawn when `nonce` is empty.
absl::StatusOr<Resource> EncryptResource(std::string_view plaintext, std::string_view apiv3_key,
                                         std::string original_type, std::string associated_data,
                                         std::string nonce = "");

struct Transaction {
  std::string appid;
  std::string mchid;
  std::string out_trade_no;
  std::string transaction_id;  // absent until paid
  std::string trade_type;      // JSAPI, NATIVE, MWEB, APP, ...
  std::string trade_state;     // SUCCESS, NOTPAY, CLOSED, REFUND, PAYERROR, ...
  std::string trade_state_desc;
  std::string bank_type;
  std::string attach;
  std::string success_time;  // RFC 3339
  std::string payer_openid;
  int64_t amount_total = 0;        // fen
  int64_t amount_payer_total = 0;  // fen
  std::string currency;
  std::string payer_currency;
};

// INVALID_ARGUMENT for malformed JSON or fields of the wrong type or size; required:
// mchid, out_trade_no, trade_state, and amount.total when trade_state is SUCCESS.
absl::StatusOr<Transaction> ParseTransaction(std::string_view json);
// Omits empty optional fields, as WeChat does (e.g. no transaction_id before payment).
std::string SerializeTransaction(const Transaction& transaction);

// A refund as REFUND.* notifications carry it (original_type "refund", §5.3) — the refund API's
// answers call refund_status `status`.
struct RefundResource {
  std::string mchid;
  std::string out_trade_no;
  std::string transaction_id;
  std::string out_refund_no;
  std::string refund_id;
  std::string refund_status;  // SUCCESS, CLOSED, PROCESSING, ABNORMAL
  std::string success_time;
  int64_t amount_total = 0;   // the payment's, fen
  int64_t amount_refund = 0;  // this refund's, fen
};

// INVALID_ARGUMENT for malformed JSON or fields of the wrong type or size; required: mchid,
// out_trade_no, out_refund_no, refund_id, refund_status and amount.refund.
absl::StatusOr<RefundResource> ParseRefundResource(std::string_view json);
std::string SerializeRefundResource(const RefundResource& refund);

}  // namespace paymesh::wechatpay
