#pragma once

// GET / and GET /demo: the demo shop page (demo/index.html, compiled into the binary) under a
// strict Content-Security-Policy; GET /openapi.json: the API's OpenAPI 3.1 document
// (openapi.json, compiled in; the e2e suites check every response against it). Served with the
// REST API (route modes all and api).

#include <memory>
#include <string>
#include <string_view>

#include "services/notify-gateway/router.h"

namespace paymesh::gateway {

// The texts of demo/index.html and openapi.json (generated at build time).
std::string_view EmbeddedDemoHtml();
std::string_view EmbeddedOpenApiJson();

struct DemoPage {
  std::string html;
  std::string content_security_policy;
};

// The page with the simulator origin filled into its `{{PAYMESH_SIM_URL}}` placeholder, and a
// policy that allows 'self', exactly the page's own inline <script> and <style> elements (by
// SHA-256), the simulator's scripts (its WeChat JS bridge, standing in for WeChat's own), blob:
// images (the QR code) and connections to the simulator. `sim_origin` must be
// an origin (config checks it).
DemoPage BuildDemoPage(std::string_view html_template, std::string_view sim_origin);

void AddDemoRoutes(Router& router, std::string_view sim_origin);

}  // namespace paymesh::gateway
