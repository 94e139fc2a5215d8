#pragma once

// A test fixture driving the gateway's router against FakeUpstreams, plus helpers to read
// responses. Requests come from 10.0.0.7 with request id "rid-test".

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "services/notify-gateway/gateway.h"
#include "services/notify-gateway/testing/fake_upstreams.h"
#include "services/notify-gateway/testing/run.h"

namespace paymesh::gateway::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

inline constexpr char kToken[] = "tok.alice_123-x";  // valid for kAliceId
inline constexpr char kAliceId[] = "user-alice";

// The first header `name` (exact case, as the handlers set it), or "".
inline std::string HeaderOf(const http::Response& res, std::string_view name) {
  for (const auto& [k, v] : res.headers) {
    if (k == name) return v;
  }
  return "";
}

inline boost::json::value Body(const http::Response& res) { return boost::json::parse(res.body); }

inline std::string ErrorCode(const http::Response& res) {
  return std::string(Body(res).at("error").at("code").as_string());
}

inline std::string ErrorMessage(const http::Response& res) {
  return std::string(Body(res).at("error").at("message").as_string());
}

class GatewayHarness : public ::testing::Test {
 protected:
  GatewayHarness() { Build(RouterOptions()); }

  void Build(RouterOptions options) {
    router_ = BuildRouter(options, fake_);
    fake_.AddToken(kToken, kAliceId);
  }
  void Build(RouteSet routes, bool trust_forwarded_for = false) {
    RouterOptions options;
    options.routes = routes;
    options.trust_forwarded_for = trust_forwarded_for;
    Build(std::move(options));
  }

  http::Response Call(std::string method, std::string target, std::string body = "",
                      Headers headers = {}) {
    http::Request req;
    req.method = std::move(method);
    req.target = std::move(target);
    req.body = std::move(body);
    req.headers = std::move(headers);
    req.remote_ip = "10.0.0.7";
    req.request_id = "rid-test";
    return RunSync(router_->Handle(req));
  }

  http::Response Authed(std::string method, std::string target, std::string body = "",
                        Headers extra = {}) {
    extra.emplace_back("Authorization", std::string("Bearer ") + kToken);
    return Call(std::move(method), std::move(target), std::move(body), std::move(extra));
  }

  FakeUpstreams fake_;
  std::unique_ptr<Router> router_;
};

}  // namespace paymesh::gateway::testing
