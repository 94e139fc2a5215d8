#include "services/auth/sms_sender.h"

#include <boost/json.hpp>

#include "common/log/log.h"
#include "services/auth/tc3.h"

namespace paymesh::auth {
namespace {

namespace json = boost::json;

constexpr char kContentType[] = "application/json; charset=utf-8";
constexpr size_t kMaxAnswerBytes = 64 * 1024;

std::string HostOf(const std::string& url) {
  const size_t start = url.find("://");
  std::string host = start == std::string::npos ? url : url.substr(start + 3);
  return host.substr(0, host.find('/'));
}

absl::Status Delivery(const absl::StatusOr<http::ClientResponse>& res, const char* who) {
  if (!res.ok()) return absl::Status(res.status().code(), std::string(who) + ": transport failed");
  if (res->status / 100 != 2) {
    return absl::UnavailableError(std::string(who) + " answered HTTP " +
                                  std::to_string(res->status));
  }
  return absl::OkStatus();
}

// Tencent answers 200 even for errors: {"Response":{"Error":{...}}}, or a SendStatusSet whose
// entry's Code is not "Ok".
bool Accepted(const std::string& body) {
  if (body.size() > kMaxAnswerBytes) return false;
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return false;
  const json::value* set = nullptr;
  if (const json::value* response = v.is_object() ? v.as_object().if_contains("Response") : nullptr;
      response != nullptr && response->is_object()) {
    set = response->as_object().if_contains("SendStatusSet");
  }
  if (set == nullptr || !set->is_array() || set->as_array().empty()) return false;
  const json::value& first = set->as_array().front();
  const json::value* code = first.is_object() ? first.as_object().if_contains("Code") : nullptr;
  return code != nullptr && code->is_string() && code->as_string() == "Ok";
}

}  // namespace

std::string SmsText(const std::string& code, std::chrono::seconds valid_for) {
  return "【paymesh】验证码 " + code + "，" + std::to_string(valid_for.count() / 60) +
         " 分钟内有效。如非本人操作，请忽略本短信。";
}

absl::Status DevSmsSender::Send(const std::string& mobile, const std::string& code,
                                std::chrono::seconds valid_for) {
  http::ClientRequest req;
  req.method = "POST";
  req.url = url_;
  req.timeout = timeout_;
  req.headers.emplace_back("Content-Type", "application/json");
  req.body = json::serialize(json::object{{"mobile", mobile}, {"text", SmsText(code, valid_for)}});
  absl::Status st = Delivery(transport_.Send(req), "dev SMS sink");
  log::Info("sms handed to the dev sender", {{"mobile", log::MaskMobile(mobile)}, {"ok", st.ok()}});
  return st;
}

http::ClientRequest TencentSmsSender::BuildRequest(const std::string& mobile,
                                                   const std::string& code,
                                                   std::chrono::seconds valid_for,
                                                   int64_t timestamp) const {
  const std::string host = HostOf(options_.endpoint);
  http::ClientRequest req;
  req.method = "POST";
  req.url = options_.endpoint + "/";
  req.timeout = options_.timeout;
  req.body = json::serialize(json::object{
      {"PhoneNumberSet", json::array{"+86" + mobile}},
      {"SmsSdkAppId", options_.sdk_app_id},
      {"SignName", options_.sign_name},
      {"TemplateId", options_.template_id},
      {"TemplateParamSet", json::array{code, std::to_string(valid_for.count() / 60)}}});
  req.headers = {
      {"Authorization", Tc3Authorization({.secret_id = options_.secret_id,
                                          .secret_key = options_.secret_key.Reveal(),
                                          .service = "sms",
                                          .host = host,
                                          .content_type = kContentType,
                                          .payload = req.body,
                                          .timestamp = timestamp})},
      {"Content-Type", kContentType},
      {"Host", host},
      {"X-TC-Action", "SendSms"},
      {"X-TC-Timestamp", std::to_string(timestamp)},
      {"X-TC-Version", "2021-01-11"},
      {"X-TC-Region", options_.region},
  };
  return req;
}

absl::Status TencentSmsSender::Send(const std::string& mobile, const std::string& code,
                                    std::chrono::seconds valid_for) {
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch()).count();
  absl::StatusOr<http::ClientResponse> res =
      transport_.Send(BuildRequest(mobile, code, valid_for, now));
  absl::Status st = Delivery(res, "Tencent Cloud SMS");
  if (st.ok() && !Accepted(res->body)) {
    st = absl::UnavailableError("Tencent Cloud SMS refused the message");
  }
  log::Info("sms sent through Tencent Cloud",
            {{"mobile", log::MaskMobile(mobile)}, {"ok", st.ok()}});
  return st;
}

}  // namespace paymesh::auth
