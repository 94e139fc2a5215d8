#pragma once

// WeChat Pay APIv2 (XML) compatibility: the flat <xml><k>v</k>...</xml> messages, their MD5 /
// HMAC-SHA256 `sign` under the 32-byte APIv2 key, and the reply a notification expects.
// Protocol: docs/wechat-protocols.md §9.
//
// The reader is deliberately small: one <xml> root with flat children (text or one CDATA
// section), no DTD, no processing instructions but a leading XML declaration, no entity or
// character references but the five predefined entities, at most kMaxV2Bytes and kMaxV2Fields.
// Anything else is INVALID_ARGUMENT, so a billion-laughs or external-entity payload never
// expands.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace paymesh::wechatpay {

inline constexpr size_t kMaxV2Bytes = 16 * 1024;
inline constexpr size_t kMaxV2Fields = 64;
inline constexpr size_t kMaxV2NameBytes = 64;
inline constexpr size_t kV2KeyBytes = 32;

using V2Fields = std::map<std::string, std::string>;

enum class V2SignType { kMd5, kHmacSha256 };

inline constexpr char kV2RefundInfoRoot[] = "root";

// The fields of a v2 message (root <xml>; a refund's req_info: <root>). INVALID_ARGUMENT naming
// what is wrong (never quoting values).
absl::StatusOr<V2Fields> ParseV2Xml(std::string_view body, std::string_view root = "xml");
// <xml><k><![CDATA[v]]></k>...</xml>, in name order. Values must not contain "]]>".
std::string SerializeV2Xml(const V2Fields& fields, std::string_view root = "xml");

// A refund notification's req_info (§9.6): base64 of AES-256-ECB (PKCS#7) under the lowercase
// hex MD5 of the APIv2 key, around <root>…</root> read like any v2 message. The notification
// itself carries no sign: decrypting to well-formed XML with our key is its only proof, so
// anything else is UNAUTHENTICATED (INVALID_ARGUMENT for what is not even base64).
absl::StatusOr<V2Fields> DecryptV2RefundInfo(std::string_view req_info, std::string_view v2_key);
absl::StatusOr<std::string> EncryptV2RefundInfo(const V2Fields& fields, std::string_view v2_key);

// stringSignTemp: every non-empty field but `sign`, sorted by name, "k=v" joined with '&', then
// "&key=<key>".
std::string V2SignString(const V2Fields& fields, std::string_view key);
// The upper-case hex `sign` of the fields (their `sign_type` field is signed like any other).
std::string SignV2(const V2Fields& fields, std::string_view key, V2SignType type);
// OK when `sign` verifies. The algorithm follows the sign's length (32 hex: MD5, 64: HMAC-SHA256:
// notifications may omit sign_type even when HMAC was used); a sign_type that disagrees with it
// is refused. UNAUTHENTICATED otherwise (missing, malformed or wrong sign).
absl::Status VerifyV2(const V2Fields& fields, std::string_view key);

// The answer a v2 notification expects: return_code SUCCESS with return_msg OK, or FAIL with
// `message`.
std::string V2Reply(bool success, std::string_view message);

}  // namespace paymesh::wechatpay
