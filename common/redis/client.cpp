#include "common/redis/client.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <signal.h>
#include <sys/time.h>

#include <algorithm>
#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"

namespace paymesh::redis {
namespace {

// Atomic INCR + first-window EXPIRE. EXPIRE … NX needs Redis 7; a script works everywhere and
// also heals a key that somehow lost its TTL (TTL -1), so a counter can never live forever.
constexpr char kIncrWithTtlScript[] =
    "local n = redis.call('INCR', KEYS[1]) "
    "if n == 1 or redis.call('TTL', KEYS[1]) == -1 then "
    "redis.call('EXPIRE', KEYS[1], ARGV[1]) end "
    "return n";

timeval ToTimeval(std::chrono::milliseconds d) {
  const int64_t ms = std::max<int64_t>(d.count(), 1);
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
  return tv;
}

// hiredis writes with write(2): a peer that closed the socket would raise SIGPIPE and kill the
// process. Ignore it unless the program installed its own handler.
void IgnoreSigpipeOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current {};
    if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
      signal(SIGPIPE, SIG_IGN);
    }
  });
}

// An idle connection has no request in flight, so anything readable on its socket means the
// server closed it (restart, idle timeout, CLIENT KILL). Checking costs no round trip and
// avoids failing the next caller's command on a dead socket.
bool LooksAlive(const redisContext* c) {
  pollfd p{};
  p.fd = c->fd;
  p.events = POLLIN;
  return poll(&p, 1, 0) == 0;
}

absl::Status IoError(const redisContext* c) {
  return absl::UnavailableError(absl::StrCat("Redis I/O error: ", c->errstr));
}

absl::StatusOr<Reply> Flatten(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_NIL:
      return out;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::kInteger;
      out.integer = r->integer;
      return out;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::kString;
      out.str.assign(r->str, r->len);
      return out;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) {
        absl::StatusOr<Reply> e = Flatten(r->element[i]);
        if (!e.ok()) return e.status();
        out.elements.push_back(std::move(e).value());
      }
      return out;
    case REDIS_REPLY_ERROR:
      return absl::InternalError(absl::StrCat("Redis: ", std::string(r->str, r->len)));
    default:
      return absl::InternalError("Redis: unexpected reply type");
  }
}

// Sends one command binary-safe and reads its reply. On I/O errors c->err stays set, which
// makes Release() discard the connection.
absl::StatusOr<Reply> RunOn(redisContext* c, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> argvlen;
  argv.reserve(args.size());
  argvlen.reserve(args.size());
  for (const std::string& a : args) {
    argv.push_back(a.data());
    argvlen.push_back(a.size());
  }
  void* raw = redisCommandArgv(c, static_cast<int>(args.size()), argv.data(), argvlen.data());
  if (raw == nullptr) return IoError(c);
  redisReply* reply = static_cast<redisReply*>(raw);
  absl::StatusOr<Reply> out = Flatten(reply);
  freeReplyObject(reply);
  return out;
}

absl::Status Unexpected(const char* command) {
  return absl::InternalError(absl::StrCat("Redis: unexpected reply to ", command));
}

}  // namespace

void Client::ContextDeleter::operator()(redisContext* c) const { redisFree(c); }

Client::Client(Options options) : options_(std::move(options)) {
  if (options_.pool_size == 0) options_.pool_size = 1;
  IgnoreSigpipeOnce();
}

Client::~Client() = default;

absl::StatusOr<Client::Conn> Client::Open() {
  Conn conn(redisConnectWithTimeout(options_.host.c_str(), options_.port,
                                    ToTimeval(options_.connect_timeout)));
  if (conn == nullptr) return absl::UnavailableError("Redis: cannot allocate a connection");
  if (conn->err != 0) {
    log::Warn(
        "cannot connect to Redis",
        {{"host", options_.host}, {"port", options_.port}, {"error", std::string(conn->errstr)}});
    return absl::UnavailableError(absl::StrCat("cannot connect to Redis at ", options_.host, ":",
                                               options_.port, ": ", conn->errstr));
  }
  if (redisSetTimeout(conn.get(), ToTimeval(options_.command_timeout)) != REDIS_OK) {
    return absl::UnavailableError("Redis: cannot set the command timeout");
  }
  if (!options_.password.empty()) {
    absl::StatusOr<Reply> r = RunOn(conn.get(), {"AUTH", options_.password});
    // The server's text is not echoed: keep anything near the password out of messages.
    if (!r.ok()) return absl::UnavailableError("Redis: authentication failed");
  }
  if (options_.db != 0) {
    absl::StatusOr<Reply> r = RunOn(conn.get(), {"SELECT", std::to_string(options_.db)});
    if (!r.ok()) {
      return absl::UnavailableError(
          absl::StrCat("Redis: cannot select database ", options_.db, ": ", r.status().message()));
    }
  }
  return conn;
}

