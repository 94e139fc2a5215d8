#include "common/wechatpay/certificates.h"

#include <boost/json.hpp>
#include <chrono>

#include "common/error/status_macros.h"
#include "common/time/rfc3339.h"
#include "common/wechatpay/json_fields.h"

namespace paymesh::wechatpay {
namespace {

namespace json = boost::json;
using json_fields::Str;

constexpr size_t kMaxSerial = 64;
constexpr size_t kMaxTime = 32;
constexpr size_t kMaxCiphertext = 16 * 1024;

std::string ChinaTime(int64_t unix_seconds) {
  return time::FormatChina(
      std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds)));
}

}  // namespace

absl::StatusOr<std::vector<EncryptedCertificate>> ParseCertificateList(std::string_view body) {
  ASSIGN_OR_RETURN(json::object obj, json_fields::ParseObject(body, "certificate list"));
  const json::value* data = obj.if_contains("data");
  if (data == nullptr || !data->is_array()) {
    return absl::InvalidArgumentError("certificate list has no data array");
  }
  if (data->as_array().size() > kMaxCertificates) {
    return absl::InvalidArgumentError("certificate list is too long");
  }
  std::vector<EncryptedCertificate> out;
  for (const json::value& item : data->as_array()) {
    if (!item.is_object()) return absl::InvalidArgumentError("certificate entry is not an object");
    const json::object& o = item.as_object();
    EncryptedCertificate c;
    RETURN_IF_ERROR(Str(o, "serial_no", kMaxSerial, true, &c.serial_no));
    RETURN_IF_ERROR(Str(o, "effective_time", kMaxTime, false, &c.effective_time));
    RETURN_IF_ERROR(Str(o, "expire_time", kMaxTime, false, &c.expire_time));
    const json::value* enc = o.if_contains("encrypt_certificate");
    if (enc == nullptr || !enc->is_object()) {
      return absl::InvalidArgumentError("encrypt_certificate is missing or not an object");
    }
    const json::object& eo = enc->as_object();
    Resource& r = c.encrypt_certificate;
    RETURN_IF_ERROR(Str(eo, "algorithm", 32, true, &r.algorithm));
    RETURN_IF_ERROR(Str(eo, "nonce", 16, true, &r.nonce));
    RETURN_IF_ERROR(Str(eo, "associated_data", 16, false, &r.associated_data));
    RETURN_IF_ERROR(Str(eo, "ciphertext", kMaxCiphertext, true, &r.ciphertext));
    out.push_back(std::move(c));
  }
  return out;
}

std::string SerializeCertificateList(const std::vector<EncryptedCertificate>& certificates) {
  json::array data;
  for (const EncryptedCertificate& c : certificates) {
    const Resource& r = c.encrypt_certificate;
    data.push_back(
        json::object{{"serial_no", c.serial_no},
                     {"effective_time", c.effective_time},
                     {"expire_time", c.expire_time},
                     {"encrypt_certificate", json::object{{"algorithm", r.algorithm},
                                                          {"nonce", r.nonce},
                                                          {"associated_data", r.associated_data},
                                                          {"ciphertext", r.ciphertext}}}});
  }
  return json::serialize(json::object{{"data", std::move(data)}});
}

absl::StatusOr<EncryptedCertificate> SealCertificate(std::string_view pem,
                                                     std::string_view apiv3_key,
                                                     const crypto::Certificate& certificate) {
  ASSIGN_OR_RETURN(Resource sealed,
                   EncryptResource(pem, apiv3_key, "", kCertificateAssociatedData));
  return EncryptedCertificate{certificate.serial, ChinaTime(certificate.not_before),
                              ChinaTime(certificate.not_after), std::move(sealed)};
}

absl::StatusOr<crypto::Certificate> OpenCertificate(const EncryptedCertificate& certificate,
                                                    std::string_view apiv3_key) {
  ASSIGN_OR_RETURN(std::string pem, DecryptResource(certificate.encrypt_certificate, apiv3_key));
  absl::StatusOr<crypto::Certificate> cert = crypto::ParseCertificatePem(pem);
  if (!cert.ok()) return absl::InvalidArgumentError("decrypted certificate is not a certificate");
  if (cert->serial != certificate.serial_no) {
    return absl::InvalidArgumentError("certificate serial differs from serial_no");
  }
  return cert;
}

}  // namespace paymesh::wechatpay
