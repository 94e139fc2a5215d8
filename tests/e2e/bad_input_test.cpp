// Bad input through the gateway: malformed and mistyped JSON, oversized requests, SQL
// metacharacters in every string field. Each gets a 4xx JSON error and changes nothing; the
// stack keeps working afterwards.

#include <regex>

#include "absl/strings/str_cat.h"
#include "tests/e2e/e2e.h"
#include "tests/e2e/orders.h"
#include "tests/support/test_env.h"

namespace paymesh::e2e {
namespace {

namespace json = boost::json;

// Strings that break naively built SQL (quotes, comments, LIKE wildcards, escapes) plus
// non-ASCII text. No NUL: it cannot travel in headers and JSON strings handle it separately.
const std::vector<std::string>& Nasty() {
  static const std::vector<std::string> kStrings = {
      "x' OR '1'='1",
      "'; DROP TABLE orders.orders; --",
      "\"; DROP TABLE auth.users; --",
      "Robert'); DROP TABLE students;--",
      "\\",
      "\\'",
      "%",
      "_",
      "a%' OR username LIKE '%",
      "$1",
      "1; SELECT pg_sleep(10)",
      "用户名 🙂 ünïcødé",
  };
  return kStrings;
}

bool IsIdempotencyKey(const std::string& s) {
  static const std::regex kKey("[A-Za-z0-9_.:-]{1,64}");
  return std::regex_match(s, kKey);
}

class BadInputTest : public ShopperTest {
 protected:
  void SetUp() override {
    E2eTest::SetUp();
    if (HasFatalFailure()) return;
    SignInNewShopper();
  }

  // The user still has no orders: a rejected request created none.
  void ExpectNoOrders() {
    HttpResponse r = api().Get("/api/v1/orders", tokens_.access);
    ASSERT_EQ(r.status, 200) << r;
    EXPECT_TRUE(Json(r).at("orders").as_array().empty()) << r;
  }

