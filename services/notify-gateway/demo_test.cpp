// The demo page: embedded byte for byte, served on / and /demo with a CSP that admits exactly the
// page's own inline code and the configured simulator, and consistent with the API it calls.

#include "services/notify-gateway/handlers/demo.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cctype>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "services/notify-gateway/gateway.h"
#include "services/notify-gateway/testing/fake_upstreams.h"
#include "services/notify-gateway/testing/harness.h"

namespace paymesh::gateway {
namespace {

using testing::HeaderOf;

// Tests run in the source tree (paymesh_test's WORKING_DIRECTORY).
std::string ReadSourceFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every route the gateway serves is in its OpenAPI document and every operation of the document
// is a route: neither can be added without the other. (The e2e suites check every answer's
// status, content type and body against the document.)
TEST(OpenApiDocumentTest, DescribesExactlyTheRoutesServed) {
  EXPECT_EQ(EmbeddedOpenApiJson(), ReadSourceFile("services/notify-gateway/openapi.json"));
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(EmbeddedOpenApiJson(), ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(doc.at("openapi"), "3.1.0");
  std::set<std::pair<std::string, std::string>> documented;
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [method, op] : item.as_object()) {
      std::string upper(method);
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented.emplace(upper, std::string(path));
    }
  }
  testing::FakeUpstreams upstreams;
  std::unique_ptr<Router> router = BuildRouter(RouterOptions{}, upstreams);
  std::set<std::pair<std::string, std::string>> served;
  for (const auto& route : router->Routes()) served.insert(route);
  for (const auto& route : served) {
    EXPECT_TRUE(documented.count(route)) << route.first << " " << route.second << " undocumented";
  }
  for (const auto& op : documented) {
    EXPECT_TRUE(served.count(op)) << op.first << " " << op.second << " documented, not served";
  }
}

TEST(DemoPageTest, TheBinaryCarriesThePageAsWritten) {
  const std::string source = ReadSourceFile("services/notify-gateway/demo/index.html");
  ASSERT_FALSE(source.empty()) << "run from the repository root";
  EXPECT_EQ(EmbeddedDemoHtml(), source);
}

TEST(DemoPageTest, PolicyHashesExactlyTheInlineScriptsAndStyles) {
  // sha256("alert(1)") and sha256("b{}"), base64 (computed with openssl dgst).
  const DemoPage page = BuildDemoPage(
      "<html><head><meta name=\"paymesh-sim-url\" content=\"{{PAYMESH_SIM_URL}}\">"
      "<style>b{}</style></head><body><script>alert(1)</script>"
      "<script src=\"/x.js\"></script></body></html>",
      "http://sim.local:8090");
  EXPECT_EQ(page.content_security_policy,
            "default-src 'self'; "
            "script-src 'self' http://sim.local:8090 "
            "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='; "
            "style-src 'self' 'sha256-7yqHVAesot11p6HczDsgKRipvI5UPgs97z80zNXlans='; "
            "img-src 'self' blob:; connect-src 'self' http://sim.local:8090; object-src 'none'; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  EXPECT_NE(page.html.find("content=\"http://sim.local:8090\""), std::string::npos);
  EXPECT_EQ(page.html.find("{{"), std::string::npos);
}

TEST(DemoPageTest, CrLfIsHashedAsBrowsersSeeIt) {
  const DemoPage crlf = BuildDemoPage("<script>alert(1)\r\n</script>", "http://s:1");
  const DemoPage lf = BuildDemoPage("<script>alert(1)\n</script>", "http://s:1");
  EXPECT_EQ(crlf.content_security_policy, lf.content_security_policy);
  EXPECT_EQ(crlf.html, lf.html);
}

class DemoRoutesTest : public testing::GatewayHarness {};

