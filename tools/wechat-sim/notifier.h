#pragma once

// Delivers payment notifications to the merchant's notify_url on WeChat's retry ladder
// (ladder.h), one job per payment. Each attempt is re-signed with the platform key of the moment
// (platform.h: after a rotation, the new certificate) at the current time (the stale fault
// excepted) and counts as acknowledged only on HTTP 200 or 204; any other status, a timeout or a
// transport error is a failure. Waits are steady_timers on the given executor (the simulator's
// io_context), sends go through the HTTP client; no thread ever blocks. Every attempt is recorded
// and logged (never the body, signature or openid).
//
// Thread-safe. Destroy only after the executor's threads and the client have stopped.

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/crypto/rsa.h"
#include "common/http/client.h"
#include "tools/wechat-sim/ladder.h"
#include "tools/wechat-sim/platform.h"
#include "tools/wechat-sim/types.h"

namespace paymesh::wechatsim {

struct AttemptRecord {
  std::string notification_id;
  std::string out_trade_no;
  int attempt = 0;  // 0 for the SIGNTEST probe
  AttemptKind kind = AttemptKind::kNormal;
  std::string at;  // when it was sent, RFC 3339 UTC with milliseconds
  int64_t at_unix_ms = 0;
  int status = 0;      // HTTP status; 0 when not sent or on a transport failure
  std::string serial;  // Wechatpay-Serial it was signed under; "" for v2 and dropped ones
  int64_t latency_ms = 0;
  bool acknowledged = false;
};
std::string AttemptsJson(const std::vector<AttemptRecord>& records);

struct Notification {
  std::string out_trade_no;
  std::string notify_url;
  std::string id;
  std::string body;  // the envelope, sent byte-identical on every attempt
  // An APIv2 XML notification: signed in its body, sent as text/xml, acknowledged only by a
  // return_code SUCCESS reply.
  bool v2 = false;
  Faults faults;
};

struct NotifierOptions {
  double time_scale = 1.0;
  std::chrono::milliseconds timeout{5000};
};

class Notifier {
 public:
  // `platform` picks the key each attempt is signed with; it must outlive the notifier.
  Notifier(NotifierOptions options, PlatformKeys* platform, http::Client* client,
           boost::asio::any_io_executor executor);

  // Starts the delivery job and returns at once.
  void Deliver(Notification notification);
  // Every attempt so far, oldest first, optionally for one order.
  std::vector<AttemptRecord> Attempts(std::optional<std::string_view> out_trade_no) const;

 private:
  struct Job;
  using Headers = std::vector<std::pair<std::string, std::string>>;

  void Next(std::shared_ptr<Job> job);
  void AfterFailure(std::shared_ptr<Job> job);
  void SendProbe(std::shared_ptr<Job> job);
  void Send(std::shared_ptr<Job> job, int attempt, AttemptKind kind, Headers headers,
            bool continue_job);
  Headers SignedHeaders(const std::string& body, AttemptKind kind);
  void Record(AttemptRecord record);

  const NotifierOptions options_;
  PlatformKeys* const platform_;
  http::Client* const client_;
  const boost::asio::any_io_executor executor_;
  mutable std::mutex mu_;
  std::deque<AttemptRecord> records_;  // guarded by mu_
};

}  // namespace paymesh::wechatsim
