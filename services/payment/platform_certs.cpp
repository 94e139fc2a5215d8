#include "services/payment/platform_certs.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "common/error/status_macros.h"
#include "common/log/log.h"
#include "common/strings/utf8.h"
#include "common/wechatpay/certificates.h"

namespace paymesh::payment {
namespace {

using std::chrono::seconds;

std::string Short(std::string_view serial) {
  return std::string(strings::TruncateUtf8(serial, 16));
}

}  // namespace

absl::StatusOr<std::optional<SharedCertificates>> RedisCertificateCache::Load() {
  ASSIGN_OR_RETURN(std::optional<std::string> value, redis_.Get(key_));
  if (!value) return std::nullopt;
  const size_t newline = value->find('\n');
  SharedCertificates shared;
  const char* end = value->data() + newline;
  if (newline == std::string::npos || newline == 0 ||
      std::from_chars(value->data(), end, shared.fetched_at).ptr != end) {
    return absl::InvalidArgumentError("shared certificate list is malformed");
  }
  shared.body = value->substr(newline + 1);
  return shared;
}

absl::Status RedisCertificateCache::Store(const SharedCertificates& list) {
  return redis_.SetEx(key_, std::to_string(list.fetched_at) + "\n" + list.body, ttl_);
}

absl::StatusOr<std::vector<wechatpay::CertificateKey>> OpenCertificateList(
    std::string_view body, std::string_view apiv3_key, int64_t now) {
  ASSIGN_OR_RETURN(std::vector<wechatpay::EncryptedCertificate> list,
                   wechatpay::ParseCertificateList(body));
  std::vector<wechatpay::CertificateKey> keys;
  for (const wechatpay::EncryptedCertificate& sealed : list) {
    ASSIGN_OR_RETURN(crypto::Certificate cert, wechatpay::OpenCertificate(sealed, apiv3_key));
    if (cert.not_after <= now) continue;  // expired: nothing it signs is to be believed
    keys.push_back({std::move(cert.serial), cert.not_before, std::move(cert.public_key)});
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
    if (!stop_ && (refreshing_ || !too_soon)) {
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
    // Public-key-only merchants have no certificate: a warning, the configuration is wrong.
    const bool none = absl::IsNotFound(st);
    log::Write(none ? log::Level::kWarn : log::Level::kError,
               none ? "WeChat Pay has no platform certificate for this merchant: configure its "
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
  if (!*shared || (*shared)->fetched_at <= held_fetched_at_) return false;
  const bool fresh = now - (*shared)->fetched_at < options_.refresh_interval.count();
  absl::StatusOr<std::vector<wechatpay::CertificateKey>> keys =
      OpenCertificateList((*shared)->body, options_.apiv3_key, now);
  if (!keys.ok()) {
    log::Warn("shared platform certificates refused", {{"error", keys.status().message()}});
    return false;
  }
  const bool has_wanted =
      std::any_of(keys->begin(), keys->end(), [&](const auto& k) { return k.serial == wanted; });
  if (wanted.empty() ? !fresh : !has_wanted) return false;
  Apply(std::move(*keys), (*shared)->fetched_at);
  return true;
}

absl::Status PlatformCertificates::Download(int64_t now) {
  ASSIGN_OR_RETURN(SignedAnswer answer, source_.DownloadCertificates());
  ASSIGN_OR_RETURN(std::vector<wechatpay::CertificateKey> keys,
                   OpenCertificateList(answer.body, options_.apiv3_key, now));
  // Signed by a key we hold, or by a certificate of this list (the first download).
  absl::Status verified = verifier_.Verify(answer.signature, answer.body, now);
  if (!verified.ok()) {
    wechatpay::Verifier listed;
    listed.SetCertificates(keys);
    verified = listed.Verify(answer.signature, answer.body, now);
  }
  if (!verified.ok()) {
    return absl::UnauthenticatedError("certificate list signature: " +
                                      std::string(verified.message()));
  }
  if (keys.empty()) return absl::NotFoundError("the certificate list is empty");
  Apply(keys, now);
  if (cache_ != nullptr) {
    if (absl::Status st = cache_->Store({now, std::move(answer.body)}); !st.ok()) {
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
