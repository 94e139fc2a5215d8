#pragma once

// WechatPayClient: the WeChat Pay API v3 client (request signing, response verification, endpoints
// and errors of WeChat Pay API v3).
//
// Each request is built once: the target (path + query) and the body are signed exactly as
// sent, with a fresh nonce and the current time in `Authorization`; `Wechatpay-Serial` names the
// platform key we verify with. Every 2xx answer, the 204 of close included, must carry a valid
// WeChat signature from the Verifier (±300 s), or it is refused as UNAVAILABLE. Non-2xx answers
// are translated to Status here and nowhere else (table in wechat_api.h). Transport failures,
// 5xx and SYSTEM_ERROR are retried with the same body, re-signed, after a backoff, as long as
// the call's time budget allows.
//
// Thread-safe; every call blocks, so use it from worker threads. Bodies, signatures, keys and
// openids are never logged.

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/crypto/rsa.h"
#include "common/http/transport.h"
#include "common/metrics/metrics.h"
#include "common/wechatpay/verifier.h"
#include "services/payment/key_refresher.h"
#include "services/payment/types.h"
#include "services/payment/wechat_api.h"

namespace paymesh::payment {

// Waits between attempts; tests inject one that only advances their clock.
using Sleeper = std::function<void(std::chrono::milliseconds)>;
void RealSleep(std::chrono::milliseconds d);

// A 2xx answer and its Wechatpay-* headers, not verified yet.
struct SignedAnswer {
  std::string body;
  wechatpay::SignatureHeaders signature;
};

struct WechatClientOptions {
  std::string base_url;  // scheme://host[:port], no path: https://api.mch.weixin.qq.com
  std::string mchid;
  std::string merchant_serial;  // serial_no of the merchant API certificate
  // The budget of one API call, every attempt and backoff included.
  std::chrono::milliseconds timeout{5000};
  int max_attempts = 3;
  // Waits before the 2nd, 3rd, ... attempt (the last value repeats).
  std::vector<std::chrono::milliseconds> backoff = {std::chrono::milliseconds(100),
                                                    std::chrono::milliseconds(300)};
  std::string user_agent = "paymesh-payment/1.0";
};

class WechatPayClient final : public WechatPayApi {
 public:
  // `verifier`, `transport` and `clock` must outlive the client.
  WechatPayClient(WechatClientOptions options, crypto::RsaPrivateKey merchant_key,
                  const wechatpay::Verifier& verifier, http::Transport& transport,
                  const time::Clock& clock, Sleeper sleep = RealSleep);

  absl::StatusOr<PrepayAnswer> CreatePrepay(const PrepayRequest& request) override;
  absl::StatusOr<wechatpay::Transaction> QueryByOutTradeNo(std::string_view out_trade_no) override;
  absl::Status Close(std::string_view out_trade_no) override;
  absl::StatusOr<RefundAnswer> CreateRefund(const RefundCall& call) override;
  absl::StatusOr<RefundAnswer> QueryRefund(std::string_view out_refund_no) override;

  // GET /v3/certificates, answered as received: the caller verifies the signature (the list may
  // hold the certificate that signed it, §3). NOT_FOUND when the merchant has no platform
  // certificate (RESOURCE_NOT_EXISTS: public-key mode), FAILED_PRECONDITION for another 403.
  absl::StatusOr<SignedAnswer> DownloadCertificates();

  // Asked (blocking this worker thread, at most the call's budget) for a key when a 2xx answer is
  // signed under a serial we do not hold; then the answer is verified again. Set before use.
  void SetKeyRefresher(KeyRefresher* refresher) { refresher_ = refresher; }

 private:
  struct Call {
    const char* endpoint;  // metric label: native | query | close | refund
    const char* method;
    std::string target;  // path + query, exactly as sent and signed
    std::string body;    // exactly as sent and signed; "" for GET
    bool verify = true;  // false: the caller verifies the answer
  };
  // Signs, sends, retries, verifies; a verified 2xx response or the translated error.
  absl::StatusOr<http::ClientResponse> Execute(const Call& call);
  absl::StatusOr<http::ClientResponse> Attempt(const Call& call, Timestamp deadline,
                                               bool* retryable);
  absl::Status VerifyAnswer(const Call& call, const http::ClientResponse& resp, Timestamp deadline);

  WechatClientOptions options_;
  crypto::RsaPrivateKey merchant_key_;
  const wechatpay::Verifier& verifier_;
  http::Transport& transport_;
  const time::Clock& clock_;
  Sleeper sleep_;
  KeyRefresher* refresher_ = nullptr;
  metrics::Counter& requests_;
  metrics::Histogram& latency_;
};

// The Wechatpay-* headers of an answer.
wechatpay::SignatureHeaders SignatureOf(const http::ClientResponse& response);

// A non-2xx answer of WeChat Pay (`{"code","message"}`, possibly empty or not JSON) as Status.
// Exposed for tests.
absl::Status StatusFromWechatError(int http_status, std::string_view body);
// Whether that answer asks for a retry with the same parameters (5xx, SYSTEM_ERROR, BANKERROR).
bool IsRetryableWechatError(int http_status, std::string_view body);

// `s` percent-encoded for use as one path segment (everything but [A-Za-z0-9-._~]).
std::string EscapePathSegment(std::string_view s);

}  // namespace paymesh::payment