absl::StatusOr<Client::Conn> Client::Acquire() {
  const auto deadline = std::chrono::steady_clock::now() + options_.acquire_timeout;
  std::unique_lock<std::mutex> lock(mu_);
  while (idle_.empty() && open_ >= options_.pool_size) {
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.pool_size) {
      return absl::UnavailableError("no Redis connection available");
    }
  }
  while (!idle_.empty()) {
    Conn conn = std::move(idle_.back());
    idle_.pop_back();
    if (LooksAlive(conn.get())) return conn;
    --open_;
  }
  ++open_;  // reserve the slot, then connect without holding the lock
  lock.unlock();
  absl::StatusOr<Conn> conn = Open();
  if (!conn.ok()) Release(nullptr);
  return conn;
}

void Client::Release(Conn conn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (conn != nullptr && conn->err == 0) {
      idle_.push_back(std::move(conn));
    } else {
      --open_;
    }
  }
  cv_.notify_one();
}

absl::StatusOr<Reply> Client::Command(const std::vector<std::string>& args) {
  if (args.empty()) return absl::InvalidArgumentError("Redis: empty command");
  absl::StatusOr<Conn> conn = Acquire();
  if (!conn.ok()) return conn.status();
  absl::StatusOr<Reply> reply = RunOn(conn->get(), args);
  Release(std::move(conn).value());
  return reply;
}

absl::StatusOr<std::optional<std::string>> Client::Get(const std::string& key) {
  absl::StatusOr<Reply> r = Command({"GET", key});
  if (!r.ok()) return r.status();
  if (r->is_nil()) return std::optional<std::string>();
  if (r->type != Reply::Type::kString) return Unexpected("GET");
  return std::optional<std::string>(std::move(r->str));
}

absl::Status Client::SetEx(const std::string& key, const std::string& value,
                           std::chrono::seconds ttl) {
  if (ttl.count() <= 0) return absl::InvalidArgumentError("Redis: TTL must be positive");
  absl::StatusOr<Reply> r = Command({"SET", key, value, "EX", std::to_string(ttl.count())});
  if (!r.ok()) return r.status();
  if (r->type != Reply::Type::kString || r->str != "OK") return Unexpected("SET");
  return absl::OkStatus();
}

absl::StatusOr<bool> Client::SetNxEx(const std::string& key, const std::string& value,
                                     std::chrono::seconds ttl) {
  if (ttl.count() <= 0) return absl::InvalidArgumentError("Redis: TTL must be positive");
  absl::StatusOr<Reply> r = Command({"SET", key, value, "NX", "EX", std::to_string(ttl.count())});
  if (!r.ok()) return r.status();
  if (r->is_nil()) return false;
  if (r->type != Reply::Type::kString || r->str != "OK") return Unexpected("SET NX");
  return true;
}

absl::StatusOr<int64_t> Client::Del(const std::string& key) {
  absl::StatusOr<Reply> r = Command({"DEL", key});
  if (!r.ok()) return r.status();
  if (r->type != Reply::Type::kInteger) return Unexpected("DEL");
  return r->integer;
}

absl::StatusOr<bool> Client::Exists(const std::string& key) {
  absl::StatusOr<Reply> r = Command({"EXISTS", key});
  if (!r.ok()) return r.status();
  if (r->type != Reply::Type::kInteger) return Unexpected("EXISTS");
  return r->integer > 0;
}

absl::StatusOr<int64_t> Client::IncrWithTtl(const std::string& key, std::chrono::seconds ttl) {
  if (ttl.count() <= 0) return absl::InvalidArgumentError("Redis: TTL must be positive");
  absl::StatusOr<Reply> r = Eval(kIncrWithTtlScript, {key}, {std::to_string(ttl.count())});
  if (!r.ok()) return r.status();
  if (r->type != Reply::Type::kInteger) return Unexpected("INCR script");
  return r->integer;
}

absl::StatusOr<Reply> Client::Eval(const std::string& script, const std::vector<std::string>& keys,
                                   const std::vector<std::string>& args) {
  std::vector<std::string> argv;
  argv.reserve(3 + keys.size() + args.size());
  argv.push_back("EVAL");
  argv.push_back(script);
  argv.push_back(std::to_string(keys.size()));
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  return Command(argv);
}

absl::Status Client::Ping() {
  absl::StatusOr<Reply> r = Command({"PING"});
  if (!r.ok()) return r.status();
  if (r->type != Reply::Type::kString || r->str != "PONG") return Unexpected("PING");
  return absl::OkStatus();
}

}  // namespace paymesh::redis
