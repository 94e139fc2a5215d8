#include "tests/e2e/e2e.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "common/crypto/crypto.h"
#include "tests/support/openapi.h"
#include "tests/support/test_env.h"

namespace paymesh::e2e {

std::unique_ptr<Stack> E2eTest::stack_;
std::unique_ptr<Api> E2eTest::api_;
absl::Status E2eTest::start_error_;

StackOptions DefaultStackOptions() {
  StackOptions options;
  options.env[Service::kAuth] = {
      {"AUTH_LOGIN_MAX_PER_USER_IP", std::to_string(kLoginMaxPerUser)},
      {"AUTH_LOGIN_MAX_PER_IP", "1000000"},
      // Every suite registers and texts from 127.0.0.1; the abuse suite sets real limits.
      {"AUTH_REGISTER_MAX_PER_IP", "1000000"},
      {"AUTH_SMS_MAX_PER_IP", "1000000"},
      {"AUTH_SMS_RESEND_SECONDS", "0"},
      {"AUTH_SMS_MAX_PER_DAY", "1000"},
  };
  options.env[Service::kGateway] = {{"GATEWAY_UPSTREAM_TIMEOUT_MS", "2000"}};
  // Suites pay, sync and cancel often for one shopper; the abuse suite sets a real limit.
  options.env[Service::kPayment] = {{"PAYMENT_USER_CALLS_PER_MINUTE", "0"}};
  return options;
}

void E2eTest::TearDownTestSuite() {
  api_.reset();
  stack_.reset();
  start_error_ = absl::OkStatus();
}

void E2eTest::SetUp() {
  // A start that failed once is not retried for every test of the suite.
  if (stack_ == nullptr && start_error_.ok()) {
    auto stack = Stack::Start(Options());
    if (stack.ok()) {
      stack_ = std::move(stack).value();
      api_ = std::make_unique<Api>(*stack_);
    } else {
      start_error_ = stack.status();
    }
  }
  ASSERT_TRUE(start_error_.ok()) << "the e2e stack did not start: " << start_error_;
}

namespace {

// The gateway's own /openapi.json, fetched once per gateway address; null (and a recorded
// failure) when it cannot be had.
const testing::OpenApiDocument* DocumentOf(const std::string& host, int port) {
  static std::mutex mu;
  static std::map<std::pair<std::string, int>, std::unique_ptr<testing::OpenApiDocument>> docs;
  std::lock_guard lock(mu);
  auto& doc = docs[{host, port}];
  if (doc == nullptr) {
    HttpResponse r = testing::Send(host, port, "GET", "/openapi.json", {}, "");
    absl::StatusOr<testing::OpenApiDocument> parsed = testing::OpenApiDocument::Parse(r.body);
    if (r.status != 200 || !parsed.ok()) {
      ADD_FAILURE() << "GET /openapi.json: " << r;
      return nullptr;
    }
    doc = std::make_unique<testing::OpenApiDocument>(std::move(*parsed));
  }
  return doc.get();
}

}  // namespace

// Every answer is checked against the gateway's OpenAPI document, so it cannot drift.
HttpResponse Api::Send(const std::string& method, const std::string& target,
                       const std::string& body, const std::string& token,
                       HttpHeaders headers) const {
  if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
  HttpResponse r = testing::Send(host_, port_, method, target, headers, body);
  if (r.status == 0) return r;
  if (const testing::OpenApiDocument* doc = DocumentOf(host_, port_)) {
    const absl::Status st = doc->Check(method, target, r.status, r.Header("Content-Type"), r.body);
    EXPECT_TRUE(st.ok()) << "the answer departs from /openapi.json: " << st.message();
  }
  return r;
}

HttpResponse Api::Get(const std::string& target, const std::string& token,
                      HttpHeaders headers) const {
  return Send("GET", target, "", token, std::move(headers));
}

HttpResponse Api::Post(const std::string& target, const std::string& body, const std::string& token,
                       HttpHeaders headers) const {
  headers.emplace_back("Content-Type", "application/json");
  return Send("POST", target, body, token, std::move(headers));
}

HttpResponse Api::Raw(const std::string& bytes) const {
  return testing::SendRaw(host_, port_, bytes);
}

std::string NewUsername() { return testing::UniqueName("u_"); }

std::string NewMobile() {
  std::string mobile = "138";
  for (unsigned char b : crypto::RandomBytes(8)) mobile += static_cast<char>('0' + b % 10);
  return mobile;
}

boost::json::value Json(const HttpResponse& response) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(response.body, ec);
  if (ec) {
    ADD_FAILURE() << "the body is not JSON (" << ec.message() << "): " << response;
    return nullptr;
  }
  return v;
}