// Without a configured simulator (production) the page trusts no origin but its own.
TEST_F(DemoRoutesTest, WithoutASimulatorThePageTrustsOnlyItself) {
  const std::string csp = HeaderOf(Call("GET", "/"), "Content-Security-Policy");
  EXPECT_EQ(csp, BuildDemoPage(EmbeddedDemoHtml(), "").content_security_policy);
  EXPECT_NE(csp.find("connect-src 'self';"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("http"), std::string::npos) << csp;
}

TEST_F(DemoRoutesTest, ServedOnRootAndDemoWithAStrictPolicy) {
  RouterOptions options;
  options.demo_sim_url = "http://127.0.0.1:8090";
  Build(options);
  for (const char* target : {"/", "/demo"}) {
    http::Response res = Call("GET", target);
    ASSERT_EQ(res.status, 200) << target;
    EXPECT_EQ(HeaderOf(res, "Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(HeaderOf(res, "X-Content-Type-Options"), "nosniff");
    const std::string csp = HeaderOf(res, "Content-Security-Policy");
    EXPECT_EQ(csp,
              BuildDemoPage(EmbeddedDemoHtml(), "http://127.0.0.1:8090").content_security_policy);
    EXPECT_EQ(csp.find("unsafe"), std::string::npos) << csp;
    EXPECT_NE(csp.find("connect-src 'self' http://127.0.0.1:8090;"), std::string::npos) << csp;
    // One inline script and one inline style, each admitted by its hash only; scripts also
    // from the simulator (its stand-in for WeChat's JS bridge).
    EXPECT_NE(std::regex_search(csp, std::regex("script-src 'self' http://127.0.0.1:8090 "
                                                "'sha256-[A-Za-z0-9+/]{43}=';")),
              false)
        << csp;
    EXPECT_NE(std::regex_search(csp, std::regex("style-src 'self' 'sha256-[A-Za-z0-9+/]{43}=';")),
              false)
        << csp;
    EXPECT_NE(res.body.find("<meta name=\"paymesh-sim-url\" content=\"http://127.0.0.1:8090\">"),
              std::string::npos);
  }
  EXPECT_EQ(fake_.calls(), 0u);
}

TEST_F(DemoRoutesTest, TheSimulatorOriginComesFromTheOptions) {
  RouterOptions options;
  options.demo_sim_url = "https://sim.example.com:9443";
  Build(options);
  http::Response res = Call("GET", "/demo");
  EXPECT_NE(HeaderOf(res, "Content-Security-Policy")
                .find("connect-src 'self' https://sim.example.com:9443;"),
            std::string::npos);
  EXPECT_NE(res.body.find("content=\"https://sim.example.com:9443\""), std::string::npos);
}

TEST(DemoPageTest, ThePageUsesTheRoutesTheGatewayServes) {
  const std::string html(EmbeddedDemoHtml());
  // No inline event handlers or style attributes: the policy would block them.
  EXPECT_FALSE(std::regex_search(html, std::regex(R"(\son[a-z]+\s*=\s*["'])")));
  EXPECT_EQ(html.find("style=\""), std::string::npos);
  for (const char* used : {"'/api/v1/auth/register'",
                           "'/api/v1/auth/login'",
                           "'/api/v1/auth/logout'",
                           "'/api/v1/me'",
                           "'/api/v1/auth/sms'",
                           "'/api/v1/auth/sms/login'",
                           "/api/v1/auth/wechat/authorize?scope=",
                           "'/api/v1/products'",
                           "'/api/v1/orders'",
                           "`/api/v1/orders/${enc(orderId)}/pay`",
                           "`/api/v1/orders/${enc(orderId)}/qrcode.png`",
                           "`/api/v1/orders/${enc(orderId)}`",
                           "`/api/v1/orders/${enc(orderId)}/events`",
                           "/cancel`",
                           "`/api/v1/orders/${enc(shown)}/refunds`",
                           "p.code_url",
                           "p.h5_url",
                           "p.jsapi",
                           "p.expires_at",
                           "o.paid_at",
                           "'Idempotency-Key'",
                           "paymesh-sim-url"}) {
    EXPECT_NE(html.find(used), std::string::npos) << used;
  }
}

}  // namespace
}  // namespace paymesh::gateway
