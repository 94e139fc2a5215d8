#include "services/auth/token.h"

#include <boost/json.hpp>
#include <utility>

#include "common/crypto/crypto.h"
#include "services/auth/scopes.h"

namespace paymesh::auth {
namespace {

namespace json = boost::json;

absl::Status Invalid(std::string_view reason) {
  return absl::UnauthenticatedError(std::string("invalid access token: ") + std::string(reason));
}

// Decodes one base64url segment into a JSON object.
absl::StatusOr<json::object> DecodeObject(std::string_view segment, std::string_view what) {
  absl::StatusOr<std::string> raw = crypto::Base64UrlDecode(segment);
  if (!raw.ok()) return Invalid(std::string(what) + " is not base64url");
  boost::system::error_code ec;
  json::value value = json::parse(*raw, ec);
  if (ec || !value.is_object()) return Invalid(std::string(what) + " is not a JSON object");
  return std::move(value.as_object());
}

const json::string* StringField(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  return v != nullptr ? v->if_string() : nullptr;
}

// Every '.'-separated segment, empty ones included.
std::vector<std::string_view> SplitDots(std::string_view text) {
  std::vector<std::string_view> parts;
  for (size_t dot; (dot = text.find('.')) != std::string_view::npos; text.remove_prefix(dot + 1)) {
    parts.push_back(text.substr(0, dot));
  }
  parts.push_back(text);
  return parts;
}

const int64_t* IntField(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  return v != nullptr ? v->if_int64() : nullptr;
}

}  // namespace

std::string KeyId(const crypto::Ed25519PublicKey& key) {
  return crypto::HexLower(crypto::Sha256(key.Raw())).substr(0, 16);
}

TokenCodec::TokenCodec(crypto::Ed25519PrivateKey signing_key)
    : key_(std::move(signing_key)), public_key_(key_.PublicKey()), kid_(KeyId(public_key_)) {
  json::object header;
  header["alg"] = "EdDSA";
  header["typ"] = "JWT";
  header["kid"] = kid_;
  encoded_header_ = crypto::Base64UrlEncode(json::serialize(header));
}

std::string TokenCodec::Sign(const AccessClaims& claims) const {
  json::object payload;
  payload["iss"] = kTokenIssuer;
  payload["sub"] = claims.user_id;
  payload["sid"] = claims.session_id;
  payload["scope"] = JoinScopes(claims.scopes);
  payload["iat"] = claims.issued_at;
  payload["exp"] = claims.expires_at;
  std::string signing_input =
      encoded_header_ + "." + crypto::Base64UrlEncode(json::serialize(payload));
  std::string signature = key_.Sign(signing_input);
  return signing_input + "." + crypto::Base64UrlEncode(signature);
}

absl::StatusOr<AccessClaims> TokenCodec::Decode(std::string_view token) const {
  if (token.empty()) return absl::UnauthenticatedError("missing access token");
  if (token.size() > kMaxTokenBytes) return Invalid("too large");
  std::vector<std::string_view> parts = SplitDots(token);
  if (parts.size() != 3 || parts[0].empty() || parts[1].empty() || parts[2].empty()) {
    return Invalid("not three segments");
  }

  absl::StatusOr<json::object> header = DecodeObject(parts[0], "header");
  if (!header.ok()) return header.status();
  const json::string* alg = StringField(*header, "alg");
  if (alg == nullptr || *alg != "EdDSA") return Invalid("algorithm not accepted");
  if (header->contains("typ")) {
    const json::string* typ = StringField(*header, "typ");
    if (typ == nullptr || *typ != "JWT") return Invalid("bad typ");
  }
  if (header->contains("crit")) return Invalid("critical header not understood");
  const json::string* kid = StringField(*header, "kid");
  if (kid == nullptr || *kid != kid_) return Invalid("unknown key id");

  absl::StatusOr<std::string> signature = crypto::Base64UrlDecode(parts[2]);
  if (!signature.ok() || signature->size() != 64) return Invalid("malformed signature");
  std::string_view signing_input = token.substr(0, parts[0].size() + 1 + parts[1].size());
  if (!public_key_.Verify(signing_input, *signature)) return Invalid("bad signature");

  absl::StatusOr<json::object> payload = DecodeObject(parts[1], "payload");
  if (!payload.ok()) return payload.status();
  const json::string* iss = StringField(*payload, "iss");
  const json::string* sub = StringField(*payload, "sub");
  const json::string* sid = StringField(*payload, "sid");
  const json::string* scope = StringField(*payload, "scope");
  const int64_t* iat = IntField(*payload, "iat");
  const int64_t* exp = IntField(*payload, "exp");
  if (iss == nullptr || *iss != kTokenIssuer) return Invalid("wrong issuer");
  if (sub == nullptr || sub->empty() || sid == nullptr || sid->empty() || scope == nullptr ||
      iat == nullptr || exp == nullptr) {
    return Invalid("missing claims");
  }
  if (*exp <= *iat) return Invalid("expires before issue");

  AccessClaims claims;
  claims.user_id = std::string(sub->data(), sub->size());
  claims.session_id = std::string(sid->data(), sid->size());
  claims.scopes = SplitScopes(std::string_view(scope->data(), scope->size()));
  claims.issued_at = *iat;
  claims.expires_at = *exp;
  return claims;
}

absl::StatusOr<AccessClaims> TokenCodec::Verify(std::string_view token, int64_t now_unix) const {
  absl::StatusOr<AccessClaims> claims = Decode(token);
  if (!claims.ok()) return claims.status();
  if (now_unix >= claims->expires_at) return absl::UnauthenticatedError("access token expired");
  if (claims->issued_at - kClockAllowanceSeconds > now_unix) return Invalid("issued in the future");
  return claims;
}

}  // namespace paymesh::auth
