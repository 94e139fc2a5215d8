// ParseUrl. Error messages never quote the URL: it may carry the password.

#include <charconv>
#include <string>
#include <string_view>

#include "common/redis/client.h"

namespace paymesh::redis {
namespace {

constexpr std::string_view kScheme = "redis://";

bool ParseInt(std::string_view text, int min, int max, int* out) {
  if (text.empty() || text.size() > 10) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  long long v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v < min || v > max) return false;
  *out = static_cast<int>(v);
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding, so passwords may contain '@', ':' or '/'.
bool PercentDecode(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = HexValue(in[i + 1]);
    const int lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

absl::Status Invalid(std::string_view why) {
  return absl::InvalidArgumentError(std::string("invalid Redis URL: ") + std::string(why));
}

}  // namespace

absl::StatusOr<Options> ParseUrl(std::string_view url) {
  if (!url.starts_with(kScheme)) return Invalid("the scheme must be redis://");
  std::string_view rest = url.substr(kScheme.size());
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return Invalid("query strings and fragments are not supported");
  }
  Options opts;
  std::string_view authority = rest;
  if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && !ParseInt(db, 0, 1 << 30, &opts.db)) {
      return Invalid("the database must be a non-negative integer");
    }
  }
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    if (userinfo.empty() || userinfo[0] != ':') {
      return Invalid("only a password is supported, as redis://:password@host");
    }
    if (!PercentDecode(userinfo.substr(1), &opts.password)) {
      return Invalid("bad percent-encoding in the password");
    }
  }
  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {  // [IPv6]:port
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Invalid("unterminated IPv6 address");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return Invalid("unexpected text after the IPv6 address");
      port = after.substr(1);
      if (port.empty()) return Invalid("empty port");
    }
  } else if (size_t colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) return Invalid("empty port");
  }
  if (host.empty()) return Invalid("missing host");
  opts.host = std::string(host);
  if (!port.empty() && !ParseInt(port, 1, 65535, &opts.port)) {
    return Invalid("the port must be an integer in 1-65535");
  }
  return opts;
}

}  // namespace paymesh::redis
