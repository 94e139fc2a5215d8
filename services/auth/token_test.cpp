#include "services/auth/token.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "common/crypto/crypto.h"

namespace paymesh::auth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kIat = 1767225600;  // 2026-01-01T00:00:00Z
constexpr int64_t kExp = kIat + 900;

crypto::Ed25519PrivateKey KeyFromSeed(char fill) {
  return *crypto::Ed25519PrivateKey::FromRawSeed(std::string(32, fill));
}

AccessClaims Claims() {
  return AccessClaims{
      "00000000-0000-4000-8000-000000000001", "sid123", {"user", "admin"}, kIat, kExp};
}

std::string Str(const boost::json::value& v) { return boost::json::value_to<std::string>(v); }

std::string B64(std::string_view s) { return crypto::Base64UrlEncode(s); }

// A token with arbitrary header and payload JSON, signed by `key`.
std::string Forge(const std::string& header, const std::string& payload,
                  const crypto::Ed25519PrivateKey& key) {
  std::string input = B64(header) + "." + B64(payload);
  return input + "." + B64(key.Sign(input));
}

std::string PayloadJson(const AccessClaims& c) {
  boost::json::object p;
  p["iss"] = kTokenIssuer;
  p["sub"] = c.user_id;
  p["sid"] = c.session_id;
  p["scope"] = "user admin";
  p["iat"] = c.issued_at;
  p["exp"] = c.expires_at;
  return boost::json::serialize(p);
}

class AuthTokenTest : public ::testing::Test {
 protected:
  std::string HeaderJson(std::string_view alg = "EdDSA") const {
    return R"({"alg":")" + std::string(alg) + R"(","typ":"JWT","kid":")" + codec_.kid() + R"("})";
  }
  void ExpectRejected(const std::string& token, std::string_view reason) const {
    absl::StatusOr<AccessClaims> got = codec_.Verify(token, kIat);
    ASSERT_FALSE(got.ok()) << reason;
    EXPECT_EQ(got.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_THAT(got.status().message(), HasSubstr(reason));
  }

  crypto::Ed25519PrivateKey key_ = KeyFromSeed('k');
  TokenCodec codec_{key_};
};

TEST_F(AuthTokenTest, RoundTripKeepsEveryClaim) {
  std::string token = codec_.Sign(Claims());
  absl::StatusOr<AccessClaims> got = codec_.Verify(token, kIat);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->user_id, "00000000-0000-4000-8000-000000000001");
  EXPECT_EQ(got->session_id, "sid123");
  EXPECT_THAT(got->scopes, ElementsAre("user", "admin"));
  EXPECT_EQ(got->issued_at, kIat);
  EXPECT_EQ(got->expires_at, kExp);
}

TEST_F(AuthTokenTest, HeaderAndPayloadHaveTheDocumentedShape) {
  std::string token = codec_.Sign(Claims());
  size_t dot1 = token.find('.'), dot2 = token.find('.', dot1 + 1);
  auto header = boost::json::parse(*crypto::Base64UrlDecode(token.substr(0, dot1))).as_object();
  auto payload =
      boost::json::parse(*crypto::Base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1)))
          .as_object();
  EXPECT_EQ(Str(header.at("alg")), "EdDSA");
  EXPECT_EQ(Str(header.at("typ")), "JWT");
  std::string kid = crypto::HexLower(crypto::Sha256(key_.PublicKey().Raw())).substr(0, 16);
  EXPECT_EQ(Str(header.at("kid")), kid);
  EXPECT_EQ(codec_.kid(), kid);
  EXPECT_EQ(Str(payload.at("iss")), "paymesh-auth");
  EXPECT_EQ(Str(payload.at("sub")), "00000000-0000-4000-8000-000000000001");
  EXPECT_EQ(Str(payload.at("sid")), "sid123");
  EXPECT_EQ(Str(payload.at("scope")), "user admin");
  EXPECT_EQ(payload.at("iat").as_int64(), kIat);
  EXPECT_EQ(payload.at("exp").as_int64(), kExp);
  EXPECT_EQ(crypto::Base64UrlDecode(token.substr(dot2 + 1))->size(), 64u);
}

