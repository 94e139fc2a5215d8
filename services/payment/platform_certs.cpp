#include "services/payment/platform_certs.h"

#include <algorithm>
#include <boost/json.hpp>
#include <utility>

#include "common/error/status_macros.h"
#include "common/log/log.h"
#include "common/strings/utf8.h"
#include "common/wechatpay/certificates.h"

namespace paymesh::payment {
namespace {

namespace json = boost::json;
using std::chrono::seconds;

// How far in the future a shared copy's fetched_at may be (clocks of replicas differ a little).
constexpr int64_t kSharedClockSkewSeconds = 60;

std::string Short(std::string_view serial) {
  return std::string(strings::TruncateUtf8(serial, 16));
}

}  // namespace

absl::StatusOr<std::optional<SharedCertificates>> RedisCertificateCache::Load() {
  ASSIGN_OR_RETURN(std::optional<std::string> value, redis_.Get(key_));
  if (!value) return std::nullopt;
  boost::system::error_code ec;
  const json::value v = json::parse(*value, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  const auto text = [o](const char* name) -> std::optional<std::string> {
    const json::value* f = o == nullptr ? nullptr : o->if_contains(name);
    if (f == nullptr || !f->is_string()) return std::nullopt;
    return std::string(f->as_string());
  };
  SharedCertificates shared;
  const json::value* at = o == nullptr ? nullptr : o->if_contains("fetched_at");
  std::optional<std::string> body = text("body"), ts = text("timestamp"), nonce = text("nonce"),
                             sig = text("signature"), serial = text("serial");
  if (at == nullptr || !at->is_int64() || !body || !ts || !nonce || !sig || !serial) {
    return absl::InvalidArgumentError("shared certificate list is malformed");
  }
  shared.fetched_at = at->as_int64();
  shared.answer.body = std::move(*body);
  shared.answer.signature = {std::move(*ts), std::move(*nonce), std::move(*sig), std::move(*serial),
                             text("signature_type").value_or("")};
  return shared;
}

absl::Status RedisCertificateCache::Store(const SharedCertificates& list) {
  const wechatpay::SignatureHeaders& h = list.answer.signature;
  return redis_.SetEx(key_,
                      json::serialize(json::object{{"fetched_at", list.fetched_at},
                                                   {"body", list.answer.body},
                                                   {"timestamp", h.timestamp},
                                                   {"nonce", h.nonce},
                                                   {"signature", h.signature},
                                                   {"serial", h.serial},
                                                   {"signature_type", h.signature_type}}),
                      ttl_);
}

absl::StatusOr<std::vector<wechatpay::CertificateKey>> OpenCertificateList(
    std::string_view body, std::string_view apiv3_key, int64_t now) {
  ASSIGN_OR_RETURN(std::vector<wechatpay::EncryptedCertificate> list,
                   wechatpay::ParseCertificateList(body));
  std::vector<wechatpay::CertificateKey> keys;
  for (const wechatpay::EncryptedCertificate& sealed : list) {
    ASSIGN_OR_RETURN(crypto::Certificate cert, wechatpay::OpenCertificate(sealed, apiv3_key));
    if (cert.not_after <= now) continue;  // expired: nothing it signs is to be believed
    keys.push_back(
        {std::move(cert.serial), cert.not_before, std::move(cert.public_key), cert.not_after});
  }
  return keys;
}

PlatformCertificates::PlatformCertificates(PlatformCertificatesOptions options,
                                           CertificateSource& source, CertificateCache* cache,
                                           wechatpay::Verifier& verifier, const time::Clock& clock)
    : options_(std::move(options)),
      source_(source),
      cache_(cache),
      verifier_(verifier),
      clock_(clock),
      refreshes_(metrics::Registry::Default().AddCounter(
          "payment_platform_certificate_refreshes_total",
          "Platform certificate refreshes by how they ended (shared: adopted from Redis)",
          {"result"})),
      held_(metrics::Registry::Default().AddGauge(
          "payment_platform_certificates_held", "Platform certificates payment verifies with", {})),
      next_scheduled_(clock.Now()) {}

PlatformCertificates::~PlatformCertificates() { Stop(); }

void PlatformCertificates::Start() {
  thread_ = std::thread([this] { Run(); });
}

void PlatformCertificates::Stop() {
  std::vector<Waiter> waiters;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    waiters.swap(waiters_);
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (Waiter& w : waiters) w.done(false);
}

void PlatformCertificates::AwaitSerial(std::string serial, std::function<void(bool)> done) {
  if (verifier_.HasKey(serial)) {
    done(true);
    return;
  }
  {
    std::lock_guard lock(mu_);
    const Timestamp now = clock_.Now();
    const bool too_soon =
        last_fruitless_ && now - *last_fruitless_ < options_.min_on_demand_interval;
    if (!stop_ && (refreshing_ || !too_soon) && waiters_.size() < options_.max_waiters) {
      waiters_.push_back({std::move(serial), std::move(done)});
      wake_.notify_all();
      return;
    }
  }
  done(false);
}

void PlatformCertificates::Run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    // Timestamp is a system_clock time point: wait in slices so a clock step cannot stall it.
    wake_.wait_for(lock, seconds(1), [this] {
      return stop_ || (!waiters_.empty() && !refreshing_) || clock_.Now() >= next_scheduled_;
    });
    if (stop_) break;
    const bool on_demand = !waiters_.empty();
    if (!on_demand && clock_.Now() < next_scheduled_) continue;
    const std::string wanted = on_demand ? waiters_.front().serial : "";
    refreshing_ = true;
    lock.unlock();

    const absl::Status st = Refresh(wanted);
    const bool fruitless = on_demand && !verifier_.HasKey(wanted);

    lock.lock();
    refreshing_ = false;
    if (fruitless) last_fruitless_ = clock_.Now();
    next_scheduled_ =
        clock_.Now() + (st.ok() ? options_.refresh_interval : options_.retry_after_failure);
    std::vector<Waiter> waiters;
    waiters.swap(waiters_);
    lock.unlock();
    for (Waiter& w : waiters) w.done(verifier_.HasKey(w.serial));
    lock.lock();
  }
}

