#include "services/auth/jssdk.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "common/crypto/crypto.h"

namespace paymesh::auth {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = absl::ascii_tolower(static_cast<unsigned char>(c));
  return out;
}

}  // namespace

std::string JsSdkSignature(std::string_view jsapi_ticket, std::string_view noncestr,
                           int64_t timestamp, std::string_view url) {
  // Field names in ASCII order, as WeChat specifies.
  std::string string1 = "jsapi_ticket=";
  string1.append(jsapi_ticket).append("&noncestr=").append(noncestr);
  string1.append("&timestamp=").append(std::to_string(timestamp)).append("&url=").append(url);
  return crypto::HexLower(crypto::Sha1(string1));
}

std::string OriginOf(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "";
  const std::string scheme = Lower(url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") return "";
  const size_t host_begin = scheme_end + 3;
  const size_t host_end = url.find_first_of("/?#", host_begin);
  std::string_view authority = url.substr(host_begin, host_end - host_begin);
  if (authority.empty()) return "";
  return scheme + "://" + Lower(authority);
}

absl::StatusOr<std::string> PageUrlToSign(std::string_view url,
                                          const std::vector<std::string>& allowed_origins) {
  if (url.empty()) return absl::InvalidArgumentError("url is required");
  if (url.size() > kMaxPageUrlBytes) {
    return absl::InvalidArgumentError("url must be at most 2048 bytes");
  }
  if (!std::all_of(url.begin(), url.end(), [](char c) { return c > ' ' && c < 0x7f; })) {
    return absl::InvalidArgumentError("url must be printable ASCII without spaces (as encoded)");
  }
  const std::string origin = OriginOf(url);
  if (origin.empty()) return absl::InvalidArgumentError("url must be an absolute http(s) URL");
  if (std::find(allowed_origins.begin(), allowed_origins.end(), origin) == allowed_origins.end()) {
    return absl::InvalidArgumentError("url is not on an allowed origin");
  }
  return std::string(url.substr(0, url.find('#')));
}

}  // namespace paymesh::auth