std::string Str(const boost::json::value& v, std::initializer_list<std::string_view> path) {
  const boost::json::value* at = &v;
  for (std::string_view key : path) {
    if (!at->is_object()) return "";
    at = at->as_object().if_contains(key);
    if (at == nullptr) return "";
  }
  return at->is_string() ? std::string(at->as_string()) : "";
}

::testing::AssertionResult IsError(const HttpResponse& response, int status,
                                   std::string_view code) {
  if (response.status != status) {
    return ::testing::AssertionFailure() << "expected HTTP " << status << ", got " << response;
  }
  const std::string request_id = response.Header("X-Request-Id");
  if (request_id.empty()) {
    return ::testing::AssertionFailure() << "no X-Request-Id: " << response;
  }
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(response.body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("error")) {
    return ::testing::AssertionFailure() << "not a JSON error body: " << response;
  }
  const std::string got_code = Str(v, {"error", "code"});
  if (got_code.empty() || (!code.empty() && got_code != code)) {
    return ::testing::AssertionFailure()
           << "expected error.code " << (code.empty() ? "<any>" : code) << ": " << response;
  }
  if (Str(v, {"error", "message"}).empty()) {
    return ::testing::AssertionFailure() << "empty error.message: " << response;
  }
  if (Str(v, {"error", "request_id"}) != request_id) {
    return ::testing::AssertionFailure()
           << "error.request_id differs from X-Request-Id: " << response;
  }
  return ::testing::AssertionSuccess();
}

Account RegisterUser(const Api& api) {
  Account account{NewUsername(), "pw-" + crypto::RandomAlnum(16), ""};
  HttpResponse r = api.Post("/api/v1/auth/register",
                            boost::json::serialize(boost::json::object{
                                {"username", account.username}, {"password", account.password}}));
  EXPECT_EQ(r.status, 201) << r;
  if (r.status == 201) account.user_id = Str(Json(r), {"user", "id"});
  EXPECT_FALSE(account.user_id.empty()) << r;
  return account;
}

std::string LastSmsCode(const Stack& stack, const std::string& mobile) {
  HttpResponse r =
      testing::Send(stack.host(), stack.sim_port(), "GET", "/sim/sms?mobile=" + mobile);
  EXPECT_EQ(r.status, 200) << r;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r.body, ec);
  if (ec || !v.is_array() || v.as_array().empty()) return "";
  const boost::json::value& last = v.as_array().back();
  if (!last.is_object() || !last.as_object().contains("text")) return "";
  const std::string text(last.as_object().at("text").as_string());
  // The text carries the code as the only run of six digits.
  for (size_t i = 0; i + 6 <= text.size(); ++i) {
    if (std::all_of(text.begin() + i, text.begin() + i + 6, ::isdigit) &&
        (i + 6 == text.size() || !::isdigit(static_cast<unsigned char>(text[i + 6])))) {
      return text.substr(i, 6);
    }
  }
  return "";
}

std::string SmsCode(const Stack& stack, const std::string& mobile, const std::string& purpose) {
  Api api(stack);
  HttpResponse r = api.Post("/api/v1/auth/sms", boost::json::serialize(boost::json::object{
                                                    {"mobile", mobile}, {"purpose", purpose}}));
  EXPECT_EQ(r.status, 200) << r;
  return r.status == 200 ? LastSmsCode(stack, mobile) : "";
}

Tokens Login(const Api& api, const Account& account) {
  HttpResponse r = api.Post("/api/v1/auth/login",
                            boost::json::serialize(boost::json::object{
                                {"username", account.username}, {"password", account.password}}));
  EXPECT_EQ(r.status, 200) << r;
  if (r.status != 200) return {};
  boost::json::value v = Json(r);
  Tokens tokens{Str(v, {"access_token"}), Str(v, {"refresh_token"})};
  EXPECT_FALSE(tokens.access.empty()) << r;
  EXPECT_FALSE(tokens.refresh.empty()) << r;
  return tokens;
}

}  // namespace paymesh::e2e
