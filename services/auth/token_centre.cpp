#include "services/auth/token_centre.h"

#include <algorithm>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/crypto/crypto.h"
#include "common/error/status_macros.h"
#include "common/log/log.h"

namespace paymesh::auth {
namespace {

using std::chrono::milliseconds;

constexpr char kKeyPrefix[] = "paymesh:auth:wx:";
constexpr size_t kFenceBytes = 16;

// KEYS[1] value key, KEYS[2] lock key; ARGV[1] fence, ARGV[2] entry, ARGV[3] TTL in ms.
constexpr char kStoreIfFenced[] = R"lua(
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  redis.call('DEL', KEYS[2])
  return 1
end
return 0)lua";

// KEYS[1] lock key; ARGV[1] fence, ARGV[2] linger in ms (0: release now).
constexpr char kReleaseIfFenced[] = R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '0' then return redis.call('DEL', KEYS[1]) end
return redis.call('PEXPIRE', KEYS[1], ARGV[2]))lua";

int64_t UnixMillis(time::Timestamp t) {
  return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}

time::Timestamp FromUnixMillis(int64_t ms) { return time::Timestamp(milliseconds(ms)); }

const char* ReasonName(int reason) {
  static const char* const kNames[] = {"missing", "early", "heal"};
  return kNames[reason];
}

}  // namespace

std::chrono::milliseconds LockTtlFor(std::chrono::milliseconds timeout,
                                     std::chrono::milliseconds wait) {
  return 4 * timeout + 2 * wait;
}

// What Redis holds: "<fetched_ms>|<refresh_ms>|<expires_ms>|<value>".
struct TokenCentre::Entry {
  time::Timestamp fetched_at, refresh_at, expires_at;
  std::string value;

  std::string Encode() const {
    return absl::StrCat(UnixMillis(fetched_at), "|", UnixMillis(refresh_at), "|",
                        UnixMillis(expires_at), "|", value);
  }
  static std::optional<Entry> Decode(const std::string& s) {
    std::vector<std::string> parts = absl::StrSplit(s, absl::MaxSplits('|', 3));
    int64_t fetched = 0, refresh = 0, expires = 0;
    if (parts.size() != 4 || parts[3].empty() || !absl::SimpleAtoi(parts[0], &fetched) ||
        !absl::SimpleAtoi(parts[1], &refresh) || !absl::SimpleAtoi(parts[2], &expires)) {
      return std::nullopt;
    }
    return Entry{FromUnixMillis(fetched), FromUnixMillis(refresh), FromUnixMillis(expires),
                 std::move(parts[3])};
  }
  WechatCredential credential() const { return {value, expires_at}; }
};

TokenCentre::TokenCentre(TokenCentreOptions options, WechatApi& wechat, redis::Client& redis,
                         const time::Clock& clock)
    : options_(options),
      wechat_(wechat),
      redis_(redis),
      clock_(clock),
      fetches_(metrics::Registry::Default().AddCounter(
          "auth_wechat_credential_fetches_total",
          "WeChat access_token / jsapi_ticket fetches by this replica, by why (missing, early "
          "refresh, heal after 40001/42001) and result",
          {"kind", "reason", "result"})),
      waits_(metrics::Registry::Default().AddCounter(
          "auth_wechat_credential_waits_total",
          "Callers that waited for another replica's fetch instead of calling WeChat",
          {"kind", "result"})),
      fallbacks_(metrics::Registry::Default().AddCounter(
          "auth_wechat_credential_fallbacks_total",
          "Credentials served from this replica's memory because Redis was unreachable",
          {"kind"})) {}

const char* TokenCentre::Name(Kind kind) {
  return kind == Kind::kAccessToken ? "access_token" : "jsapi_ticket";
}

std::string TokenCentre::Key(Kind kind, const std::string& appid) const {
  return absl::StrCat(kKeyPrefix, Name(kind), ":", appid);
}

std::string TokenCentre::LockKey(Kind kind, const std::string& appid) const {
  return absl::StrCat(kKeyPrefix, "lock:", Name(kind), ":", appid);
}

absl::StatusOr<WechatCredential> TokenCentre::AccessToken(const std::string& appid) {
  return Get(Kind::kAccessToken, appid);
}

absl::StatusOr<WechatCredential> TokenCentre::JsapiTicket(const std::string& appid) {
  return Get(Kind::kJsapiTicket, appid);
}