  // The whole flow still works: register, login, browse, order.
  void ExpectStackWorks() {
    const Account fresh = RegisterUser(api());
    const Tokens tokens = Login(api(), fresh);
    const std::vector<Product> catalogue = Products(api());
    ASSERT_EQ(catalogue.size(), catalogue_.size());
    const std::vector<Line> cart = {{catalogue[0], 2}};
    HttpResponse r = api().Post("/api/v1/orders", CartJson(cart), tokens.access);
    ASSERT_EQ(r.status, 201) << r;
    ExpectOrder(Json(r), cart);
    r = api().Get("/api/v1/orders", tokens.access);
    ASSERT_EQ(r.status, 200) << r;
    EXPECT_EQ(Json(r).at("orders").as_array().size(), 1u) << r;
  }
};

TEST_F(BadInputTest, MalformedAndNonObjectJsonIs400) {
  const char* bodies[] = {
      "",
      "{",
      R"({"username":)",
      R"({username:"a"})",
      R"({"a":1,})",
      R"({"a":1} trailing)",
      "[]",
      "[1,2]",
      R"("string")",
      "42",
      "null",
      "true",
      "\xff\xfe",
  };
  for (const char* target :
       {"/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/auth/refresh"}) {
    for (const char* body : bodies) {
      EXPECT_TRUE(IsError(api().Post(target, body), 400, "INVALID_ARGUMENT"))
          << target << " " << body;
    }
  }
  for (const char* body : bodies) {
    EXPECT_TRUE(
        IsError(api().Post("/api/v1/orders", body, tokens_.access), 400, "INVALID_ARGUMENT"))
        << body;
  }
  ExpectNoOrders();
}

TEST_F(BadInputTest, UnknownFieldsAndWrongTypesAre400) {
  const std::string sku = catalogue_[0].sku;
  const std::string user = NewUsername();
  const std::pair<const char*, std::string> cases[] = {
      {"/api/v1/auth/register",
       json::serialize(
           json::object{{"username", user}, {"password", "long enough"}, {"role", "admin"}})},
      {"/api/v1/auth/register",
       json::serialize(json::object{{"username", 12345}, {"password", "long enough"}})},
      {"/api/v1/auth/register",
       json::serialize(json::object{{"username", user}, {"password", nullptr}})},
      {"/api/v1/auth/register",
       json::serialize(
           json::object{{"username", user}, {"password", "long enough"}, {"mobile", 13800138000}})},
      {"/api/v1/auth/register", json::serialize(json::object{{"password", "long enough"}})},
      {"/api/v1/auth/login", json::serialize(json::object{{"username", account_.username},
                                                          {"password", account_.password},
                                                          {"remember_me", true}})},
      {"/api/v1/auth/login",
       json::serialize(json::object{{"username", account_.username},
                                    {"password", json::array{account_.password}}})},
      {"/api/v1/auth/refresh", json::serialize(json::object{{"refresh_token", 1}})},
      {"/api/v1/auth/refresh",
       json::serialize(json::object{{"refresh_token", tokens_.refresh}, {"extra", 1}})},
  };
  for (const auto& [target, body] : cases) {
    EXPECT_TRUE(IsError(api().Post(target, body), 400, "INVALID_ARGUMENT")) << target << body;
  }
  // Nothing was registered under `user`.
  EXPECT_TRUE(IsError(
      api().Post("/api/v1/auth/login",
                 json::serialize(json::object{{"username", user}, {"password", "long enough"}})),
      401, "UNAUTHENTICATED"));

  auto item = [&](json::value quantity) {
    return json::serialize(
        json::object{{"items", json::array{json::object{{"sku", sku}, {"quantity", quantity}}}}});
  };
  const std::string orders[] = {
      R"({"items":"x"})",
      R"({"items":[1]})",
      R"({"items":{}})",
      R"({"items":[]})",
      R"({})",
      json::serialize(
          json::object{{"items", json::array{json::object{{"sku", 1}, {"quantity", 1}}}}}),
      json::serialize(json::object{{"items", json::array{json::object{{"sku", sku}}}}}),
      json::serialize(json::object{
          {"items", json::array{json::object{{"sku", sku}, {"quantity", 1}, {"colour", "red"}}}}}),
      json::serialize(json::object{
          {"items", json::array{json::object{{"sku", "NO-SUCH-SKU"}, {"quantity", 1}}}}}),
      item("1"),
      item(1.5),
      item(0),
      item(-1),
      item(100),
      item(int64_t{1} << 40),
      item(nullptr),
  };
  for (const std::string& body : orders) {
    EXPECT_TRUE(
        IsError(api().Post("/api/v1/orders", body, tokens_.access), 400, "INVALID_ARGUMENT"))
        << body;
  }
  for (const char* query : {"limit=0", "limit=101", "limit=abc", "limit=-1", "limit=1e3"}) {
    EXPECT_TRUE(IsError(api().Get(absl::StrCat("/api/v1/orders?", query), tokens_.access), 400,
                        "INVALID_ARGUMENT"))
        << query;
  }
  ExpectNoOrders();
}

// Two fields of one name: Boost would keep the last, another reader the first. A cart with two
// "items" arrays must not order the second one: refused, nothing ordered.
TEST_F(BadInputTest, AFieldNamedTwiceIs400AndChangesNothing) {
  const std::string sku = catalogue_[0].sku;
  const std::string line = R"({"sku":")" + sku + R"(","quantity":1})";
  for (const std::string& body :
       {R"({"items":[)" + line + R"(],"items":[{"sku":")" + sku + R"(","quantity":50}]})",
        R"({"items":[{"sku":")" + sku + R"(","quantity":1,"quantity":50}]})"}) {
    HttpResponse r = api().Post("/api/v1/orders", body, tokens_.access);
    EXPECT_TRUE(IsError(r, 400, "INVALID_ARGUMENT")) << body;
    EXPECT_NE(r.body.find("duplicate field"), std::string::npos) << r;
  }
  HttpResponse listed = api().Get("/api/v1/orders", tokens_.access);
  ASSERT_EQ(listed.status, 200) << listed;
  EXPECT_TRUE(Json(listed).at("orders").as_array().empty()) << listed;
  const std::string user = NewUsername();
  EXPECT_TRUE(IsError(
      api().Post("/api/v1/auth/register",
                 R"({"username":")" + user + R"(","password":"long enough","password":"x"})"),
      400, "INVALID_ARGUMENT"));
}

TEST_F(BadInputTest, OversizedBodyIs413AndOversizedHeadersAre431) {
  // The gateway's defaults: 64 KiB of body, 16 KiB of headers.
  const std::string big_body = json::serialize(
      json::object{{"username", NewUsername()}, {"password", std::string(70 * 1024, 'p')}});
  EXPECT_TRUE(IsError(api().Post("/api/v1/auth/register", big_body), 413, "PAYLOAD_TOO_LARGE"));

  HttpResponse r = api().Get("/api/v1/products", "", {{"X-Filler", std::string(20 * 1024, 'h')}});
  EXPECT_TRUE(IsError(r, 431, "HEADERS_TOO_LARGE"));
  // Refused before routing, but the request id the client got is in the gateway's log, once.
  const std::string refused_id = r.Header("X-Request-Id");
  ASSERT_FALSE(refused_id.empty());
  const auto mentions = [&](const std::string& id) {
    const std::string log = stack().LogTail(testing::Service::kGateway, 100000);
    size_t n = 0;
    for (size_t at = log.find(id); at != std::string::npos; at = log.find(id, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(mentions(refused_id), 1u) << stack().LogTail(testing::Service::kGateway, 5);

  // Many small headers add up the same way.
  HttpHeaders many;
  for (int i = 0; i < 400; ++i)
    many.emplace_back(absl::StrCat("X-Filler-", i), "0123456789abcdef0123456789abcdef0123456789");
  EXPECT_TRUE(IsError(api().Get("/api/v1/products", "", many), 431, "HEADERS_TOO_LARGE"));

  // A declared length beyond the limit is refused before the body is read.
  r = api().Raw(
      absl::StrCat("POST /api/v1/auth/register HTTP/1.1\r\nHost: x\r\n",
                   "Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n"));
  EXPECT_TRUE(IsError(r, 413, "PAYLOAD_TOO_LARGE"));

  // Just under the limit is parsed (and rejected for its content, not its size).
  const std::string near_limit = json::serialize(
      json::object{{"username", NewUsername()}, {"password", std::string(60 * 1024, 'p')}});
  EXPECT_TRUE(IsError(api().Post("/api/v1/auth/register", near_limit), 400, "INVALID_ARGUMENT"));
  ExpectStackWorks();
}

TEST_F(BadInputTest, MalformedRequestsAre400) {
  for (const std::string& raw : {
           std::string("GARBAGE\r\n\r\n"),
           std::string("GET /api/v1/products HTTP/9.9\r\nHost: x\r\n\r\n"),
           std::string("GET /api/v1/products HTTP/1.1\r\nBad Header Name: x\r\n\r\n"),
           std::string(
               "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"),
       }) {
    EXPECT_TRUE(IsError(api().Raw(raw), 400, "INVALID_ARGUMENT")) << raw;
  }
  EXPECT_TRUE(IsError(api().Get("/api/v1/no-such-route"), 404, ""));
  ExpectStackWorks();
}

TEST_F(BadInputTest, SqlMetacharactersInEveryStringField) {
  const std::string sku = catalogue_[0].sku;
  for (const std::string& s : Nasty()) {
    SCOPED_TRACE("input: " + s);
    // register: username and mobile break the rules; as a password the text is fine and must
    // round-trip exactly.
    EXPECT_TRUE(IsError(
        api().Post("/api/v1/auth/register",
                   json::serialize(json::object{{"username", s}, {"password", "long enough"}})),
        400, "INVALID_ARGUMENT"));
    EXPECT_TRUE(IsError(
        api().Post("/api/v1/auth/register",
                   json::serialize(json::object{
                       {"username", NewUsername()}, {"password", "long enough"}, {"mobile", s}})),
        400, "INVALID_ARGUMENT"));
    const Account account{NewUsername(), "pw" + s + "12345678", ""};
    HttpResponse r = api().Post("/api/v1/auth/register",
                                json::serialize(json::object{{"username", account.username},
                                                             {"password", account.password}}));
    ASSERT_EQ(r.status, 201) << r;
    EXPECT_FALSE(Login(api(), account).access.empty());
    EXPECT_TRUE(IsError(
        api().Post("/api/v1/auth/login",
                   json::serialize(json::object{{"username", account.username}, {"password", s}})),
        401, "UNAUTHENTICATED"));

    // login: a username that is no account is refused as such, never as a server error. The
    // random prefix keeps the per-username attempt budget fresh on every run.
    r = api().Post(
        "/api/v1/auth/login",
        json::serialize(json::object{{"username", testing::UniqueName("n") + s}, {"password", s}}));
    EXPECT_TRUE(r.status == 400 ? IsError(r, 400, "INVALID_ARGUMENT")
                                : IsError(r, 401, "UNAUTHENTICATED"));

    EXPECT_TRUE(IsError(
        api().Post("/api/v1/auth/refresh", json::serialize(json::object{{"refresh_token", s}})),
        401, "UNAUTHENTICATED"));

    // orders: the sku, the idempotency key, the id in the path, the cursor.
    EXPECT_TRUE(IsError(api().Post("/api/v1/orders", CartJson({{{s, "", 0}, 1}}), tokens_.access),
                        400, "INVALID_ARGUMENT"));
    r = api().Post("/api/v1/orders", CartJson({{catalogue_[0], 1}}), tokens_.access,
                   {{"Idempotency-Key", s}});
    if (IsIdempotencyKey(s)) {
      EXPECT_EQ(r.status, 201) << r;
    } else {
      EXPECT_TRUE(IsError(r, 400, "INVALID_ARGUMENT"));
    }
    r = api().Get("/api/v1/orders/" + UrlEncode(s), tokens_.access);
    EXPECT_TRUE(r.status == 400 ? IsError(r, 400, "INVALID_ARGUMENT")
                                : IsError(r, 404, "NOT_FOUND"));
    EXPECT_TRUE(IsError(api().Get("/api/v1/orders?cursor=" + UrlEncode(s), tokens_.access), 400,
                        "INVALID_ARGUMENT"));

    // An X-Request-Id that is not sane is replaced, not echoed.
    r = api().Get("/api/v1/products", "", {{"X-Request-Id", s}});
    EXPECT_EQ(r.status, 200) << r;
    EXPECT_TRUE(std::regex_match(r.Header("X-Request-Id"), std::regex("[A-Za-z0-9._-]{1,128}")))
        << r;
    if (s != "_") {
      EXPECT_NE(r.Header("X-Request-Id"), s) << r;
    }
  }
  ExpectStackWorks();
}

TEST_F(BadInputTest, LikeWildcardsDoNotMatchOtherUsernames) {
  // If a lookup used LIKE, "<name>_" and "<name>%" would find the account "<name>x".
  const std::string base = NewUsername();
  const Account account{base + "x", "wildcard password", ""};
  HttpResponse r = api().Post("/api/v1/auth/register",
                              json::serialize(json::object{{"username", account.username},
                                                           {"password", account.password}}));
  ASSERT_EQ(r.status, 201) << r;
  for (const std::string& pattern :
       {base + "_", base + "%", std::string("%"), base.substr(0, 3) + "%"}) {
    r = api().Post(
        "/api/v1/auth/login",
        json::serialize(json::object{{"username", pattern}, {"password", account.password}}));
    EXPECT_TRUE(r.status == 400 ? IsError(r, 400, "INVALID_ARGUMENT")
                                : IsError(r, 401, "UNAUTHENTICATED"))
        << pattern;
  }
  EXPECT_FALSE(Login(api(), account).access.empty());
}

TEST_F(BadInputTest, ErrorsEchoASaneRequestId) {
  const std::string id = testing::UniqueName("e2e-req.");
  HttpResponse r = api().Post("/api/v1/auth/login", "{", "", {{"X-Request-Id", id}});
  ASSERT_TRUE(IsError(r, 400, "INVALID_ARGUMENT"));
  EXPECT_EQ(r.Header("X-Request-Id"), id) << r;
  EXPECT_EQ(Str(Json(r), {"error", "request_id"}), id) << r;
}

}  // namespace
}  // namespace paymesh::e2e
