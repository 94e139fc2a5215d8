#include "common/wechatpay/signing.h"

#include <charconv>
#include <cstdlib>
#include <initializer_list>
#include <map>

#include "common/crypto/crypto.h"

namespace paymesh::wechatpay {
namespace {

// Joins the pieces, each followed by '\n' (the last one too), as every signing string is built.
std::string Lines(std::initializer_list<std::string_view> pieces) {
  size_t n = 0;
  for (std::string_view p : pieces) n += p.size() + 1;
  std::string out;
  out.reserve(n);
  for (std::string_view p : pieces) {
    out.append(p);
    out.push_back('\n');
  }
  return out;
}

}  // namespace

std::string RequestMessage(std::string_view method, std::string_view canonical_url,
                           std::string_view timestamp, std::string_view nonce,
                           std::string_view body) {
  return Lines({method, canonical_url, timestamp, nonce, body});
}

std::string ResponseMessage(std::string_view timestamp, std::string_view nonce,
                            std::string_view body) {
  return Lines({timestamp, nonce, body});
}

std::string FormatAuthorization(const Authorization& a) {
  return std::string(kAuthScheme) + " mchid=\"" + a.mchid + "\",nonce_str=\"" + a.nonce_str +
         "\",timestamp=\"" + a.timestamp + "\",serial_no=\"" + a.serial_no + "\",signature=\"" +
         a.signature + "\"";
}

absl::StatusOr<Authorization> ParseAuthorization(std::string_view header) {
  constexpr size_t kMaxHeader = 2048;
  if (header.size() > kMaxHeader) return absl::InvalidArgumentError("Authorization too long");
  std::string_view scheme = kAuthScheme;
  if (header.substr(0, scheme.size()) != scheme || header.size() <= scheme.size() ||
      header[scheme.size()] != ' ') {
    return absl::InvalidArgumentError("Authorization scheme is not WECHATPAY2-SHA256-RSA2048");
  }
  std::string_view rest = header.substr(scheme.size() + 1);
  std::map<std::string, std::string, std::less<>> params;
  while (!rest.empty()) {
    size_t eq = rest.find('=');
    if (eq == std::string_view::npos || eq + 1 >= rest.size() || rest[eq + 1] != '"') {
      return absl::InvalidArgumentError("Authorization parameter is not key=\"value\"");
    }
    std::string_view key = rest.substr(0, eq);
    size_t close = rest.find('"', eq + 2);
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError("Authorization parameter is not closed");
    }
    std::string_view value = rest.substr(eq + 2, close - eq - 2);
    if (!params.emplace(std::string(key), std::string(value)).second) {
      return absl::InvalidArgumentError("Authorization repeats " + std::string(key));
    }
    rest = rest.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ',') return absl::InvalidArgumentError("Authorization parameters need ','");
      rest = rest.substr(1);
    }
  }
  Authorization a;
  const std::pair<const char*, std::string*> fields[] = {{"mchid", &a.mchid},
                                                         {"nonce_str", &a.nonce_str},
                                                         {"timestamp", &a.timestamp},
                                                         {"serial_no", &a.serial_no},
                                                         {"signature", &a.signature}};
  for (const auto& [name, out] : fields) {
    auto it = params.find(name);
    if (it == params.end() || it->second.empty()) {
      return absl::InvalidArgumentError(std::string("Authorization lacks ") + name);
    }
    *out = std::move(it->second);
    params.erase(it);
  }
  if (!params.empty()) {
    return absl::InvalidArgumentError("Authorization has unknown parameter " +
                                      params.begin()->first);
  }
  return a;
}

std::string PaySignMessage(std::string_view app_id, std::string_view time_stamp,
                           std::string_view nonce_str, std::string_view package) {
  std::string out;
  for (std::string_view line : {app_id, time_stamp, nonce_str, package}) {
    out.append(line).push_back('\n');
  }
  return out;
}

PaymentBridge SignPaymentBridge(const crypto::RsaPrivateKey& key, std::string_view app_id,
                                std::string_view prepay_id, int64_t timestamp,
                                std::string_view nonce) {
  PaymentBridge b;
  b.app_id = std::string(app_id);
  b.time_stamp = std::to_string(timestamp);
  b.nonce_str = std::string(nonce);
  b.package = "prepay_id=" + std::string(prepay_id);
  b.pay_sign = crypto::Base64Encode(
      key.SignSha256(PaySignMessage(b.app_id, b.time_stamp, b.nonce_str, b.package)));
  return b;
}

std::string SignRequest(const crypto::RsaPrivateKey& key, std::string_view mchid,
                        std::string_view serial_no, std::string_view method,
                        std::string_view canonical_url, std::string_view body, int64_t timestamp,
                        std::string_view nonce) {
  std::string ts = std::to_string(timestamp);
  Authorization a;
  a.mchid = std::string(mchid);
  a.nonce_str = std::string(nonce);
  a.timestamp = ts;
  a.serial_no = std::string(serial_no);
  a.signature =
      crypto::Base64Encode(key.SignSha256(RequestMessage(method, canonical_url, ts, nonce, body)));
  return FormatAuthorization(a);
}

absl::Status CheckTimestamp(std::string_view timestamp, int64_t now) {
  int64_t ts = 0;
  if (timestamp.empty() || timestamp.size() > 12) {
    return absl::UnauthenticatedError("timestamp missing or malformed");
  }
  auto [end, ec] = std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), ts);
  if (ec != std::errc() || end != timestamp.data() + timestamp.size() || ts < 0) {
    return absl::UnauthenticatedError("timestamp missing or malformed");
  }
  int64_t skew = now > ts ? now - ts : ts - now;
  if (skew >= kMaxClockSkewSeconds) {
    return absl::UnauthenticatedError("timestamp outside the 5 minute window");
  }
  return absl::OkStatus();
}

std::string NewNonce() { return crypto::RandomAlnum(32); }

}  // namespace paymesh::wechatpay