absl::StatusOr<WechatCredential> TokenCentre::Get(Kind kind, const std::string& appid) {
  absl::StatusOr<std::optional<Entry>> entry = Read(kind, appid);
  if (!entry.ok()) return FromMemory(kind, appid, entry.status());
  const time::Timestamp now = clock_.Now();
  const bool usable = entry->has_value() && now < (*entry)->expires_at;
  if (usable && now < (*entry)->refresh_at) {
    Remember(kind, appid, (*entry)->credential());
    return (*entry)->credential();
  }

  std::string fence = crypto::RandomToken(kFenceBytes);
  absl::StatusOr<bool> locked = TryLock(kind, appid, fence);
  if (usable) {
    // Due for renewal but still valid: whoever takes the lock renews it; everyone else (and the
    // renewer, if WeChat fails) keeps serving it.
    if (locked.ok() && *locked) {
      if (std::optional<WechatCredential> done = DoneByOther(kind, appid, "", fence)) return *done;
      absl::StatusOr<WechatCredential> renewed = Refresh(kind, appid, fence, Reason::kEarly);
      if (renewed.ok()) return renewed;
      log::Warn("wechat credential renewal failed; serving the current one",
                {{"kind", Name(kind)}, {"error", renewed.status().message()}});
    }
    Remember(kind, appid, (*entry)->credential());
    return (*entry)->credential();
  }
  if (!locked.ok()) return FromMemory(kind, appid, locked.status());
  if (!*locked) {
    fence.clear();
    absl::StatusOr<WechatCredential> other = AwaitOther(kind, appid, "", &fence);
    if (fence.empty()) return other;
  }
  if (std::optional<WechatCredential> done = DoneByOther(kind, appid, "", fence)) return *done;
  return Refresh(kind, appid, fence, Reason::kMissing);
}

absl::StatusOr<WechatCredential> TokenCentre::ReportInvalidAccessToken(const std::string& appid,
                                                                       const std::string& token) {
  if (token.empty()) return absl::InvalidArgumentError("access_token is required");
  constexpr Kind kind = Kind::kAccessToken;
  absl::StatusOr<std::optional<Entry>> entry = Read(kind, appid);
  if (!entry.ok()) return entry.status();  // healing needs the lock, so Redis
  if (!entry->has_value()) return Get(kind, appid);
  if ((*entry)->value != token) return (*entry)->credential();  // already replaced

  std::string fence = crypto::RandomToken(kFenceBytes);
  ASSIGN_OR_RETURN(bool locked, TryLock(kind, appid, fence));
  if (!locked) {
    fence.clear();
    absl::StatusOr<WechatCredential> other = AwaitOther(kind, appid, token, &fence);
    if (fence.empty()) return other;
  }
  if (std::optional<WechatCredential> done = DoneByOther(kind, appid, token, fence)) return *done;
  // WeChat allows a forced refresh 20 times a day, 30 s apart: so do we, across replicas.
  absl::StatusOr<bool> allowed =
      redis_.SetNxEx(absl::StrCat(kKeyPrefix, "forced:", appid), "1", options_.min_force_interval);
  if (!allowed.ok() || !*allowed) {
    Unlock(kind, appid, fence, milliseconds(0));
    if (!allowed.ok()) return allowed.status();
    return absl::UnavailableError(
        "the access_token was force-refreshed moments ago; WeChat allows one per 30 s");
  }
  absl::StatusOr<int64_t> today =
      redis_.IncrWithTtl(absl::StrCat(kKeyPrefix, "forced_day:", appid), std::chrono::hours(24));
  if (!today.ok() || *today > options_.max_forced_per_day) {
    Unlock(kind, appid, fence, milliseconds(0));
    if (!today.ok()) return today.status();
    log::Error("access_token reported invalid, but today's forced refreshes are spent",
               {{"appid", appid}});
    return absl::UnavailableError("the daily budget of forced access_token refreshes is spent");
  }
  log::Warn("access_token reported invalid; force-refreshing", {{"appid", appid}});
  return Refresh(kind, appid, fence, Reason::kHeal);
}

std::optional<WechatCredential> TokenCentre::DoneByOther(Kind kind, const std::string& appid,
                                                         const std::string& superseded,
                                                         const std::string& fence) {
  absl::StatusOr<std::optional<Entry>> entry = Read(kind, appid);
  if (!entry.ok() || !entry->has_value() || (*entry)->value == superseded ||
      clock_.Now() >= (*entry)->refresh_at) {
    return std::nullopt;
  }
  Unlock(kind, appid, fence, milliseconds(0));
  Remember(kind, appid, (*entry)->credential());
  return (*entry)->credential();
}

