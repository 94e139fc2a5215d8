#pragma once

// Platform certificate mode (§3): keeps the Verifier's downloaded certificates current.
//
// A refresh first looks at the copy replicas share (CertificateCache, Redis): WeChat's answer
// exactly as downloaded, with its signature headers, still sealed with the APIv3 key. Every
// replica checks it as if it had downloaded it — certificates opened with its own APIv3 key,
// WeChat's signature verified as of fetched_at, which must be recent and not in the future — so
// whoever can write to Redis can neither plant a key nor bring back an old list. When that copy
// is older than ours, stale, or lacks the serial asked for, it downloads /v3/certificates and
// checks the answer the same way (the signature by a key already held, or by the certificate in
// the list that signed it: the first download has nothing else to go by, and the AEAD seal
// already proves the list came from WeChat), drops expired certificates, replaces the
// Verifier's set and shares the answer.
//
// Refreshes run on one thread of their own: at start, every `refresh_interval` (sooner after a
// failure), and at once when AwaitSerial asks for a serial not held — single-flight (callers
// during a refresh wait for it), and within `min_on_demand_interval` of one that did not find
// its serial not at all: notifications under invented serials cannot turn into a flood of
// downloads, while a real rotation (whose refresh finds its serial) never waits.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "common/metrics/metrics.h"
#include "common/redis/client.h"
#include "common/time/clock.h"
#include "common/wechatpay/verifier.h"
#include "services/payment/key_refresher.h"
#include "services/payment/wechat_client.h"

namespace paymesh::payment {

// Downloads the list (WechatPayClient).
class CertificateSource {
 public:
  virtual ~CertificateSource() = default;
  virtual absl::StatusOr<SignedAnswer> DownloadCertificates() = 0;
};

// The answer as downloaded (body and WeChat's signature headers), and when.
struct SharedCertificates {
  int64_t fetched_at = 0;  // Unix seconds
  SignedAnswer answer;
};

// Where replicas share the list; every call may fail (then each replica downloads its own).
class CertificateCache {
 public:
  virtual ~CertificateCache() = default;
  virtual absl::StatusOr<std::optional<SharedCertificates>> Load() = 0;
  virtual absl::Status Store(const SharedCertificates& list) = 0;
};

// The shared copy in Redis under one key per merchant, as JSON, kept `ttl`.
class RedisCertificateCache final : public CertificateCache {
 public:
  RedisCertificateCache(redis::Client& redis, std::string key, std::chrono::seconds ttl)
      : redis_(redis), key_(std::move(key)), ttl_(ttl) {}
  absl::StatusOr<std::optional<SharedCertificates>> Load() override;
  absl::Status Store(const SharedCertificates& list) override;

 private:
  redis::Client& redis_;
  const std::string key_;
  const std::chrono::seconds ttl_;
};

struct PlatformCertificatesOptions {
  std::string apiv3_key;
  size_t max_waiters = 256;  // AwaitSerial callers waiting at once; more are answered false
  std::chrono::seconds refresh_interval{3600};
  std::chrono::seconds min_on_demand_interval{10};
  std::chrono::seconds retry_after_failure{30};
};

// Opens a downloaded list: every certificate decrypted and checked, expired ones left out.
// UNAUTHENTICATED when one does not decrypt (the APIv3 key is wrong, or the list forged),
// INVALID_ARGUMENT for a malformed list or certificate.
absl::StatusOr<std::vector<wechatpay::CertificateKey>> OpenCertificateList(
    std::string_view body, std::string_view apiv3_key, int64_t now);

class PlatformCertificates final : public KeyRefresher {
 public:
  // Every reference must outlive this object; `cache` may be null.
  PlatformCertificates(PlatformCertificatesOptions options, CertificateSource& source,
                       CertificateCache* cache, wechatpay::Verifier& verifier,
                       const time::Clock& clock);
  ~PlatformCertificates() override;  // Stop()

  void Start();  // the refresh thread; the first refresh begins at once
  void Stop();   // waiters still waiting are told false

  void AwaitSerial(std::string serial, std::function<void(bool held)> done) override;

  // One refresh, on the caller's thread (the refresh thread, and tests). `wanted`: a serial a
  // caller waits for ("" for a scheduled refresh).
  absl::Status Refresh(const std::string& wanted);

 private:
  struct Waiter {
    std::string serial;
    std::function<void(bool)> done;
  };
  void Run();
  // Adopts the shared copy if it is newer than ours and fresh enough or holds `wanted`.
  bool AdoptShared(const std::string& wanted, int64_t now);
  absl::Status Download(int64_t now);
  // The certificates of `answer`, checked as described above, signed near `signed_at`.
  absl::StatusOr<std::vector<wechatpay::CertificateKey>> Check(const SignedAnswer& answer,
                                                               int64_t signed_at, int64_t now);
  void Apply(std::vector<wechatpay::CertificateKey> keys, int64_t fetched_at);

  const PlatformCertificatesOptions options_;
  CertificateSource& source_;
  CertificateCache* const cache_;
  wechatpay::Verifier& verifier_;
  const time::Clock& clock_;
  metrics::Counter& refreshes_;
  metrics::Gauge& held_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  bool refreshing_ = false;
  std::vector<Waiter> waiters_;
  std::optional<Timestamp> last_fruitless_;  // an on-demand refresh that did not find its serial
  Timestamp next_scheduled_;
  int64_t held_fetched_at_ = 0;  // of the list the verifier holds; only Refresh() touches it
  std::thread thread_;
};

}  // namespace paymesh::payment
