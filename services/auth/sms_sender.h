#pragma once

// Where SMS verification codes go. The dev sender hands them to the simulator (which shows them
// through GET /sim/sms); the Tencent Cloud sender calls SendSms (API 2021-01-11) with a TC3
// signature. Both block on HTTP with a deadline: worker threads only. Thread-safe. Neither ever
// logs the code or the whole mobile.

#include <chrono>
#include <string>

#include "absl/status/status.h"
#include "common/config/env.h"
#include "common/http/transport.h"
#include "common/time/clock.h"

namespace paymesh::auth {

class SmsSender {
 public:
  virtual ~SmsSender() = default;
  // UNAVAILABLE / DEADLINE_EXCEEDED when the message could not be handed over.
  virtual absl::Status Send(const std::string& mobile, const std::string& code,
                            std::chrono::seconds valid_for) = 0;
  // False for the stand-in used when no provider is configured.
  virtual bool configured() const { return true; }
};

// No provider (SMS_PROVIDER=none): nothing can be sent, and every request is told so alike.
class NoSmsSender final : public SmsSender {
 public:
  absl::Status Send(const std::string&, const std::string&, std::chrono::seconds) override {
    return absl::FailedPreconditionError("SMS is not configured (SMS_PROVIDER)");
  }
  bool configured() const override { return false; }
};

// The text a person reads.
std::string SmsText(const std::string& code, std::chrono::seconds valid_for);

// POSTs {"mobile","text"} as JSON to `url` (the simulator's /sim/sms).
class DevSmsSender final : public SmsSender {
 public:
  DevSmsSender(std::string url, http::Transport& transport, std::chrono::milliseconds timeout)
      : url_(std::move(url)), transport_(transport), timeout_(timeout) {}
  absl::Status Send(const std::string& mobile, const std::string& code,
                    std::chrono::seconds valid_for) override;

 private:
  std::string url_;
  http::Transport& transport_;
  std::chrono::milliseconds timeout_;
};

struct TencentSmsOptions {
  std::string endpoint = "https://sms.tencentcloudapi.com";  // no trailing slash
  std::string region = "ap-guangzhou";
  std::string secret_id;
  config::Secret secret_key;
  std::string sdk_app_id;   // SmsSdkAppId
  std::string sign_name;    // the approved signature, e.g. 腾讯云
  std::string template_id;  // a template with two parameters: the code and the minutes
  std::chrono::milliseconds timeout{3000};
};

class TencentSmsSender final : public SmsSender {
 public:
  TencentSmsSender(TencentSmsOptions options, http::Transport& transport, const time::Clock& clock)
      : options_(std::move(options)), transport_(transport), clock_(clock) {}
  absl::Status Send(const std::string& mobile, const std::string& code,
                    std::chrono::seconds valid_for) override;
  // The signed request Send would make at `timestamp` (exposed for tests).
  http::ClientRequest BuildRequest(const std::string& mobile, const std::string& code,
                                   std::chrono::seconds valid_for, int64_t timestamp) const;

 private:
  TencentSmsOptions options_;
  http::Transport& transport_;
  const time::Clock& clock_;
};

}  // namespace paymesh::auth