absl::StatusOr<WechatCredential> TokenCentre::Refresh(Kind kind, const std::string& appid,
                                                      const std::string& fence, Reason reason) {
  absl::StatusOr<IssuedCredential> issued = Fetch(kind, appid, reason == Reason::kHeal);
  fetches_.Inc({Name(kind), ReasonName(static_cast<int>(reason)),
                metrics::ResultLabel(issued.status().code())});
  if (!issued.ok()) {
    // Nobody asks WeChat again before retry_after_failure: the lock lingers that long.
    Unlock(kind, appid, fence, options_.retry_after_failure);
    return issued.status();
  }
  const time::Timestamp now = clock_.Now();
  const std::chrono::seconds margin = std::min(options_.refresh_before, issued->expires_in / 5);
  Entry entry{now, now + issued->expires_in - margin, now + issued->expires_in,
              std::move(issued->value)};
  absl::StatusOr<redis::Reply> stored =
      redis_.Eval(kStoreIfFenced, {Key(kind, appid), LockKey(kind, appid)},
                  {fence, entry.Encode(), std::to_string(issued->expires_in.count() * 1000)});
  if (!stored.ok()) {
    log::Warn("wechat credential fetched but not shared: Redis failed",
              {{"kind", Name(kind)}, {"error", stored.status().message()}});
  } else if (stored->integer != 1) {
    log::Warn("wechat credential fetched after this replica's lock expired; not stored",
              {{"kind", Name(kind)}});
  }
  Remember(kind, appid, entry.credential());
  return entry.credential();
}

absl::StatusOr<IssuedCredential> TokenCentre::Fetch(Kind kind, const std::string& appid,
                                                    bool force) {
  if (kind == Kind::kAccessToken) return wechat_.StableAccessToken(appid, force);
  ASSIGN_OR_RETURN(WechatCredential token, AccessToken(appid));
  absl::StatusOr<IssuedCredential> ticket = wechat_.JsapiTicket(token.value);
  if (ticket.status().code() != absl::StatusCode::kUnauthenticated) return ticket;
  log::Warn("jsapi_ticket fetch met an invalid access_token; healing it", {{"appid", appid}});
  ASSIGN_OR_RETURN(token, ReportInvalidAccessToken(appid, token.value));
  return wechat_.JsapiTicket(token.value);
}

absl::StatusOr<WechatCredential> TokenCentre::AwaitOther(Kind kind, const std::string& appid,
                                                         const std::string& superseded,
                                                         std::string* fence) {
  const auto deadline = std::chrono::steady_clock::now() + options_.wait;
  absl::Status last = absl::OkStatus();
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(options_.poll);
    absl::StatusOr<std::optional<Entry>> entry = Read(kind, appid);
    if (!entry.ok()) {
      last = entry.status();
      continue;
    }
    if (entry->has_value() && (*entry)->value != superseded &&
        clock_.Now() < (*entry)->expires_at) {
      waits_.Inc({Name(kind), "ok"});
      Remember(kind, appid, (*entry)->credential());
      return (*entry)->credential();
    }
    // The holder gave up or died: its lock expired, so this caller takes over.
    std::string mine = crypto::RandomToken(kFenceBytes);
    absl::StatusOr<bool> locked = TryLock(kind, appid, mine);
    if (locked.ok() && *locked) {
      *fence = std::move(mine);
      return absl::AbortedError("lock taken over");  // the caller fetches
    }
  }
  waits_.Inc({Name(kind), "timeout"});
  if (!last.ok()) return FromMemory(kind, appid, last);
  return absl::UnavailableError(
      absl::StrCat("another replica is still fetching the ", Name(kind), " from WeChat"));
}

absl::StatusOr<std::optional<TokenCentre::Entry>> TokenCentre::Read(Kind kind,
                                                                    const std::string& appid) {
  ASSIGN_OR_RETURN(std::optional<std::string> raw, redis_.Get(Key(kind, appid)));
  if (!raw) return std::optional<Entry>();
  std::optional<Entry> entry = Entry::Decode(*raw);
  if (!entry)
    log::Warn("unreadable wechat credential in Redis; refetching", {{"kind", Name(kind)}});
  return entry;
}

absl::StatusOr<bool> TokenCentre::TryLock(Kind kind, const std::string& appid,
                                          const std::string& fence) {
  ASSIGN_OR_RETURN(redis::Reply reply,
                   redis_.Command({"SET", LockKey(kind, appid), fence, "NX", "PX",
                                   std::to_string(options_.lock_ttl.count())}));
  return !reply.is_nil();
}

void TokenCentre::Unlock(Kind kind, const std::string& appid, const std::string& fence,
                         milliseconds linger) {
  absl::StatusOr<redis::Reply> r = redis_.Eval(kReleaseIfFenced, {LockKey(kind, appid)},
                                               {fence, std::to_string(linger.count())});
  if (!r.ok()) log::Warn("cannot release the wechat credential lock", {{"kind", Name(kind)}});
}

void TokenCentre::Remember(Kind kind, const std::string& appid, const WechatCredential& c) {
  std::lock_guard<std::mutex> lock(mu_);
  memory_[Key(kind, appid)] = c;
}

absl::StatusOr<WechatCredential> TokenCentre::FromMemory(Kind kind, const std::string& appid,
                                                         const absl::Status& redis_error) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = memory_.find(Key(kind, appid));
  if (it == memory_.end() || clock_.Now() >= it->second.expires_at) return redis_error;
  fallbacks_.Inc({Name(kind)});
  return it->second;
}

}  // namespace paymesh::auth
