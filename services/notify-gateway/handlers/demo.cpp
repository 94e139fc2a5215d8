#include "services/notify-gateway/handlers/demo.h"

#include <utility>
#include <vector>

#include "absl/strings/str_join.h"
#include "common/crypto/crypto.h"
#include "common/strings/html.h"

namespace paymesh::gateway {
namespace {

using boost::asio::awaitable;

constexpr std::string_view kSimUrlPlaceholder = "{{PAYMESH_SIM_URL}}";

std::string ReplaceAll(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  size_t pos = 0;
  for (size_t hit; (hit = text.find(from, pos)) != std::string_view::npos;
       pos = hit + from.size()) {
    out.append(text.substr(pos, hit - pos)).append(to);
  }
  return out.append(text.substr(pos));
}

// 'sha256-…' sources for the contents of every inline <tag>…</tag> element (those without src).
std::vector<std::string> InlineHashes(std::string_view html, std::string_view tag) {
  const std::string open = "<" + std::string(tag);
  const std::string close = "</" + std::string(tag) + ">";
  std::vector<std::string> hashes;
  size_t pos = 0;
  while ((pos = html.find(open, pos)) != std::string_view::npos) {
    const size_t content = html.find('>', pos);
    if (content == std::string_view::npos) break;
    const size_t end = html.find(close, content);
    if (end == std::string_view::npos) break;
    const std::string_view opening = html.substr(pos, content - pos);
    const bool is_element = opening.size() == open.size() || opening[open.size()] == ' ';
    if (is_element && opening.find(" src=") == std::string_view::npos) {
      const std::string_view body = html.substr(content + 1, end - content - 1);
      hashes.push_back("'sha256-" + crypto::Base64Encode(crypto::Sha256(body)) + "'");
    }
    pos = end + close.size();
  }
  return hashes;
}

}  // namespace

DemoPage BuildDemoPage(std::string_view html_template, std::string_view sim_origin) {
  DemoPage page;
  // Browsers hash inline elements after turning CRLF into LF.
  page.html = ReplaceAll(html_template, "\r\n", "\n");
  page.html = ReplaceAll(page.html, kSimUrlPlaceholder, strings::EscapeHtml(sim_origin));
  const std::string scripts = absl::StrJoin(InlineHashes(page.html, "script"), " ");
  const std::string styles = absl::StrJoin(InlineHashes(page.html, "style"), " ");
  // The simulator, when one is configured (development), is trusted for its bridge script and
  // control calls; in production nothing but the page itself.
  const std::string sim = sim_origin.empty() ? "" : " " + std::string(sim_origin);
  page.content_security_policy = "default-src 'self'; script-src 'self'" + sim + " " + scripts +
                                 "; style-src 'self' " + styles +
                                 "; img-src 'self' blob:; connect-src 'self'" + sim +
                                 "; object-src 'none'; base-uri 'none'; form-action 'none'; "
                                 "frame-ancestors 'none'";
  return page;
}

void AddDemoRoutes(Router& router, std::string_view sim_origin) {
  auto page = std::make_shared<const DemoPage>(BuildDemoPage(EmbeddedDemoHtml(), sim_origin));
  RouteHandler serve = [page](http::Request&, const PathParams&) -> awaitable<http::Response> {
    http::Response res = http::Response::Text(200, page->html, "text/html; charset=utf-8");
    res.SetHeader("Content-Security-Policy", page->content_security_policy);
    res.SetHeader("X-Content-Type-Options", "nosniff");
    res.SetHeader("Referrer-Policy", "no-referrer");
    res.SetHeader("Cache-Control", "no-cache");
    co_return res;
  };
  router.Add("GET", "/", serve);
  router.Add("GET", "/demo", std::move(serve));
  router.Add("GET", "/openapi.json",
             [](http::Request&, const PathParams&) -> awaitable<http::Response> {
               http::Response res = http::Response::Json(200, std::string(EmbeddedOpenApiJson()));
               res.SetHeader("Cache-Control", "no-cache");
               res.SetHeader("Access-Control-Allow-Origin", "*");  // for API explorers
               co_return res;
             });
}

}  // namespace paymesh::gateway
