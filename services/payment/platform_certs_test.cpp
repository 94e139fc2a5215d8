#include "services/payment/platform_certs.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "common/time/testing/fake_clock.h"
#include "common/wechatpay/certificates.h"
#include "common/wechatpay/signing.h"

namespace paymesh::payment {
namespace {

using std::chrono::seconds;

constexpr char kApiV3Key[] = "0123456789abcdef0123456789abcdef";
constexpr int64_t kStart = 1767225600;  // FakeClock's default

struct Issued {
  crypto::RsaPrivateKey key;
  std::string serial;
  std::string pem;
};

Issued Issue(std::string serial, int64_t not_before, int64_t not_after) {
  crypto::RsaPrivateKey key = crypto::RsaPrivateKey::Generate();
  std::string pem = *crypto::SelfSignedCertificatePem(key, serial, "p", not_before, not_after);
  return {std::move(key), std::move(serial), std::move(pem)};
}

// WeChat's /v3/certificates: the listed certificates sealed with `apiv3_key`, the answer signed
// by `signer` at the fake time.
class FakeSource final : public CertificateSource {
 public:
  explicit FakeSource(const time::Clock& clock) : clock_(clock) {}
  absl::StatusOr<SignedAnswer> DownloadCertificates() override {
    ++downloads;
    if (!answer.ok()) return answer;
    std::lock_guard lock(mu);
    std::vector<wechatpay::EncryptedCertificate> list;
    for (const Issued* c : listed) {
      list.push_back(
          *wechatpay::SealCertificate(c->pem, apiv3_key, *crypto::ParseCertificatePem(c->pem)));
    }
    std::string body = wechatpay::SerializeCertificateList(list);
    wechatpay::SignatureHeaders sig = wechatpay::SignResponse(
        signer->key, signer->serial, body, UnixSeconds(clock_.Now()), wechatpay::NewNonce());
    return SignedAnswer{std::move(body), std::move(sig)};
  }

  std::mutex mu;
  std::vector<const Issued*> listed;
  const Issued* signer = nullptr;
  std::string apiv3_key = kApiV3Key;
  absl::StatusOr<SignedAnswer> answer = SignedAnswer{};  // set an error to fail downloads
  std::atomic<int> downloads{0};

 private:
  const time::Clock& clock_;
};

class MemoryCache final : public CertificateCache {
 public:
  absl::StatusOr<std::optional<SharedCertificates>> Load() override { return shared; }
  absl::Status Store(const SharedCertificates& list) override {
    shared = list;
    ++stores;
    return absl::OkStatus();
  }
  std::optional<SharedCertificates> shared;
  int stores = 0;
};

class PlatformCertificatesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    a_ =
        new Issued(Issue("5157F09EFDC096DE15EBE81A47057A7232F1B8E1", kStart - 100, kStart + 86400));
    b_ = new Issued(Issue("6A57F09EFDC096DE15EBE81A47057A7232F1B8E2", kStart - 50, kStart + 86400));
    expired_ =
        new Issued(Issue("7B57F09EFDC096DE15EBE81A47057A7232F1B8E3", kStart - 900, kStart - 1));
  }

  PlatformCertificates Make(CertificateCache* cache = nullptr) {
    return PlatformCertificates({.apiv3_key = kApiV3Key, .refresh_interval = seconds(3600)},
                                source_, cache, verifier_, clock_);
  }

  static Issued* a_;
  static Issued* b_;
  static Issued* expired_;
  time::testing::FakeClock clock_;
  FakeSource source_{clock_};
  wechatpay::Verifier verifier_;
};
Issued* PlatformCertificatesTest::a_ = nullptr;
Issued* PlatformCertificatesTest::b_ = nullptr;
Issued* PlatformCertificatesTest::expired_ = nullptr;

// The first download has no key to check it with but the one it carries (§3, bootstrapping).
TEST_F(PlatformCertificatesTest, FirstDownloadIsCheckedWithTheCertificateItCarries) {
  source_.listed = {a_, expired_};
  source_.signer = a_;
  MemoryCache cache;
  PlatformCertificates certs = Make(&cache);
  ASSERT_TRUE(certs.Refresh("").ok());
  EXPECT_EQ(verifier_.CertificateSerials(), std::vector<std::string>{a_->serial});  // not expired
  EXPECT_EQ(verifier_.PreferredSerial(), a_->serial);
  ASSERT_TRUE(cache.shared.has_value());
  EXPECT_EQ(cache.shared->fetched_at, kStart);
}

