#include "tools/wechat-sim/notifier.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <ctime>

#include "common/crypto/crypto.h"
#include "common/log/log.h"
#include "common/time/rfc3339.h"
#include "common/wechatpay/signing.h"
#include "common/wechatpay/verifier.h"
#include "tools/wechat-sim/responses.h"

namespace paymesh::wechatsim {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

constexpr int64_t kStaleSeconds = 600;
constexpr size_t kMaxRecords = 100000;

// Still valid base64, but no longer the signature of anything we sent.
std::string Corrupt(const std::string& signature) {
  absl::StatusOr<std::string> raw = crypto::Base64Decode(signature);
  if (!raw.ok() || raw->empty()) return "AAAA" + signature;
  (*raw)[0] = static_cast<char>((*raw)[0] ^ 0x5a);
  return crypto::Base64Encode(*raw);
}

AttemptRecord Started(const Notification& n, int attempt, AttemptKind kind,
                      std::chrono::system_clock::time_point wall) {
  AttemptRecord r;
  r.notification_id = n.id;
  r.out_trade_no = n.out_trade_no;
  r.attempt = attempt;
  r.kind = kind;
  r.at = time::FormatUtc(wall, time::Precision::kMilliseconds);
  r.at_unix_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(wall.time_since_epoch()).count();
  return r;
}

}  // namespace

struct Notifier::Job {
  Job(Notification n, asio::any_io_executor ex) : notification(std::move(n)), timer(ex) {}
  Notification notification;
  asio::steady_timer timer;
  int attempt = 0;
  bool duplicates_sent = false;
};

std::string AttemptsJson(const std::vector<AttemptRecord>& records) {
  json::array out;
  for (const AttemptRecord& r : records) {
    out.push_back(json::object{{"notification_id", r.notification_id},
                               {"out_trade_no", r.out_trade_no},
                               {"attempt", r.attempt},
                               {"kind", AttemptKindName(r.kind)},
                               {"at", r.at},
                               {"at_unix_ms", r.at_unix_ms},
                               {"status", r.status},
                               {"serial", r.serial},
                               {"latency_ms", r.latency_ms},
                               {"acknowledged", r.acknowledged}});
  }
  return json::serialize(out);
}

Notifier::Notifier(NotifierOptions options, PlatformKeys* platform, http::Client* client,
                   boost::asio::any_io_executor executor)
    : options_(options), platform_(platform), client_(client), executor_(std::move(executor)) {}

void Notifier::Deliver(Notification notification) {
  auto job = std::make_shared<Job>(std::move(notification), executor_);
  asio::post(executor_, [this, job] {
    if (job->notification.faults.signtest_probe) {
      SendProbe(job);
    } else {
      Next(job);
    }
  });
}

void Notifier::Next(std::shared_ptr<Job> job) {
  const int attempt = ++job->attempt;
  const AttemptKind kind = KindOfAttempt(attempt, job->notification.faults);
  if (kind == AttemptKind::kDropped) {
    Record(Started(job->notification, attempt, kind, std::chrono::system_clock::now()));
    AfterFailure(std::move(job));
    return;
  }
  Headers headers = SignedHeaders(job->notification.body, kind);
  if (!job->duplicates_sent) {
    job->duplicates_sent = true;
    for (int i = 0; i < job->notification.faults.duplicate; ++i) {
      Send(job, attempt, AttemptKind::kDuplicate, headers, false);
    }
  }
  Send(std::move(job), attempt, kind, std::move(headers), true);
}

void Notifier::AfterFailure(std::shared_ptr<Job> job) {
  const std::optional<std::chrono::milliseconds> delay =
      RetryDelay(job->attempt, options_.time_scale);
  if (!delay) {
    log::Warn("notification abandoned",
              {{"out_trade_no", job->notification.out_trade_no}, {"attempts", job->attempt}});
    return;
  }
  job->timer.expires_after(*delay);
  job->timer.async_wait([this, job](const boost::system::error_code& ec) {
    if (!ec) Next(job);
  });
}

