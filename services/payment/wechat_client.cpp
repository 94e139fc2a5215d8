#include "services/payment/wechat_client.h"

#include <boost/json.hpp>
#include <future>
#include <memory>
#include <thread>
#include <utility>

#include "common/error/status_macros.h"
#include "common/log/log.h"
#include "common/strings/utf8.h"
#include "common/wechatpay/signing.h"

namespace paymesh::payment {
namespace {

using std::chrono::milliseconds;

constexpr size_t kMaxCodeUrlBytes = 512;  // code_url and h5_url
constexpr size_t kMaxPrepayIdBytes = 64;
constexpr std::chrono::microseconds kMaxKeyWait = std::chrono::seconds(2);

struct WechatError {
  std::string code;
  std::string message;
};

// {"code","message","detail"?}; anything else leaves both empty. `detail` may echo what was
// signed, so it is never read.
WechatError ParseWechatError(std::string_view body) {
  WechatError err;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return err;
  const boost::json::object& o = v.get_object();
  if (auto* c = o.if_contains("code"); c != nullptr && c->is_string()) {
    err.code = std::string(c->get_string());
  }
  if (auto* m = o.if_contains("message"); m != nullptr && m->is_string()) {
    err.message = std::string(m->get_string());
  }
  return err;
}

bool IsSystemError(std::string_view code) {
  return code == "SYSTEM_ERROR" || code == "SYSTEMERROR" || code == "BANKERROR";
}

}  // namespace

void RealSleep(milliseconds d) { std::this_thread::sleep_for(d); }

std::string EscapePathSegment(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

bool IsRetryableWechatError(int http_status, std::string_view body) {
  return http_status >= 500 || IsSystemError(ParseWechatError(body).code);
}

absl::Status StatusFromWechatError(int http_status, std::string_view body) {
  const WechatError err = ParseWechatError(body);
  const std::string text = "wechat pay answered " + std::to_string(http_status) +
                           (err.code.empty() ? "" : " " + err.code) +
                           (err.message.empty() ? "" : ": " + err.message);
  const std::string& c = err.code;
  if (http_status >= 500 || IsSystemError(c)) return absl::UnavailableError(text);
  if (c == "PARAM_ERROR") return absl::InvalidArgumentError(text);
  if (c == "INVALID_REQUEST") return absl::FailedPreconditionError(text);
  // Our key, serial, clock or merchant configuration: nothing the caller can fix.
  if (c == "SIGN_ERROR" || c == "APPID_MCHID_NOT_MATCH" || c == "MCH_NOT_EXISTS" ||
      c == "NO_AUTH" || c == "NOAUTH") {
    return absl::InternalError(text);
  }
  if (c == "ORDER_NOT_EXIST" || c == "ORDERNOTEXIST" || c == "RESOURCE_NOT_EXISTS") {
    return absl::NotFoundError(text);
  }
  if (c == "ORDERPAID" || c == "ORDER_PAID" || c == "ORDER_CLOSED" || c == "ORDERCLOSED" ||
      c == "OUT_TRADE_NO_USED" || c == "TRADE_ERROR" || c == "RULE_LIMIT" || c == "RULELIMIT") {
    return absl::FailedPreconditionError(text);
  }
  if (c == "FREQUENCY_LIMITED") return absl::ResourceExhaustedError(text);
  switch (http_status) {
    case 400:
      return absl::InvalidArgumentError(text);
    case 401:
      return absl::InternalError(text);
    case 403:
      return absl::FailedPreconditionError(text);
    case 404:
      return absl::NotFoundError(text);
    case 429:
      return absl::ResourceExhaustedError(text);
    default:
      return absl::InternalError(text);
  }
}

WechatPayClient::WechatPayClient(WechatClientOptions options, crypto::RsaPrivateKey merchant_key,
                                 const wechatpay::Verifier& verifier, http::Transport& transport,
                                 const time::Clock& clock, Sleeper sleep)
    : options_(std::move(options)),
      merchant_key_(std::move(merchant_key)),
      verifier_(verifier),
      transport_(transport),
      clock_(clock),
      sleep_(std::move(sleep)),
      requests_(metrics::Registry::Default().AddCounter(
          "payment_wechat_requests_total", "WeChat Pay API calls by endpoint and result",
          {"endpoint", "result"})),
      latency_(metrics::Registry::Default().AddHistogram(
          "payment_wechat_request_duration_seconds",
          "WeChat Pay API call latency in seconds, retries included", {"endpoint"})) {
  while (!options_.base_url.empty() && options_.base_url.back() == '/') {
    options_.base_url.pop_back();
  }
  if (options_.max_attempts < 1) options_.max_attempts = 1;
}

absl::StatusOr<http::ClientResponse> WechatPayClient::Attempt(const Call& call, Timestamp deadline,
                                                              bool* retryable) {
  *retryable = false;
  const Timestamp now = clock_.Now();
  const auto remaining = std::chrono::duration_cast<milliseconds>(deadline - now);
  if (remaining <= milliseconds(0)) {
    return absl::DeadlineExceededError("wechat pay call ran out of time");
  }

  http::ClientRequest req;
  req.method = call.method;
  req.url = options_.base_url + call.target;
  req.timeout = remaining;
  req.body = call.body;
  req.headers.emplace_back(
      "Authorization",
      wechatpay::SignRequest(merchant_key_, options_.mchid, options_.merchant_serial, call.method,
                             call.target, call.body, UnixSeconds(now), wechatpay::NewNonce()));
  req.headers.emplace_back("Accept", "application/json");
  if (!call.body.empty()) req.headers.emplace_back("Content-Type", "application/json");
  req.headers.emplace_back("User-Agent", options_.user_agent);
  // Which key WeChat should answer under (§2.5: it matters while both modes are in use).
  if (std::string serial = verifier_.PreferredSerial(); !serial.empty()) {
    req.headers.emplace_back("Wechatpay-Serial", std::move(serial));
  }

  absl::StatusOr<http::ClientResponse> resp = transport_.Send(req);
  if (!resp.ok()) {
    const absl::StatusCode code = resp.status().code();
    if (code == absl::StatusCode::kUnavailable || code == absl::StatusCode::kDeadlineExceeded) {
      *retryable = true;
      return absl::UnavailableError("wechat pay unreachable: " +
                                    std::string(resp.status().message()));
    }
    return absl::InternalError("wechat pay request failed: " +
                               std::string(resp.status().message()));
  }

  const std::string request_id(resp->Header("Request-ID"));
  if (resp->status < 200 || resp->status > 299) {
    *retryable = IsRetryableWechatError(resp->status, resp->body);
    absl::Status st = StatusFromWechatError(resp->status, resp->body);
    log::Warn("wechat pay error answer", {{"endpoint", call.endpoint},
                                          {"http_status", resp->status},
                                          {"wechat_code", ParseWechatError(resp->body).code},
                                          {"wechat_request_id", request_id},
                                          {"retryable", *retryable}});
    return st;
  }

  if (!call.verify) return resp;
  RETURN_IF_ERROR(VerifyAnswer(call, *resp, deadline));
  return resp;
}

absl::Status WechatPayClient::VerifyAnswer(const Call& call, const http::ClientResponse& resp,
                                           Timestamp deadline) {
  const wechatpay::SignatureHeaders sig = SignatureOf(resp);
  if (refresher_ != nullptr && !sig.serial.empty() && !verifier_.HasKey(sig.serial)) {
    // A rotated platform certificate: fetch it (single-flight, shared) within this call's budget.
    auto held = std::make_shared<std::promise<bool>>();
    std::future<bool> found = held->get_future();
    refresher_->AwaitSerial(sig.serial, [held](bool ok) { held->set_value(ok); });
    // Bounded: during a rotation every call in flight waits here, each on a worker thread.
    found.wait_for(std::min<std::chrono::microseconds>(deadline - clock_.Now(), kMaxKeyWait));
  }
  absl::Status st = verifier_.Verify(sig, resp.body, UnixSeconds(clock_.Now()));
  if (st.ok()) return st;
  log::Error("wechat pay response signature did not verify",
             {{"endpoint", call.endpoint},
              {"http_status", resp.status},
              {"reason", st.message()},
              {"serial", std::string(strings::TruncateUtf8(sig.serial, 16))},
              {"wechat_request_id", std::string(resp.Header("Request-ID"))}});
  return absl::UnavailableError("response signature did not verify");
}

wechatpay::SignatureHeaders SignatureOf(const http::ClientResponse& response) {
  return wechatpay::ReadSignatureHeaders(
      [&](std::string_view name) { return std::string(response.Header(name)); });
}

absl::StatusOr<SignedAnswer> WechatPayClient::DownloadCertificates() {
  Call call{"certificates", "GET", "/v3/certificates?algorithm_type=RSA", ""};
  call.verify = false;
  absl::StatusOr<http::ClientResponse> resp = Execute(call);
  if (!resp.ok()) return resp.status();
  return SignedAnswer{std::move(resp->body), SignatureOf(*resp)};
}

absl::StatusOr<http::ClientResponse> WechatPayClient::Execute(const Call& call) {
  const Timestamp start = clock_.Now();
  const Timestamp deadline = start + options_.timeout;
  absl::StatusOr<http::ClientResponse> result = absl::UnknownError("not attempted");
  for (int attempt = 1;; ++attempt) {
    bool retryable = false;
    result = Attempt(call, deadline, &retryable);
    if (result.ok() || !retryable || attempt >= options_.max_attempts) break;
    const size_t i = std::min(static_cast<size_t>(attempt - 1), options_.backoff.size() - 1);
    const milliseconds wait = options_.backoff.empty() ? milliseconds(0) : options_.backoff[i];
    if (clock_.Now() + wait >= deadline) break;
    log::Info("retrying wechat pay call", {{"endpoint", call.endpoint},
                                           {"attempt", attempt + 1},
                                           {"error", result.status().message()}});
    sleep_(wait);
  }
  const absl::StatusCode code = result.ok() ? absl::StatusCode::kOk : result.status().code();
  requests_.Inc({call.endpoint, metrics::ResultLabel(code)});
  latency_.Observe(std::chrono::duration<double>(clock_.Now() - start).count(), {call.endpoint});
  return result;
}

absl::StatusOr<PrepayAnswer> WechatPayClient::CreatePrepay(const PrepayRequest& request) {
  if (request.mchid != options_.mchid) {
    return absl::InternalError("prepay mchid differs from the signing merchant");
  }
  const bool jsapi = request.channel == Channel::kJsapi || request.channel == Channel::kMiniprogram;
  const bool h5 = request.channel == Channel::kH5;
  if (!jsapi && !h5 && request.channel != Channel::kNative) {
    return absl::InvalidArgumentError("unknown prepay channel");
  }
  // Field order as WeChat documents it; serialized once, then signed and sent byte-identical.
  boost::json::object body;
  body["appid"] = request.appid;
  body["mchid"] = request.mchid;
  body["description"] = request.description;
  body["out_trade_no"] = request.out_trade_no;
  if (!request.time_expire.empty()) body["time_expire"] = request.time_expire;
  body["notify_url"] = request.notify_url;
  body["amount"] =
      boost::json::object{{"total", request.amount_total}, {"currency", request.currency}};
  if (jsapi) body["payer"] = boost::json::object{{"openid", request.payer_openid}};
  if (h5) {
    body["scene_info"] = boost::json::object{{"payer_client_ip", request.payer_client_ip},
                                             {"h5_info", boost::json::object{{"type", "Wap"}}}};
  }
  const char* endpoint = jsapi ? "jsapi" : h5 ? "h5" : "native";
  const Call call{endpoint, "POST", std::string("/v3/pay/transactions/") + endpoint,
                  boost::json::serialize(body)};
  absl::StatusOr<http::ClientResponse> resp = Execute(call);
  if (!resp.ok()) return resp.status();

  // The one field the channel answers with, a bounded non-empty string.
  const char* field = jsapi ? "prepay_id" : h5 ? "h5_url" : "code_url";
  const size_t max_bytes = jsapi ? kMaxPrepayIdBytes : kMaxCodeUrlBytes;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(resp->body, ec);
  const boost::json::value* got =
      (!ec && v.is_object()) ? v.get_object().if_contains(field) : nullptr;
  if (got == nullptr || !got->is_string() || got->get_string().empty() ||
      got->get_string().size() > max_bytes) {
    return absl::UnavailableError(std::string("wechat pay prepay answer has no valid ") + field);
  }
  PrepayAnswer answer;
  (jsapi ? answer.prepay_id
   : h5  ? answer.h5_url
         : answer.code_url) = std::string(got->get_string());
  return answer;
}

absl::StatusOr<wechatpay::Transaction> WechatPayClient::QueryByOutTradeNo(
    std::string_view out_trade_no) {
  const Call call{"query", "GET",
                  "/v3/pay/transactions/out-trade-no/" + EscapePathSegment(out_trade_no) +
                      "?mchid=" + EscapePathSegment(options_.mchid),
                  ""};
  absl::StatusOr<http::ClientResponse> resp = Execute(call);
  if (!resp.ok()) return resp.status();
  absl::StatusOr<wechatpay::Transaction> tx = wechatpay::ParseTransaction(resp->body);
  if (!tx.ok()) {
    return absl::UnavailableError("wechat pay query answer is malformed: " +
                                  std::string(tx.status().message()));
  }
  if (tx->out_trade_no != out_trade_no) {
    return absl::UnavailableError("wechat pay query answered for another out_trade_no");
  }
  return tx;
}

namespace {

// A refund call's or query's answer: refund_id, status and amount.refund, for `out_refund_no`.
absl::StatusOr<RefundAnswer> RefundAnswerOf(absl::StatusOr<http::ClientResponse> resp,
                                            const std::string& out_refund_no) {
  if (!resp.ok()) return resp.status();
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(resp->body, ec);
  const boost::json::object* o = ec ? nullptr : v.if_object();
  const auto text = [o](const char* name) -> std::string {
    const boost::json::value* f = o == nullptr ? nullptr : o->if_contains(name);
    return f != nullptr && f->is_string() ? std::string(f->as_string()) : "";
  };
  RefundAnswer answer{text("refund_id"), text("out_refund_no"), text("status"), 0};
  if (const boost::json::value* a = o == nullptr ? nullptr : o->if_contains("amount")) {
    if (const boost::json::value* r =
            a->is_object() ? a->as_object().if_contains("refund") : nullptr;
        r != nullptr && r->is_int64()) {
      answer.refund_fen = r->as_int64();
    }
  }
  if (answer.refund_id.empty() || answer.status.empty() || answer.out_refund_no != out_refund_no) {
    return absl::UnavailableError("wechat pay refund answer is malformed");
  }
  return answer;
}

}  // namespace

absl::StatusOr<RefundAnswer> WechatPayClient::CreateRefund(const RefundCall& refund) {
  boost::json::object body;
  body["transaction_id"] = refund.transaction_id;
  body["out_refund_no"] = refund.out_refund_no;
  if (!refund.reason.empty()) body["reason"] = refund.reason;
  if (!refund.notify_url.empty()) body["notify_url"] = refund.notify_url;
  body["amount"] = boost::json::object{
      {"refund", refund.refund_fen}, {"total", refund.total_fen}, {"currency", refund.currency}};
  const Call call{"refund", "POST", "/v3/refund/domestic/refunds", boost::json::serialize(body)};
  return RefundAnswerOf(Execute(call), refund.out_refund_no);
}

absl::StatusOr<RefundAnswer> WechatPayClient::QueryRefund(std::string_view out_refund_no) {
  const Call call{"refund_query", "GET",
                  "/v3/refund/domestic/refunds/" + EscapePathSegment(out_refund_no), ""};
  return RefundAnswerOf(Execute(call), std::string(out_refund_no));
}

absl::Status WechatPayClient::Close(std::string_view out_trade_no) {
  boost::json::object body;
  body["mchid"] = options_.mchid;
  const Call call{"close", "POST",
                  "/v3/pay/transactions/out-trade-no/" + EscapePathSegment(out_trade_no) + "/close",
                  boost::json::serialize(body)};
  return Execute(call).status();
}

}  // namespace paymesh::payment
