#include "services/auth/redis_session_store.h"

#include <string_view>
#include <utility>

#include "absl/strings/numbers.h"
#include "common/error/status_macros.h"
#include "services/auth/scopes.h"

namespace paymesh::auth {
namespace {

// KEYS[1] session key; ARGV user_id, secret_hash, scope, created_at, ttl seconds.
constexpr char kCreateScript[] = R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'user_id', ARGV[1], 'secret_hash', ARGV[2], 'scope', ARGV[3],
           'created_at', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
)lua";

// KEYS[1] session key; ARGV expected hash, new hash, ttl seconds.
// 1 rotated, 0 no such session, -1 the stored hash is another one.
constexpr char kRotateScript[] = R"lua(
local current = redis.call('HGET', KEYS[1], 'secret_hash')
if not current then return 0 end
if current ~= ARGV[1] then return -1 end
redis.call('HSET', KEYS[1], 'secret_hash', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
)lua";

absl::Status Unexpected(std::string_view what) {
  return absl::InternalError(std::string("unexpected Redis reply to ") + std::string(what));
}

}  // namespace

RedisSessionStore::RedisSessionStore(redis::Client* client, std::string key_prefix)
    : client_(client), key_prefix_(std::move(key_prefix)) {}

absl::Status RedisSessionStore::Create(const Session& session, std::chrono::seconds ttl) {
  ASSIGN_OR_RETURN(
      redis::Reply reply,
      client_->Eval(kCreateScript, {Key(session.session_id)},
                    {session.user_id, session.secret_hash, JoinScopes(session.scopes),
                     std::to_string(session.created_at), std::to_string(ttl.count())}));
  if (reply.type != redis::Reply::Type::kInteger) return Unexpected("session create");
  if (reply.integer == 0) return absl::AlreadyExistsError("session id taken");
  return absl::OkStatus();
}

absl::StatusOr<Session> RedisSessionStore::Get(const std::string& session_id) {
  ASSIGN_OR_RETURN(redis::Reply reply, client_->Command({"HGETALL", Key(session_id)}));
  if (reply.type != redis::Reply::Type::kArray || reply.elements.size() % 2 != 0) {
    return Unexpected("HGETALL");
  }
  if (reply.elements.empty()) return absl::NotFoundError("no such session");
  Session session;
  session.session_id = session_id;
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    const std::string& field = reply.elements[i].str;
    const std::string& value = reply.elements[i + 1].str;
    if (field == "user_id") {
      session.user_id = value;
    } else if (field == "secret_hash") {
      session.secret_hash = value;
    } else if (field == "scope") {
      session.scopes = SplitScopes(value);
    } else if (field == "created_at" && !absl::SimpleAtoi(value, &session.created_at)) {
      return Unexpected("HGETALL (created_at)");
    }
  }
  if (session.user_id.empty() || session.secret_hash.empty()) {
    return Unexpected("HGETALL (incomplete session)");
  }
  return session;
}

absl::StatusOr<RotateOutcome> RedisSessionStore::Rotate(const std::string& session_id,
                                                        const std::string& expected_hash,
                                                        const std::string& new_hash,
                                                        std::chrono::seconds ttl) {
  ASSIGN_OR_RETURN(redis::Reply reply,
                   client_->Eval(kRotateScript, {Key(session_id)},
                                 {expected_hash, new_hash, std::to_string(ttl.count())}));
  if (reply.type != redis::Reply::Type::kInteger) return Unexpected("session rotate");
  switch (reply.integer) {
    case 1:
      return RotateOutcome::kRotated;
    case 0:
      return RotateOutcome::kNotFound;
    case -1:
      return RotateOutcome::kMismatch;
  }
  return Unexpected("session rotate");
}

absl::StatusOr<bool> RedisSessionStore::Delete(const std::string& session_id) {
  ASSIGN_OR_RETURN(int64_t removed, client_->Del(Key(session_id)));
  return removed > 0;
}

}  // namespace paymesh::auth
