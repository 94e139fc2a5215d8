#include "services/auth/logic.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "common/crypto/crypto.h"
#include "common/error/status_macros.h"
#include "common/log/log.h"
#include "common/rpc/status.h"
#include "common/strings/utf8.h"

namespace paymesh::auth {
namespace {

constexpr size_t kMinUsername = 3, kMaxUsername = 32;
constexpr int64_t kMinPassword = 8, kMaxPassword = 128;  // code points
constexpr size_t kSessionIdBytes = 16, kRefreshSecretBytes = 32;
constexpr size_t kMaxRefreshToken = 256;
constexpr char kBadCredentials[] = "invalid username or password";
constexpr char kBadRefresh[] = "invalid refresh token";

bool ValidUsername(std::string_view s) {
  return s.size() >= kMinUsername && s.size() <= kMaxUsername &&
         std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isalnum(c) || c == '_'; });
}

absl::Status ValidatePassword(std::string_view password) {
  int64_t n = strings::Utf8CodePoints(password);
  if (n < 0) return absl::InvalidArgumentError("password is not valid UTF-8");
  if (n < kMinPassword || n > kMaxPassword) {
    return absl::InvalidArgumentError("password must be 8 to 128 characters");
  }
  return absl::OkStatus();
}

// Mainland China mobile: ^1[3-9][0-9]{9}$
bool ValidMobile(std::string_view s) {
  return s.size() == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9' &&
         std::all_of(s.begin() + 2, s.end(), absl::ascii_isdigit);
}

bool ValidUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !absl::ascii_isxdigit(s[i])) return false;
  }
  return true;
}

bool IsBase64Url(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return absl::ascii_isalnum(c) || c == '-' || c == '_'; });
}

// An IPv4 or IPv6 address as text; the limiter only needs a bounded, harmless key.
bool PlausibleIp(std::string_view s) {
  return !s.empty() && s.size() <= 45 && std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_isxdigit(c) || c == '.' || c == ':';
  });
}

bool SixDigits(std::string_view s) {
  return s.size() == 6 && std::all_of(s.begin(), s.end(), absl::ascii_isdigit);
}

constexpr char kMobileRule[] =
    "mobile must be a mainland China mobile number: 11 digits starting with 13-19";
constexpr char kBadSmsLogin[] = "invalid mobile or code";

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = absl::ascii_tolower(static_cast<unsigned char>(c));
  return out;
}

std::string SecretHash(std::string_view secret) { return crypto::HexLower(crypto::Sha256(secret)); }

}  // namespace

absl::StatusOr<std::string> ClientKey(std::string_view client_ip) {
  if (client_ip.empty()) return std::string("unknown");
  if (!PlausibleIp(client_ip)) return absl::InvalidArgumentError("client_ip is not an IP address");
  const std::string ip(client_ip);
  in6_addr v6{};
  if (ip.find(':') != std::string::npos && inet_pton(AF_INET6, ip.c_str(), &v6) == 1) {
    char text[INET6_ADDRSTRLEN] = {};
    if (IN6_IS_ADDR_V4MAPPED(&v6)) {
      inet_ntop(AF_INET, v6.s6_addr + 12, text, sizeof(text));
      return std::string(text);
    }
    // One subscriber usually holds a whole /64: it counts as one client.
    std::memset(v6.s6_addr + 8, 0, 8);
    inet_ntop(AF_INET6, &v6, text, sizeof(text));
    return std::string(text) + "/64";
  }
  return ToLower(ip);
}

std::string LoginUserIpBucket(std::string_view username, std::string_view client_ip) {
  return "login:user_ip:" + ToLower(username) + ":" + ToLower(client_ip);
}

std::string LoginIpBucket(std::string_view client_ip) { return "login:ip:" + ToLower(client_ip); }

