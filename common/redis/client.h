#pragma once

// Redis client on hiredis 0.14 (synchronous API) with a small connection pool. Blocking: call it
// only from an exec::WorkerPool thread, never from a gRPC or Asio thread.
//
// Every connection has connect and command timeouts, so a hung Redis costs at most
// `command_timeout` per call; a broken connection is dropped and reopened on next use.
// Arguments are sent binary-safe (redisCommandArgv), never formatted into a command string.
//
// Errors: UNAVAILABLE for connect failures, timeouts and I/O errors; INTERNAL for an error reply
// from the server (the reply text, which never contains argument values).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct redisContext;

namespace paymesh::redis {

struct Options {
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;
  std::string password{};  // empty: no AUTH
  size_t pool_size = 4;
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{1000};
  std::chrono::milliseconds acquire_timeout{2000};
};

// Parses redis://[:password@]host[:port][/db] (password percent-decoded, host may be [IPv6]).
// INVALID_ARGUMENT for anything else; the message never quotes the URL.
absl::StatusOr<Options> ParseUrl(std::string_view url);

// A reply, flattened: nil, integer, string (status or bulk), or array of replies.
struct Reply {
  enum class Type { kNil, kInteger, kString, kArray };
  Type type = Type::kNil;
  int64_t integer = 0;
  std::string str;
  std::vector<Reply> elements;

  bool is_nil() const { return type == Type::kNil; }
};

class Client {
 public:
  explicit Client(Options options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  absl::StatusOr<Reply> Command(const std::vector<std::string>& args);

  // Conveniences over Command().
  absl::StatusOr<std::optional<std::string>> Get(const std::string& key);
  absl::Status SetEx(const std::string& key, const std::string& value, std::chrono::seconds ttl);
  // SET key value NX EX ttl; true when set.
  absl::StatusOr<bool> SetNxEx(const std::string& key, const std::string& value,
                               std::chrono::seconds ttl);
  absl::StatusOr<int64_t> Del(const std::string& key);
  absl::StatusOr<bool> Exists(const std::string& key);
  // INCR, and EXPIRE on the first increment of a window (atomically, in one Lua script; a key
  // found without a TTL gets one too); returns the count. ttl must be positive.
  absl::StatusOr<int64_t> IncrWithTtl(const std::string& key, std::chrono::seconds ttl);
  // EVAL script numkeys keys... args...
  absl::StatusOr<Reply> Eval(const std::string& script, const std::vector<std::string>& keys,
                             const std::vector<std::string>& args);
  absl::Status Ping();

 private:
  struct ContextDeleter {
    void operator()(redisContext* c) const;
  };
  using Conn = std::unique_ptr<redisContext, ContextDeleter>;
  absl::StatusOr<Conn> Acquire();
  void Release(Conn conn);
  absl::StatusOr<Conn> Open();

  Options options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Conn> idle_;
  size_t open_ = 0;
};

}  // namespace paymesh::redis
