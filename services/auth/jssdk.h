#pragma once

// The JS-SDK `wx.config` signature (protocol: WeChat's JS-SDK docs, appendix 1):
//   sha1("jsapi_ticket=<t>&noncestr=<n>&timestamp=<s>&url=<u>"), lowercase hex,
// over raw values (no URL encoding), where <u> is the page URL exactly as the page reports it
// (location.href) without "#" and what follows. Pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace paymesh::auth {

inline constexpr size_t kMaxPageUrlBytes = 2048;

std::string JsSdkSignature(std::string_view jsapi_ticket, std::string_view noncestr,
                           int64_t timestamp, std::string_view url);

// The URL to sign for a page that sent `url`: the same bytes up to any "#". INVALID_ARGUMENT
// unless it is an absolute http(s) URL of printable ASCII (at most kMaxPageUrlBytes) whose
// origin (scheme://host[:port], compared case-insensitively) is one of `allowed_origins`.
absl::StatusOr<std::string> PageUrlToSign(std::string_view url,
                                          const std::vector<std::string>& allowed_origins);

// The origin of an absolute http(s) URL, lowercased, or "" when it has none.
std::string OriginOf(std::string_view url);

}  // namespace paymesh::auth
