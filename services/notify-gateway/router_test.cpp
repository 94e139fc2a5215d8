#include "services/notify-gateway/router.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <stdexcept>
#include <string>

#include "common/metrics/metrics.h"
#include "services/notify-gateway/testing/run.h"

namespace paymesh::gateway {
namespace {

using boost::asio::awaitable;
using testing::RunSync;

http::Request MakeRequest(std::string method, std::string target) {
  http::Request req;
  req.method = std::move(method);
  req.target = std::move(target);
  req.request_id = "rid-router";
  return req;
}

std::string HeaderOf(const http::Response& res, std::string_view name) {
  for (const auto& [k, v] : res.headers) {
    if (k == name) return v;
  }
  return "";
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router_.Add("GET", "/things", Reply("list"));
    router_.Add("POST", "/things", Reply("create"));
    router_.Add("GET", "/things/{id}",
                [](http::Request&, const PathParams& p) -> awaitable<http::Response> {
                  co_return http::Response::Json(200, "\"" + std::string(p.Get("id")) + "\"");
                });
    router_.Add("DELETE", "/things/{id}", Reply("delete"));
    router_.Add("GET", "/boom", [](http::Request&, const PathParams&) -> awaitable<http::Response> {
      throw std::runtime_error("handler bug");
      co_return http::Response{};
    });
  }

  static RouteHandler Reply(std::string what) {
    return [what](http::Request&, const PathParams&) -> awaitable<http::Response> {
      co_return http::Response::Json(200, "\"" + what + "\"");
    };
  }

  http::Response Call(std::string method, std::string target) {
    http::Request req = MakeRequest(std::move(method), std::move(target));
    return RunSync(router_.Handle(req));
  }

  Router router_;
};

TEST_F(RouterTest, DispatchesByMethodAndPath) {
  EXPECT_EQ(Call("GET", "/things").body, "\"list\"");
  EXPECT_EQ(Call("POST", "/things").body, "\"create\"");
  EXPECT_EQ(Call("GET", "/things?limit=3").body, "\"list\"");
  EXPECT_EQ(Call("DELETE", "/things/7").body, "\"delete\"");
}

TEST_F(RouterTest, PathParamsArePercentDecoded) {
  http::Response res = Call("GET", "/things/a%20b");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "\"a b\"");
}

TEST_F(RouterTest, UnknownPathIsJson404) {
  for (const char* target : {"/nope", "/things/1/extra", "/things/", "/", "//things"}) {
    http::Response res = Call("GET", target);
    EXPECT_EQ(res.status, 404) << target;
    const auto body = boost::json::parse(res.body);
    EXPECT_EQ(body.at("error").at("code").as_string(), "NOT_FOUND");
    EXPECT_EQ(body.at("error").at("request_id").as_string(), "rid-router");
  }
}

TEST_F(RouterTest, WrongMethodIs405WithAllow) {
  http::Response res = Call("PUT", "/things");
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(HeaderOf(res, "Allow"), "GET, POST");
  EXPECT_EQ(boost::json::parse(res.body).at("error").at("code").as_string(), "METHOD_NOT_ALLOWED");
  res = Call("POST", "/things/9");
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(HeaderOf(res, "Allow"), "DELETE, GET");
}

TEST_F(RouterTest, HandlerExceptionIs500) {
  http::Response res = Call("GET", "/boom");
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(boost::json::parse(res.body).at("error").at("code").as_string(), "INTERNAL");
  EXPECT_EQ(res.body.find("handler bug"), std::string::npos);
}

TEST_F(RouterTest, MetricsUseTheRoutePatternNotThePath) {
  auto& requests = metrics::Registry::Default().AddCounter("gateway_http_requests_total", "",
                                                           {"route", "method", "code"});
  const double before = requests.Value({"/things/{id}", "GET", "200"});
  const double unmatched_before = requests.Value({"unmatched", "GET", "404"});
  Call("GET", "/things/123");
  Call("GET", "/things/456");
  Call("GET", "/no/such/thing");
  EXPECT_EQ(requests.Value({"/things/{id}", "GET", "200"}), before + 2);
  EXPECT_EQ(requests.Value({"unmatched", "GET", "404"}), unmatched_before + 1);
  EXPECT_EQ(requests.Value({"/things/123", "GET", "200"}), 0);
  const std::string text = metrics::Registry::Default().Render();
  EXPECT_NE(text.find("gateway_http_request_duration_seconds"), std::string::npos);
}

TEST(RouterBodyCapTest, EachRouteHasItsOwnCap) {
  Router router(/*max_body_bytes=*/10);
  int calls = 0;
  auto count = [&calls](http::Request&, const PathParams&) -> awaitable<http::Response> {
    ++calls;
    co_return http::Response::Json(200, "{}");
  };
  router.Add("POST", "/small", count);
  router.Add("POST", "/large", count, 100);
  auto post = [&router](std::string target, size_t bytes) {
    http::Request req = MakeRequest("POST", std::move(target));
    req.body.assign(bytes, 'x');
    return RunSync(router.Handle(req)).status;
  };
  EXPECT_EQ(post("/small", 10), 200);
  EXPECT_EQ(post("/small", 11), 413);
  EXPECT_EQ(post("/large", 100), 200);
  EXPECT_EQ(post("/large", 101), 413);
  EXPECT_EQ(calls, 2);
}

TEST_F(RouterTest, InventedMethodsShareOneLabel) {
  auto& requests = metrics::Registry::Default().AddCounter("gateway_http_requests_total", "",
                                                           {"route", "method", "code"});
  const double before = requests.Value({"/things", "OTHER", "405"});
  Call("BREW", "/things");
  EXPECT_EQ(requests.Value({"/things", "OTHER", "405"}), before + 1);
}

}  // namespace
}  // namespace paymesh::gateway
