#pragma once

// A Redis server of the test's own, for tests that stop and restart Redis (the shared one
// started by scripts/test must stay up for everyone else). It listens on 127.0.0.1 at
// TEST_SPARE_REDIS_PORT + slot (scripts/test sets the base; a missing setting fails the test),
// keeps nothing on disk, and starts empty every time. ctest runs test cases side by side, so each
// slot belongs to one test case: 0 to TokenCentreRedisRestartTest (auth_store_test), 1 to the
// e2e TokenCentreRedisRestartE2eTest.
//
// Not thread-safe: the test's main thread starts and stops it (see ChildProcess).

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "tests/support/process.h"

namespace paymesh::testing {

class RedisServer {
 public:
  static absl::StatusOr<std::unique_ptr<RedisServer>> Start(int slot = 0);
  ~RedisServer();

  int port() const { return port_; }
  std::string url() const;  // redis://127.0.0.1:<port>/0

  void Kill();             // SIGKILL: a crash, every key lost
  absl::Status Restart();  // after Kill(): up again, empty, on the same port

 private:
  RedisServer(int port, std::string dir) : port_(port), dir_(std::move(dir)) {}
  absl::Status Spawn();

  int port_;
  std::string dir_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace paymesh::testing