absl::StatusOr<std::unique_ptr<AuthLogic>> AuthLogic::Create(AuthOptions options, Deps deps) {
  // A hash of a password nobody knows, with the live parameters: logins for unknown users
  // verify against it so that they take as long as real ones.
  ASSIGN_OR_RETURN(std::string dummy,
                   crypto::HashPassword(crypto::RandomToken(16), options.scrypt));
  return std::unique_ptr<AuthLogic>(new AuthLogic(std::move(options), deps, std::move(dummy)));
}

AuthLogic::AuthLogic(AuthOptions options, Deps deps, std::string dummy_hash)
    : options_(std::move(options)), deps_(deps), dummy_hash_(std::move(dummy_hash)) {}

int64_t AuthLogic::NowUnix() const {
  return std::chrono::duration_cast<std::chrono::seconds>(deps_.clock->Now().time_since_epoch())
      .count();
}

absl::StatusOr<User> AuthLogic::Register(std::string_view username, std::string_view password,
                                         std::string_view mobile, std::string_view sms_code,
                                         std::string_view client_ip) {
  ASSIGN_OR_RETURN(std::string ip, ClientKey(client_ip));
  if (absl::Status st = Spend(*deps_.limiter, "register:ip:" + ip, options_.register_window,
                              options_.register_max_per_ip, "too many registrations");
      !st.ok()) {
    log::Warn("registration rate limited", {});
    return st;
  }
  if (!ValidUsername(username)) {
    return absl::InvalidArgumentError("username must be 3 to 32 characters of A-Z, a-z, 0-9 or _");
  }
  RETURN_IF_ERROR(ValidatePassword(password));
  if (!mobile.empty() && !ValidMobile(mobile)) return absl::InvalidArgumentError(kMobileRule);
  if (!mobile.empty()) {
    // Only the phone's owner gets past here, so only they can learn that it is registered.
    if (sms_code.empty()) return absl::InvalidArgumentError("sms_code is required with a mobile");
    // A taken username (told to anyone anyway) must not cost the caller their code.
    absl::StatusOr<UserCredentials> taken = deps_.users->FindByUsername(username);
    if (taken.ok()) return absl::AlreadyExistsError("username already taken");
    if (!absl::IsNotFound(taken.status())) return taken.status();
    ASSIGN_OR_RETURN(bool proven, deps_.sms->Redeem(SmsPurpose::kRegister, std::string(mobile),
                                                    std::string(sms_code)));
    if (!proven) return absl::InvalidArgumentError("sms_code is wrong or expired");
  } else if (!sms_code.empty()) {
    return absl::InvalidArgumentError("sms_code needs a mobile");
  }
  NewUser user{std::string(username), "", std::string(mobile)};
  ASSIGN_OR_RETURN(user.password_hash, crypto::HashPassword(password, options_.scrypt));
  ASSIGN_OR_RETURN(User created, deps_.users->CreateUser(user));
  log::Info("user registered", {{"user_id", created.id}});
  return created;
}

absl::Status AuthLogic::CheckLoginBudget(std::string_view username, const std::string& client_ip) {
  // One address guessing many accounts runs out of its IP budget; one address guessing one
  // account runs out of that pair's. Attempts from elsewhere never touch the owner's budget.
  absl::Status st = Spend(*deps_.limiter, LoginIpBucket(client_ip), options_.login_window,
                          options_.login_max_per_ip, "too many login attempts");
  if (st.ok() && ValidUsername(username)) {
    st = Spend(*deps_.limiter, LoginUserIpBucket(username, client_ip), options_.login_window,
               options_.login_max_per_user_ip, "too many login attempts");
  }
  if (!st.ok() && absl::IsResourceExhausted(st)) log::Warn("login rate limited", {});
  return st;
}