void Notifier::SendProbe(std::shared_ptr<Job> job) {
  Headers headers = SignedHeaders(job->notification.body, AttemptKind::kProbe);
  for (auto& [name, value] : headers) {
    if (name == "Wechatpay-Signature") {
      value = wechatpay::kSignTestPrefix + crypto::RandomAlnum(64);
    }
  }
  Send(std::move(job), 0, AttemptKind::kProbe, std::move(headers), true);
}

void Notifier::Send(std::shared_ptr<Job> job, int attempt, AttemptKind kind, Headers headers,
                    bool continue_job) {
  http::ClientRequest request;
  request.method = "POST";
  request.url = job->notification.notify_url;
  std::string serial;
  for (const auto& [name, value] : headers) {
    if (name == "Wechatpay-Serial") serial = value;
  }
  request.headers = std::move(headers);
  if (job->notification.v2) {
    request.headers = {{"Content-Type", "text/xml"}};
    serial.clear();
  }
  request.body = job->notification.body;
  request.timeout = options_.timeout;
  const auto wall = std::chrono::system_clock::now();
  const auto start = std::chrono::steady_clock::now();
  client_->SendAsync(std::move(request), [this, job, attempt, kind, continue_job, wall, start,
                                          serial = std::move(serial)](
                                             absl::StatusOr<http::ClientResponse> response) {
    const int status = response.ok() ? response->status : 0;
    AttemptRecord record = Started(job->notification, attempt, kind, wall);
    record.status = status;
    record.serial = serial;
    record.latency_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - start)
                            .count();
    record.acknowledged =
        job->notification.v2
            ? status == 200 &&
                  response->body.find("<return_code><![CDATA[SUCCESS]]></return_code>") !=
                      std::string::npos
            : status == 200 || status == 204;
    if (!response.ok()) {
      log::Info("notification transport failure",
                {{"out_trade_no", record.out_trade_no},
                 {"attempt", attempt},
                 {"error", std::string(response.status().message())}});
    }
    const bool acknowledged = record.acknowledged;
    Record(std::move(record));
    if (!continue_job) return;
    // Back onto the simulator's io_context: the job's timer lives there.
    asio::post(executor_, [this, job, kind, acknowledged] {
      if (kind == AttemptKind::kProbe) {
        Next(job);
      } else if (!acknowledged) {
        AfterFailure(job);
      }
    });
  });
}

Notifier::Headers Notifier::SignedHeaders(const std::string& body, AttemptKind kind) {
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  if (kind == AttemptKind::kStale) now -= kStaleSeconds;
  const SigningKey key = platform_->ForNotification();
  wechatpay::SignatureHeaders h =
      wechatpay::SignResponse(key.key, key.serial, body, now, wechatpay::NewNonce());
  if (kind == AttemptKind::kCorrupt) h.signature = Corrupt(h.signature);
  return {{"Content-Type", "application/json"}, {"Wechatpay-Timestamp", h.timestamp},
          {"Wechatpay-Nonce", h.nonce},         {"Wechatpay-Signature", h.signature},
          {"Wechatpay-Serial", h.serial},       {"Wechatpay-Signature-Type", h.signature_type},
          {"Request-ID", NewWechatRequestId()}};
}

void Notifier::Record(AttemptRecord record) {
  log::Info("notification attempt", {{"out_trade_no", record.out_trade_no},
                                     {"notification_id", record.notification_id},
                                     {"attempt", record.attempt},
                                     {"kind", AttemptKindName(record.kind)},
                                     {"status", record.status},
                                     {"latency_ms", record.latency_ms},
                                     {"acknowledged", record.acknowledged}});
  std::lock_guard lock(mu_);
  records_.push_back(std::move(record));
  if (records_.size() > kMaxRecords) records_.pop_front();
}

std::vector<AttemptRecord> Notifier::Attempts(std::optional<std::string_view> out_trade_no) const {
  std::lock_guard lock(mu_);
  std::vector<AttemptRecord> out;
  for (const AttemptRecord& r : records_) {
    if (!out_trade_no || r.out_trade_no == *out_trade_no) out.push_back(r);
  }
  return out;
}

}  // namespace paymesh::wechatsim