TEST_F(AuthTokenTest, ExpiresExactlyAtExpWithNoLeeway) {
  std::string token = codec_.Sign(Claims());
  EXPECT_TRUE(codec_.Verify(token, kExp - 1).ok());
  absl::StatusOr<AccessClaims> at_exp = codec_.Verify(token, kExp);
  ASSERT_FALSE(at_exp.ok());
  EXPECT_EQ(at_exp.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(at_exp.status().message(), HasSubstr("expired"));
  EXPECT_FALSE(codec_.Verify(token, kExp + 3600).ok());
}

TEST_F(AuthTokenTest, IssuedInTheFutureAllowsOnlyTheClockAllowance) {
  std::string token = codec_.Sign(Claims());
  EXPECT_TRUE(codec_.Verify(token, kIat - kClockAllowanceSeconds).ok());
  absl::StatusOr<AccessClaims> early = codec_.Verify(token, kIat - kClockAllowanceSeconds - 1);
  ASSERT_FALSE(early.ok());
  EXPECT_THAT(early.status().message(), HasSubstr("future"));
}

TEST_F(AuthTokenTest, DecodeIgnoresTimeButNotTheSignature) {
  std::string token = codec_.Sign(Claims());
  EXPECT_TRUE(codec_.Decode(token).ok());  // expired long ago relative to any real clock
  std::string tampered = token;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(codec_.Decode(tampered).ok());
}

TEST_F(AuthTokenTest, TokenFromAnotherKeyIsRejected) {
  TokenCodec other(KeyFromSeed('o'));
  ASSERT_NE(other.kid(), codec_.kid());
  ExpectRejected(other.Sign(Claims()), "unknown key id");
  // Same kid claimed, signed by the wrong key.
  ExpectRejected(Forge(HeaderJson(), PayloadJson(Claims()), KeyFromSeed('o')), "bad signature");
}

TEST_F(AuthTokenTest, TamperedHeaderPayloadOrSignatureIsRejected) {
  std::string token = codec_.Sign(Claims());
  size_t dot1 = token.find('.'), dot2 = token.find('.', dot1 + 1);
  std::string payload = token.substr(dot1 + 1, dot2 - dot1 - 1);
  std::string signature = token.substr(dot2 + 1);

  std::string header2 = B64(R"({"alg":"EdDSA","kid":")" + codec_.kid() + R"("})");
  ExpectRejected(header2 + "." + payload + "." + signature, "bad signature");

  AccessClaims elevated = Claims();
  elevated.user_id = "00000000-0000-4000-8000-000000000002";
  std::string payload2 = B64(PayloadJson(elevated));
  ExpectRejected(token.substr(0, dot1) + "." + payload2 + "." + signature, "bad signature");

  std::string sig = *crypto::Base64UrlDecode(signature);
  sig[10] ^= 0x01;
  ExpectRejected(token.substr(0, dot2) + "." + B64(sig), "bad signature");
}

TEST_F(AuthTokenTest, AlgNoneAndHs256AreRefused) {
  std::string payload = B64(PayloadJson(Claims()));
  // "none": no signature at all, or any signature.
  ExpectRejected(B64(HeaderJson("none")) + "." + payload + ".", "not three segments");
  ExpectRejected(Forge(HeaderJson("none"), PayloadJson(Claims()), key_), "algorithm");
  ExpectRejected(Forge(HeaderJson("NONE"), PayloadJson(Claims()), key_), "algorithm");
  // HS256 keyed with the public key: the classic algorithm-confusion forgery.
  std::string input = B64(HeaderJson("HS256")) + "." + payload;
  std::string mac = crypto::HmacSha256(key_.PublicKey().Raw(), input);
  ExpectRejected(input + "." + B64(mac), "algorithm");
  ExpectRejected(Forge(HeaderJson("eddsa"), PayloadJson(Claims()), key_), "algorithm");
  ExpectRejected(
      Forge(R"({"typ":"JWT","kid":")" + codec_.kid() + R"("})", PayloadJson(Claims()), key_),
      "algorithm");
}

TEST_F(AuthTokenTest, WrongOrMissingKidIsRejected) {
  ExpectRejected(
      Forge(R"({"alg":"EdDSA","typ":"JWT","kid":"0000000000000000"})", PayloadJson(Claims()), key_),
      "unknown key id");
  ExpectRejected(Forge(R"({"alg":"EdDSA","typ":"JWT"})", PayloadJson(Claims()), key_),
                 "unknown key id");
}

TEST_F(AuthTokenTest, MalformedTokensAreRejected) {
  std::string good = codec_.Sign(Claims());
  EXPECT_THAT(codec_.Verify("", kIat).status().message(), HasSubstr("missing"));
  for (const std::string& bad :
       {std::string("abc"), std::string("a.b"), std::string(".."), good + ".extra", "." + good}) {
    ExpectRejected(bad, "segments");
  }
  size_t dot1 = good.find('.');
  ExpectRejected("e*J." + good.substr(dot1 + 1), "base64url");
  ExpectRejected(good.substr(0, dot1) + "=" + good.substr(dot1), "base64url");
  ExpectRejected(Forge("not json", PayloadJson(Claims()), key_), "header is not a JSON object");
  ExpectRejected(Forge(HeaderJson(), "[1,2]", key_), "payload is not a JSON object");
  ExpectRejected(Forge(HeaderJson(), R"({"iss":"paymesh-auth","sub":"u","sid":"s"})", key_),
                 "missing claims");
  ExpectRejected(Forge(HeaderJson(),
                       R"({"iss":"paymesh-auth","sub":"u","sid":"s","scope":"user",)"
                       R"("iat":"1767225600","exp":1767226500})",
                       key_),
                 "missing claims");
  ExpectRejected(Forge(HeaderJson(),
                       R"({"iss":"someone-else","sub":"u","sid":"s","scope":"user",)"
                       R"("iat":1767225600,"exp":1767226500})",
                       key_),
                 "issuer");
  ExpectRejected(
      Forge(R"({"alg":"EdDSA","typ":"JWT","kid":")" + codec_.kid() + R"(","crit":["exp"]})",
            PayloadJson(Claims()), key_),
      "critical");
  std::string short_sig = good.substr(0, good.rfind('.')) + "." + B64("short");
  ExpectRejected(short_sig, "malformed signature");
}

TEST_F(AuthTokenTest, OversizeTokenIsRejectedBeforeDecoding) {
  AccessClaims big = Claims();
  big.session_id = std::string(kMaxTokenBytes, 's');  // correctly signed, just too large
  std::string token = codec_.Sign(big);
  ASSERT_GT(token.size(), kMaxTokenBytes);
  ExpectRejected(token, "too large");
  ExpectRejected(std::string(kMaxTokenBytes + 1, 'a'), "too large");
}

}  // namespace
}  // namespace paymesh::auth