absl::StatusOr<TokenPair> AuthLogic::Login(std::string_view username, std::string_view password,
                                           std::string_view client_ip) {
  ASSIGN_OR_RETURN(std::string ip, ClientKey(client_ip));
  RETURN_IF_ERROR(CheckLoginBudget(username, ip));

  // Malformed input can match no account; rejecting it early reveals nothing about accounts.
  if (!ValidUsername(username) || !ValidatePassword(password).ok()) {
    return absl::UnauthenticatedError(kBadCredentials);
  }
  absl::StatusOr<UserCredentials> found = deps_.users->FindByUsername(username);
  if (!found.ok() && !absl::IsNotFound(found.status())) return found.status();
  bool has_password = found.ok() && !found->password_hash.empty();
  absl::StatusOr<bool> match =
      crypto::VerifyPassword(password, has_password ? found->password_hash : dummy_hash_);
  if (!match.ok()) {
    log::Error("stored password hash unusable",
               {{"user_id", found.ok() ? found->user.id : std::string()}});
    return absl::InternalError("cannot verify password");
  }
  if (!has_password || !*match) {
    if (found.ok()) log::Info("login failed", {{"user_id", found->user.id}});
    return absl::UnauthenticatedError(kBadCredentials);
  }
  ASSIGN_OR_RETURN(TokenPair pair, StartSession(found->user));
  log::Info("login", {{"user_id", found->user.id}});
  return pair;
}

absl::StatusOr<SmsIssued> AuthLogic::SendSmsCode(std::string_view mobile, std::string_view purpose,
                                                 std::string_view client_ip) {
  ASSIGN_OR_RETURN(std::string ip, ClientKey(client_ip));
  if (!ValidMobile(mobile)) return absl::InvalidArgumentError(kMobileRule);
  ASSIGN_OR_RETURN(SmsPurpose what, ParseSmsPurpose(purpose));
  const std::string m(mobile);
  bool deliver = true;
  if (what == SmsPurpose::kLogin) {
    absl::StatusOr<User> owner = deps_.users->FindByMobile(m);
    if (!owner.ok() && !absl::IsNotFound(owner.status())) return owner.status();
    deliver = owner.ok();
  }
  ASSIGN_OR_RETURN(SmsIssued issued, deps_.sms->Issue(what, m, ip, deliver));
  log::Info("sms code issued",
            {{"mobile", log::MaskMobile(m)}, {"purpose", purpose}, {"sent", deliver}});
  return issued;
}

absl::StatusOr<TokenPair> AuthLogic::SmsLogin(std::string_view mobile, std::string_view code,
                                              std::string_view client_ip) {
  ASSIGN_OR_RETURN(std::string ip, ClientKey(client_ip));
  RETURN_IF_ERROR(Spend(*deps_.limiter, LoginIpBucket(ip), options_.login_window,
                        options_.login_max_per_ip, "too many login attempts"));
  if (!ValidMobile(mobile) || !SixDigits(code)) return absl::UnauthenticatedError(kBadSmsLogin);
  const std::string m(mobile);
  ASSIGN_OR_RETURN(bool proven, deps_.sms->Redeem(SmsPurpose::kLogin, m, std::string(code)));
  if (!proven) return absl::UnauthenticatedError(kBadSmsLogin);
  absl::StatusOr<User> user = deps_.users->FindByMobile(m);
  if (absl::IsNotFound(user.status())) return absl::UnauthenticatedError(kBadSmsLogin);
  if (!user.ok()) return user.status();
  ASSIGN_OR_RETURN(TokenPair pair, StartSession(*user));
  log::Info("login by sms", {{"user_id", user->id}});
  return pair;
}

absl::StatusOr<TokenPair> AuthLogic::StartSession(const User& user) {
  Session session;
  session.session_id = crypto::RandomToken(kSessionIdBytes);
  session.user_id = user.id;
  session.scopes = user.scopes;
  session.created_at = NowUnix();
  std::string secret = crypto::RandomToken(kRefreshSecretBytes);
  session.secret_hash = SecretHash(secret);
  RETURN_IF_ERROR(deps_.sessions->Create(session, options_.refresh_ttl));
  return IssueTokens(session, secret);
}