absl::Status PlatformCertificates::Refresh(const std::string& wanted) {
  const int64_t now = UnixSeconds(clock_.Now());
  if (AdoptShared(wanted, now)) {
    refreshes_.Inc({"shared"});
    return absl::OkStatus();
  }
  absl::Status st = Download(now);
  refreshes_.Inc({st.ok() ? "downloaded" : "error"});
  if (!st.ok()) {
    // Public-key-only merchants have no certificate: the configuration is wrong, and until it
    // is fixed no notification verifies.
    log::Error(absl::IsNotFound(st)
                   ? "WeChat Pay has no platform certificate for this merchant: configure its "
                     "public key (WECHATPAY_PLATFORM_PUBLIC_KEY_FILE and _ID)"
                   : "platform certificate refresh failed",
               {{"error", st.message()}});
  }
  if (!wanted.empty() && !verifier_.HasKey(wanted)) {
    log::Warn("serial not among WeChat's platform certificates", {{"serial", Short(wanted)}});
  }
  return st;
}

bool PlatformCertificates::AdoptShared(const std::string& wanted, int64_t now) {
  if (cache_ == nullptr) return false;
  absl::StatusOr<std::optional<SharedCertificates>> shared = cache_->Load();
  if (!shared.ok()) {
    log::Warn("shared platform certificates unreadable", {{"error", shared.status().message()}});
    return false;
  }
  // Older than ours: no news. As old (to the second): news only if it holds the serial asked for.
  if (!*shared || (*shared)->fetched_at < held_fetched_at_ ||
      ((*shared)->fetched_at == held_fetched_at_ && wanted.empty())) {
    return false;
  }
  const int64_t age = now - (*shared)->fetched_at;
  if (age < -kSharedClockSkewSeconds || age >= options_.refresh_interval.count()) return false;
  absl::StatusOr<std::vector<wechatpay::CertificateKey>> keys =
      Check((*shared)->answer, (*shared)->fetched_at, now);
  if (!keys.ok()) {
    log::Warn("shared platform certificates refused", {{"error", keys.status().message()}});
    return false;
  }
  const bool has_wanted =
      std::any_of(keys->begin(), keys->end(), [&](const auto& k) { return k.serial == wanted; });
  if (!wanted.empty() && !has_wanted) return false;
  Apply(std::move(*keys), (*shared)->fetched_at);
  return true;
}

absl::StatusOr<std::vector<wechatpay::CertificateKey>> PlatformCertificates::Check(
    const SignedAnswer& answer, int64_t signed_at, int64_t now) {
  ASSIGN_OR_RETURN(std::vector<wechatpay::CertificateKey> keys,
                   OpenCertificateList(answer.body, options_.apiv3_key, now));
  // Signed by a key we hold, or by a certificate of this list (the first download).
  absl::Status verified = verifier_.Verify(answer.signature, answer.body, signed_at);
  if (!verified.ok()) {
    wechatpay::Verifier listed;
    listed.SetCertificates(keys);
    verified = listed.Verify(answer.signature, answer.body, signed_at);
  }
  if (!verified.ok()) {
    return absl::UnauthenticatedError("certificate list signature: " +
                                      std::string(verified.message()));
  }
  if (keys.empty()) return absl::NotFoundError("the certificate list is empty");
  return keys;
}

absl::Status PlatformCertificates::Download(int64_t now) {
  ASSIGN_OR_RETURN(SignedAnswer answer, source_.DownloadCertificates());
  ASSIGN_OR_RETURN(std::vector<wechatpay::CertificateKey> keys, Check(answer, now, now));
  Apply(std::move(keys), now);
  if (cache_ != nullptr) {
    if (absl::Status st = cache_->Store({now, std::move(answer)}); !st.ok()) {
      log::Warn("platform certificates not shared", {{"error", st.message()}});
    }
  }
  return absl::OkStatus();
}

void PlatformCertificates::Apply(std::vector<wechatpay::CertificateKey> keys, int64_t fetched_at) {
  std::vector<std::string> before = verifier_.CertificateSerials();
  held_.Set(static_cast<double>(keys.size()));
  verifier_.SetCertificates(std::move(keys));
  held_fetched_at_ = fetched_at;
  std::vector<std::string> after = verifier_.CertificateSerials();
  if (before != after) {
    std::string serials;
    for (const std::string& s : after) serials += (serials.empty() ? "" : ",") + Short(s);
    log::Info("platform certificates updated", {{"serials", serials}});
  }
}

}  // namespace paymesh::payment
