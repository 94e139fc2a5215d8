#pragma once

// The central cache of each app's global WeChat credentials: the access_token (fetched with
// stable_token) and the jsapi_ticket. Every auth replica shares them through Redis, and WeChat
// is called by exactly one replica at a time:
//
//   key paymesh:auth:wx:<kind>:<appid>   the credential, with when it was fetched, when to
//                                        refresh it and when it expires (Redis TTL = expiry)
//   key paymesh:auth:wx:lock:<kind>:<appid>  SET NX PX with a random fencing value
//
// A fresh value is served as it is. Past its refresh point (expires_in minus
// min(refresh_before, expires_in / 5) after the fetch) the first caller to take the lock fetches
// a new one while everyone else keeps serving the old, still valid, value. With no value at all,
// the lock holder fetches and the other callers wait for its value (polling Redis, taking the
// lock over if its holder died); they never call WeChat themselves. The new value is written
// only while the writer still holds the lock (a Lua compare on the fencing value), so a
// refresher that stalled past its lock can never overwrite a newer value.
//
// A caller whose WeChat call failed with 40001/42001 reports the token (ReportInvalidAccessToken):
// if it is still the cached one, one replica force-refreshes it (at most once per
// min_force_interval and max_forced_per_day a day, WeChat's own limits); a report about a token
// already replaced answers the new one without calling WeChat. A ticket fetch that meets 40001
// heals the token the same way and retries once.
//
// When Redis is unreachable, each replica serves the last value it saw while that is unexpired;
// after a Redis restart (empty), the first caller refetches and everyone shares it again.
//
// Blocking (Redis, HTTPS): worker threads only. Thread-safe.

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "common/metrics/metrics.h"
#include "common/redis/client.h"
#include "common/time/clock.h"
#include "services/auth/wechat_api.h"

namespace paymesh::auth {

struct WechatCredential {
  std::string value;
  time::Timestamp expires_at;
};

struct TokenCentreOptions {
  std::chrono::seconds refresh_before{240};  // never more than WeChat's 300 s overlap
  // Longer than a whole ticket fetch: up to four WeChat calls (token, ticket, forced token,
  // ticket) and two waits for the token's lock. LockTtlFor() computes it.
  std::chrono::milliseconds lock_ttl{22000};
  std::chrono::milliseconds wait{5000};  // for another replica's first fetch
  std::chrono::milliseconds poll{25};
  std::chrono::milliseconds retry_after_failure{2000};  // WeChat failed: nobody retries sooner
  std::chrono::seconds min_force_interval{30};
  int64_t max_forced_per_day = 20;  // WeChat's own daily cap on force_refresh
};

// A lock TTL that outlasts the longest fetch with WeChat calls of `timeout` each.
std::chrono::milliseconds LockTtlFor(std::chrono::milliseconds timeout,
                                     std::chrono::milliseconds wait);

class TokenCentre {
 public:
  // Everything must outlive the centre.
  TokenCentre(TokenCentreOptions options, WechatApi& wechat, redis::Client& redis,
              const time::Clock& clock);

  // Errors: UNAVAILABLE (WeChat or Redis down, another replica's fetch did not finish in time),
  // DEADLINE_EXCEEDED, FAILED_PRECONDITION (the app's configuration, e.g. a wrong secret),
  // RESOURCE_EXHAUSTED (WeChat's quota).
  absl::StatusOr<WechatCredential> AccessToken(const std::string& appid);
  absl::StatusOr<WechatCredential> JsapiTicket(const std::string& appid);
  // `token` met 40001/42001: the current token, refreshed if `token` still was it.
  absl::StatusOr<WechatCredential> ReportInvalidAccessToken(const std::string& appid,
                                                            const std::string& token);

 private:
  enum class Kind { kAccessToken, kJsapiTicket };
  struct Entry;
  enum class Reason { kMissing, kEarly, kHeal };

  absl::StatusOr<WechatCredential> Get(Kind kind, const std::string& appid);
  // Just after taking the lock `fence`: the fresh value (other than `superseded`) that another
  // replica stored between our read and our lock, releasing the lock; nullopt when we must fetch.
  std::optional<WechatCredential> DoneByOther(Kind kind, const std::string& appid,
                                              const std::string& superseded,
                                              const std::string& fence);
  // Holding the lock `fence`: asks WeChat and stores the answer.
  absl::StatusOr<WechatCredential> Refresh(Kind kind, const std::string& appid,
                                           const std::string& fence, Reason reason);
  absl::StatusOr<IssuedCredential> Fetch(Kind kind, const std::string& appid, bool force);
  // Polls until `ready` accepts the stored entry (or the lock is free to take: `fence` is set).
  absl::StatusOr<WechatCredential> AwaitOther(Kind kind, const std::string& appid,
                                              const std::string& superseded, std::string* fence);

  absl::StatusOr<std::optional<Entry>> Read(Kind kind, const std::string& appid);
  absl::StatusOr<bool> TryLock(Kind kind, const std::string& appid, const std::string& fence);
  void Unlock(Kind kind, const std::string& appid, const std::string& fence,
              std::chrono::milliseconds linger);
  // Local copy, for when Redis is unreachable.
  void Remember(Kind kind, const std::string& appid, const WechatCredential& c);
  absl::StatusOr<WechatCredential> FromMemory(Kind kind, const std::string& appid,
                                              const absl::Status& redis_error);

  static const char* Name(Kind kind);
  std::string Key(Kind kind, const std::string& appid) const;
  std::string LockKey(Kind kind, const std::string& appid) const;

  TokenCentreOptions options_;
  WechatApi& wechat_;
  redis::Client& redis_;
  const time::Clock& clock_;
  metrics::Counter& fetches_;
  metrics::Counter& waits_;
  metrics::Counter& fallbacks_;

  std::mutex mu_;
  std::map<std::string, WechatCredential> memory_;  // by Key()
};

}  // namespace paymesh::auth
