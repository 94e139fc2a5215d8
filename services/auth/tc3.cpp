#include "services/auth/tc3.h"

#include <ctime>

#include "common/crypto/crypto.h"

namespace paymesh::auth {
namespace {

std::string UtcDate(int64_t timestamp) {
  std::time_t t = static_cast<std::time_t>(timestamp);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
  return buf;
}

std::string Hex(std::string_view bytes) { return crypto::HexLower(bytes); }

}  // namespace

std::string Tc3Authorization(const Tc3Request& r) {
  const std::string date = UtcDate(r.timestamp);
  std::string canonical = "POST\n/\n\n";
  canonical.append("content-type:").append(r.content_type).append("\n");
  canonical.append("host:").append(r.host).append("\n\n");
  canonical.append("content-type;host\n");
  canonical.append(Hex(crypto::Sha256(r.payload)));

  std::string scope = date;
  scope.append("/").append(r.service).append("/tc3_request");
  std::string to_sign = "TC3-HMAC-SHA256\n" + std::to_string(r.timestamp) + "\n" + scope + "\n" +
                        Hex(crypto::Sha256(canonical));

  const std::string secret_date = crypto::HmacSha256("TC3" + std::string(r.secret_key), date);
  const std::string secret_service = crypto::HmacSha256(secret_date, r.service);
  const std::string secret_signing = crypto::HmacSha256(secret_service, "tc3_request");
  const std::string signature = Hex(crypto::HmacSha256(secret_signing, to_sign));

  std::string out = "TC3-HMAC-SHA256 Credential=";
  out.append(r.secret_id).append("/").append(scope);
  out.append(", SignedHeaders=content-type;host, Signature=").append(signature);
  return out;
}

}  // namespace paymesh::auth