TokenPair AuthLogic::IssueTokens(const Session& session, const std::string& secret) const {
  AccessClaims claims;
  claims.user_id = session.user_id;
  claims.session_id = session.session_id;
  claims.scopes = session.scopes;
  claims.issued_at = NowUnix();
  claims.expires_at = claims.issued_at + options_.access_ttl.count();
  TokenPair pair;
  pair.access_token = deps_.tokens->Sign(claims);
  pair.access_expires_in = options_.access_ttl.count();
  pair.refresh_token = session.session_id + "." + secret;
  pair.refresh_expires_in = options_.refresh_ttl.count();
  pair.user_id = session.user_id;
  return pair;
}

absl::StatusOr<TokenPair> AuthLogic::Refresh(std::string_view refresh_token) {
  size_t dot = refresh_token.find('.');
  if (refresh_token.size() > kMaxRefreshToken || dot == std::string_view::npos) {
    return absl::UnauthenticatedError(kBadRefresh);
  }
  std::string session_id(refresh_token.substr(0, dot));
  std::string_view secret = refresh_token.substr(dot + 1);
  if (session_id.empty() || secret.empty() || !IsBase64Url(session_id) || !IsBase64Url(secret)) {
    return absl::UnauthenticatedError(kBadRefresh);
  }

  absl::StatusOr<Session> session = deps_.sessions->Get(session_id);
  if (absl::IsNotFound(session.status())) return absl::UnauthenticatedError(kBadRefresh);
  if (!session.ok()) return session.status();

  std::string presented_hash = SecretHash(secret);
  RotateOutcome outcome = RotateOutcome::kMismatch;
  std::string new_secret = crypto::RandomToken(kRefreshSecretBytes);
  if (crypto::ConstantTimeEquals(presented_hash, session->secret_hash)) {
    // Compare-and-set: a concurrent refresh with the same secret may have won in between.
    ASSIGN_OR_RETURN(outcome, deps_.sessions->Rotate(session_id, presented_hash,
                                                     SecretHash(new_secret), options_.refresh_ttl));
  }
  switch (outcome) {
    case RotateOutcome::kRotated:
      log::Info("session refreshed", {{"user_id", session->user_id}});
      return IssueTokens(*session, new_secret);
    case RotateOutcome::kNotFound:
      return absl::UnauthenticatedError(kBadRefresh);
    case RotateOutcome::kMismatch:
      break;
  }
  // A secret that was valid once (the session id is unguessable) has been replaced: either the
  // token was stolen and used, or it is being replayed. End the session for both holders.
  RETURN_IF_ERROR(deps_.sessions->Delete(session_id).status());
  log::Warn("refresh token reuse; session revoked", {{"user_id", session->user_id}});
  return absl::UnauthenticatedError(kBadRefresh);
}

absl::Status AuthLogic::Logout(std::string_view access_token) {
  ASSIGN_OR_RETURN(AccessClaims claims, deps_.tokens->Decode(access_token));
  ASSIGN_OR_RETURN(bool existed, deps_.sessions->Delete(claims.session_id));
  log::Info("logout", {{"user_id", claims.user_id}, {"session_existed", existed}});
  return absl::OkStatus();
}

absl::StatusOr<VerifiedToken> AuthLogic::VerifyToken(std::string_view access_token) {
  ASSIGN_OR_RETURN(AccessClaims claims, deps_.tokens->Verify(access_token, NowUnix()));
  absl::StatusOr<Session> session = deps_.sessions->Get(claims.session_id);
  if (absl::IsNotFound(session.status())) return absl::UnauthenticatedError("session ended");
  if (!session.ok()) return session.status();
  if (session->user_id != claims.user_id) return absl::UnauthenticatedError("session ended");
  return VerifiedToken{claims.user_id, claims.session_id, claims.scopes, claims.expires_at};
}

absl::StatusOr<User> AuthLogic::GetUser(std::string_view user_id) {
  if (!ValidUuid(user_id)) return absl::InvalidArgumentError("user_id must be a UUID");
  return deps_.users->FindById(user_id);
}

}  // namespace paymesh::auth
