#pragma once

// Plain HTTP request/response values exchanged with handlers; no Beast types, so handler code
// compiles without Beast.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace paymesh::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // raw request target: path + "?" + query, as received
  std::vector<std::pair<std::string, std::string>> headers;  // as received, in order
  std::string body;
  std::string remote_ip;
  std::string request_id;  // assigned by the server (from a sane X-Request-Id, or generated)

  // First header with this name (case-insensitive), or "".
  std::string_view Header(std::string_view name) const;
  std::string_view Path() const;   // target before '?'
  std::string_view Query() const;  // target after '?', or ""
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  void SetHeader(std::string name, std::string value);
  static Response Json(int status, std::string body);
  static Response Text(int status, std::string body, std::string content_type = "text/plain");
};

// Value of the first query parameter `name`, or nullopt. Names and values are percent-decoded
// and '+' is read as a space (form encoding).
std::optional<std::string> QueryParam(std::string_view query, std::string_view name);
std::string PercentDecode(std::string_view s);
std::string PercentEncode(std::string_view s);

// True for 1-128 characters of [A-Za-z0-9._-]: an incoming X-Request-Id worth echoing.
bool IsSaneRequestId(std::string_view id);
// A fresh request id: 32 lowercase hex characters from the CSPRNG.
std::string NewRequestId();

}  // namespace paymesh::http
