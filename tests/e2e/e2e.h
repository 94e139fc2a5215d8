#pragma once

// Shared pieces of the end-to-end suites: a fixture that owns one Stack per test suite, a thin
// client for the gateway's REST API, and assertions on its JSON answers.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "tests/support/http_client.h"
#include "tests/support/stack.h"

namespace paymesh::e2e {

using testing::HttpHeaders;
using testing::HttpResponse;
using testing::Service;
using testing::Stack;
using testing::StackOptions;

// The per-user login budget the suites' auth runs with.
inline constexpr int kLoginMaxPerUser = 5;

// Auth with a small per-user login budget (the per-IP one is out of the way: every test logs in
// from 127.0.0.1), fast scrypt, the gateway with a short upstream deadline.
StackOptions DefaultStackOptions();

// Requests to the gateway of a running stack.
class Api {
 public:
  explicit Api(const Stack& stack) : host_(stack.host()), port_(stack.gateway_port()) {}

  HttpResponse Get(const std::string& target, const std::string& token = "",
                   HttpHeaders headers = {}) const;
  // JSON body (Content-Type: application/json).
  HttpResponse Post(const std::string& target, const std::string& body,
                    const std::string& token = "", HttpHeaders headers = {}) const;
  HttpResponse Send(const std::string& method, const std::string& target, const std::string& body,
                    const std::string& token, HttpHeaders headers) const;
  HttpResponse Raw(const std::string& bytes) const;

 private:
  std::string host_;
  int port_;
};

struct Account {
  std::string username;
  std::string password;
  std::string user_id;
};

struct Tokens {
  std::string access;
  std::string refresh;
};

// Random names that pass the registration rules.
std::string NewUsername();
std::string NewMobile();  // "138" + 8 random digits

// The body parsed as JSON; null (and a recorded failure) when it is not.
boost::json::value Json(const HttpResponse& response);
// The string at a path of object keys ("error", "code"), or "" when absent / not a string.
std::string Str(const boost::json::value& v, std::initializer_list<std::string_view> path);

// status == `status`, X-Request-Id present, and the body is
// {"error":{"code":`code`,"message":<non-empty>,"request_id":<the X-Request-Id>}}.
// An empty `code` accepts any non-empty code.
::testing::AssertionResult IsError(const HttpResponse& response, int status, std::string_view code);

// Registers a fresh account (201 asserted) and returns it; user_id is "" on failure.
Account RegisterUser(const Api& api);

// Asks the gateway to text `mobile` a code for `purpose` (200 asserted) and reads it back from
// the simulator's phone (GET /sim/sms); "" on failure.
std::string SmsCode(const Stack& stack, const std::string& mobile,
                    const std::string& purpose = "register");
// The last code the simulator's phone received for `mobile`, or "".
std::string LastSmsCode(const Stack& stack, const std::string& mobile);
// Logs in (200 asserted); empty tokens on failure.
Tokens Login(const Api& api, const Account& account);

// Owns the suite's Stack: started by the first test that needs it (so that a failed start fails
// that test with the services' log tails rather than silently skipping), stopped after the
// suite.
class E2eTest : public ::testing::Test {
 protected:
  static void TearDownTestSuite();
  void SetUp() override;
  // Options for this suite's stack.
  virtual StackOptions Options() const { return DefaultStackOptions(); }

  Stack& stack() { return *stack_; }
  const Api& api() const { return *api_; }

 private:
  static std::unique_ptr<Stack> stack_;
  static std::unique_ptr<Api> api_;
  static absl::Status start_error_;
};

}  // namespace paymesh::e2e
