// Bearer tokens at the gateway: missing, malformed, forged, tampered and expired tokens are all
// 401, and login attempts beyond the per-user budget are 429.

#include <chrono>

#include "absl/strings/str_split.h"
#include "common/crypto/crypto.h"
#include "common/crypto/ed25519.h"
#include "tests/e2e/e2e.h"
#include "tests/e2e/orders.h"

namespace paymesh::e2e {
namespace {

namespace json = boost::json;

struct TokenParts {
  std::string header;   // base64url, as issued
  json::object claims;  // decoded payload
};

// Splits a token that auth issued; the test fails when it is not three base64url segments with
// a JSON-object payload.
TokenParts Parse(const std::string& token) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  EXPECT_EQ(parts.size(), 3u) << "an access token is a compact JWS";
  if (parts.size() != 3) return {};
  auto payload = crypto::Base64UrlDecode(parts[1]);
  EXPECT_TRUE(payload.ok()) << payload.status();
  if (!payload.ok()) return {};
  boost::system::error_code ec;
  json::value claims = json::parse(*payload, ec);
  EXPECT_TRUE(!ec && claims.is_object()) << "payload: " << *payload;
  if (ec || !claims.is_object()) return {};
  return {parts[0], claims.as_object()};
}

// A token with auth's header and the given claims, signed with `key`.
std::string Mint(const TokenParts& parts, const crypto::Ed25519PrivateKey& key) {
  const std::string signing_input =
      parts.header + "." + crypto::Base64UrlEncode(json::serialize(parts.claims));
  return signing_input + "." + crypto::Base64UrlEncode(key.Sign(signing_input));
}

int64_t NowUnix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class TokenTest : public ShopperTest {
 protected:
  void SetUp() override {
    E2eTest::SetUp();
    if (HasFatalFailure()) return;
    SignInNewShopper();
    if (HasFatalFailure()) return;
    parts_ = Parse(tokens_.access);
    ASSERT_FALSE(parts_.header.empty());
  }

  // 401 on every protected route with this Authorization header (none when empty). Logout is
  // left out for correctly signed tokens that are merely out of date: auth may let those end
  // their session.
  void ExpectRefusedEverywhere(const std::string& authorization, bool logout = true) {
    HttpHeaders headers;
    if (!authorization.empty()) headers.emplace_back("Authorization", authorization);
    const std::pair<const char*, const char*> routes[] = {
        {"GET", "/api/v1/me"},
        {"GET", "/api/v1/orders"},
        {"GET", "/api/v1/orders/00000000-0000-4000-8000-000000000000"},
        {"POST", "/api/v1/orders"},
        {"POST", "/api/v1/auth/logout"},
    };
    for (const auto& [method, target] : routes) {
      if (!logout && std::string(target) == "/api/v1/auth/logout") continue;
      HttpHeaders h = headers;
      h.emplace_back("Content-Type", "application/json");
      const std::string body =
          std::string(method) == "POST" && std::string(target) == "/api/v1/orders"
              ? R"({"items":[{"sku":"x","quantity":1}]})"
              : "";
      EXPECT_TRUE(IsError(api().Send(method, target, body, "", h), 401, "UNAUTHENTICATED"))
          << method << " " << target << " with Authorization: '" << authorization << "'";
    }
  }

  // The token is accepted on /me (a control for the refused variants).
  void ExpectAccepted(const std::string& token) {
    HttpResponse r = api().Get("/api/v1/me", token);
    ASSERT_EQ(r.status, 200) << r;
    EXPECT_EQ(Str(Json(r), {"id"}), account_.user_id) << r;
  }

  TokenParts parts_;
};

TEST_F(TokenTest, MissingOrMalformedAuthorizationIsUnauthenticated) {
  ExpectRefusedEverywhere("");
  ExpectRefusedEverywhere("Basic " +
                          crypto::Base64Encode(account_.username + ":" + account_.password));
  ExpectRefusedEverywhere("Bearer");
  ExpectRefusedEverywhere("Bearer ");
  ExpectRefusedEverywhere("Bearer garbage");
  ExpectRefusedEverywhere("Bearer a.b.c");
  ExpectRefusedEverywhere("Bearer " + std::string(5000, 'A'));
  ExpectRefusedEverywhere("Token " + tokens_.access);
  ExpectRefusedEverywhere(tokens_.access);
  // The real token still works: the refusals above were about the header, not the session.
  ExpectAccepted(tokens_.access);
}

TEST_F(TokenTest, ForgedAndTamperedTokensAreUnauthenticated) {
  // The minting is right: the same claims signed with the stack's key are accepted.
  ExpectAccepted(Mint(parts_, stack().signing_key()));

  ExpectRefusedEverywhere("Bearer " + Mint(parts_, crypto::Ed25519PrivateKey::Generate()));

  // Another user's id under the original signature.
  const Account other = RegisterUser(api());
  TokenParts tampered = parts_;
  tampered.claims["sub"] = other.user_id;
  const std::string signature = tokens_.access.substr(tokens_.access.rfind('.') + 1);
  const std::string signing_input =
      tampered.header + "." + crypto::Base64UrlEncode(json::serialize(tampered.claims));
  ExpectRefusedEverywhere("Bearer " + signing_input + "." + signature);

  // An unsigned token.
  const std::string none_header = crypto::Base64UrlEncode(R"({"alg":"none","typ":"JWT"})");
  ExpectRefusedEverywhere("Bearer " + none_header + "." +
                          crypto::Base64UrlEncode(json::serialize(parts_.claims)) + ".");
}

TEST_F(TokenTest, ExpiredTokenIsUnauthenticated) {
  const int64_t now = NowUnix();
  TokenParts current = parts_;
  current.claims["iat"] = now - 60;
  current.claims["exp"] = now + 600;
  ExpectAccepted(Mint(current, stack().signing_key()));

  TokenParts expired = parts_;
  expired.claims["iat"] = now - 3600;
  expired.claims["exp"] = now - 60;
  ExpectRefusedEverywhere("Bearer " + Mint(expired, stack().signing_key()), false);

  // Issued in the future (beyond any clock allowance).
  TokenParts future = parts_;
  future.claims["iat"] = now + 3600;
  future.claims["exp"] = now + 7200;
  ExpectRefusedEverywhere("Bearer " + Mint(future, stack().signing_key()), false);
  // None of this ended the real session.
  ExpectAccepted(tokens_.access);
}

TEST_F(TokenTest, LoginAttemptsBeyondTheBudgetAre429) {
  // Login() in SetUp spent one attempt of this user's budget.
  const std::string wrong = json::serialize(
      json::object{{"username", account_.username}, {"password", "wrong-password"}});
  for (int i = 1; i < kLoginMaxPerUser; ++i) {
    EXPECT_TRUE(IsError(api().Post("/api/v1/auth/login", wrong), 401, "UNAUTHENTICATED"))
        << "attempt " << i + 1;
  }
  EXPECT_TRUE(IsError(api().Post("/api/v1/auth/login", wrong), 429, "RESOURCE_EXHAUSTED"));
  // Over budget, even the right password is refused without being checked.
  const std::string right = json::serialize(
      json::object{{"username", account_.username}, {"password", account_.password}});
  EXPECT_TRUE(IsError(api().Post("/api/v1/auth/login", right), 429, "RESOURCE_EXHAUSTED"));
  // The budget is per user: others still log in, and the existing session is untouched.
  const Account other = RegisterUser(api());
  EXPECT_FALSE(Login(api(), other).access.empty());
  ExpectAccepted(tokens_.access);
}

TEST_F(TokenTest, WrongPasswordAndUnknownUserGetTheSameAnswer) {
  HttpResponse wrong = api().Post(
      "/api/v1/auth/login",
      json::serialize(json::object{{"username", account_.username}, {"password", "nope-nope"}}));
  HttpResponse unknown = api().Post(
      "/api/v1/auth/login",
      json::serialize(json::object{{"username", NewUsername()}, {"password", "nope-nope"}}));
  ASSERT_TRUE(IsError(wrong, 401, "UNAUTHENTICATED"));
  ASSERT_TRUE(IsError(unknown, 401, "UNAUTHENTICATED"));
  EXPECT_EQ(Str(Json(wrong), {"error", "message"}), Str(Json(unknown), {"error", "message"}));
}

}  // namespace
}  // namespace paymesh::e2e