TEST_F(PlatformCertificatesTest, RefusesAListSignedByNoKnownOrListedKey) {
  source_.listed = {a_};
  source_.signer = b_;
  PlatformCertificates certs = Make();
  EXPECT_EQ(certs.Refresh("").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(verifier_.CertificateSerials().empty());
  // Once a is held, a list signed by a and carrying b is believed (a rotation).
  source_.signer = a_;
  ASSERT_TRUE(certs.Refresh("").ok());
  source_.listed = {a_, b_};
  ASSERT_TRUE(certs.Refresh("").ok());
  EXPECT_TRUE(verifier_.HasKey(b_->serial));
}

TEST_F(PlatformCertificatesTest, AWrongApiV3KeyChangesNothing) {
  source_.listed = {a_};
  source_.signer = a_;
  PlatformCertificates certs = Make();
  ASSERT_TRUE(certs.Refresh("").ok());
  source_.listed = {b_};
  source_.apiv3_key = "ffffffffffffffffffffffffffffffff";
  EXPECT_EQ(certs.Refresh("").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(verifier_.CertificateSerials(), std::vector<std::string>{a_->serial});
}

TEST_F(PlatformCertificatesTest, PublicKeyOnlyMerchantIsNotFound) {
  source_.answer = absl::NotFoundError("wechat pay answered 404 RESOURCE_NOT_EXISTS");
  PlatformCertificates certs = Make();
  EXPECT_EQ(certs.Refresh("").code(), absl::StatusCode::kNotFound);
}

// Another replica's download is adopted when it is newer, recent, and checks out here as a
// download would: opened with this replica's APIv3 key, WeChat's signature verified as of its
// fetched_at. Someone who can write to Redis can neither plant a key nor bring back an old
// list.
TEST_F(PlatformCertificatesTest, AdoptsTheSharedCopyOnlyWhenItChecksOut) {
  source_.listed = {a_, b_};
  source_.signer = a_;
  MemoryCache cache;
  {
    wechatpay::Verifier other;
    PlatformCertificates replica({.apiv3_key = kApiV3Key, .refresh_interval = seconds(3600)},
                                 source_, &cache, other, clock_);
    ASSERT_TRUE(replica.Refresh("").ok());
  }
  ASSERT_EQ(source_.downloads, 1);
  const SharedCertificates genuine = *cache.shared;
  PlatformCertificates certs = Make(&cache);
  clock_.Advance(seconds(10));
  ASSERT_TRUE(certs.Refresh(b_->serial).ok());
  EXPECT_EQ(source_.downloads, 1);  // adopted
  EXPECT_TRUE(verifier_.HasKey(b_->serial));

  // Each of these is refused, and a download made instead.
  int downloads = 1;
  const auto refused = [&](SharedCertificates copy, const char* what) {
    PlatformCertificates fresh_replica = Make(&cache);
    cache.shared = std::move(copy);
    EXPECT_TRUE(fresh_replica.Refresh("").ok()) << what;
    EXPECT_EQ(source_.downloads, ++downloads) << what;
  };
  // Re-sealed with someone else's key.
  SharedCertificates forged = genuine;
  forged.fetched_at = kStart + 20;
  forged.answer.body = wechatpay::SerializeCertificateList({*wechatpay::SealCertificate(
      expired_->pem, "ffffffffffffffffffffffffffffffff", *crypto::ParseCertificatePem(b_->pem))});
  refused(forged, "re-sealed");
  // An old genuine answer passed off as new: its signature is not from then.
  clock_.Advance(seconds(3600));
  SharedCertificates replayed = genuine;
  replayed.fetched_at = UnixSeconds(clock_.Now());
  refused(replayed, "replayed");
  // An old genuine answer as old as it is: stale.
  refused(genuine, "stale");
  // Dated in the future, so that it would look fresh for ever.
  SharedCertificates future = genuine;
  future.fetched_at = UnixSeconds(clock_.Now()) + 3600;
  refused(future, "future");
}

// Many callers waiting for one unknown serial cause one download; after a refresh that did not
// find its serial, another unknown serial is answered at once without downloading.
TEST_F(PlatformCertificatesTest, OnDemandRefreshIsSingleFlightAndRateLimited) {
  source_.listed = {a_};
  source_.signer = a_;
  PlatformCertificates certs = Make();
  certs.Start();
  ASSERT_TRUE(std::async([&] {
                std::promise<bool> p;
                certs.AwaitSerial(a_->serial, [&](bool held) { p.set_value(held); });
                return p.get_future().get();
              }).get());
  const int after_start = source_.downloads;  // the start-up refresh, maybe this call's own

  source_.listed = {a_, b_};  // rotation
  constexpr int kCallers = 8;
  std::vector<std::promise<bool>> results(kCallers);
  for (int i = 0; i < kCallers; ++i) {
    certs.AwaitSerial(b_->serial, [&results, i](bool held) { results[i].set_value(held); });
  }
  for (auto& r : results) EXPECT_TRUE(r.get_future().get());
  EXPECT_EQ(source_.downloads, after_start + 1);

  // An invented serial costs one download; another right after costs none, until the
  // interval has passed.
  const auto ask = [&](const std::string& serial) {
    std::promise<bool> p;
    certs.AwaitSerial(serial, [&](bool held) { p.set_value(held); });
    return p.get_future().get();
  };
  EXPECT_FALSE(ask("0000INVENTED"));
  EXPECT_EQ(source_.downloads, after_start + 2);
  EXPECT_FALSE(ask("0001INVENTED"));
  EXPECT_EQ(source_.downloads, after_start + 2);
  clock_.Advance(seconds(11));
  EXPECT_FALSE(ask("0002INVENTED"));
  EXPECT_EQ(source_.downloads, after_start + 3);
  certs.Stop();
}

TEST_F(PlatformCertificatesTest, StopAnswersWaiters) {
  source_.answer = absl::UnavailableError("down");
  PlatformCertificates certs = Make();
  std::promise<bool> waiting;
  certs.AwaitSerial(a_->serial, [&](bool held) { waiting.set_value(held); });  // not started
  certs.Stop();
  EXPECT_FALSE(waiting.get_future().get());
}

}  // namespace
}  // namespace paymesh::payment
