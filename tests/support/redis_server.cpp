#include "tests/support/redis_server.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/error/status_macros.h"

namespace paymesh::testing {
namespace {

constexpr char kRedisBinary[] = "/usr/bin/redis-server";
constexpr std::chrono::milliseconds kStartTimeout{10000};

}  // namespace

absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::Start(int slot) {
  const char* env = std::getenv("TEST_SPARE_REDIS_PORT");
  int port = 0;
  if (env == nullptr || !absl::SimpleAtoi(env, &port) || port <= 0 || port + slot > 65535) {
    return absl::FailedPreconditionError(
        "TEST_SPARE_REDIS_PORT is not set: run the tests through scripts/test");
  }
  port += slot;
  std::string dir = (std::filesystem::temp_directory_path() / "paymesh-redis-XXXXXX").string();
  if (mkdtemp(dir.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp: ", std::strerror(errno)));
  }
  std::unique_ptr<RedisServer> server(new RedisServer(port, std::move(dir)));
  RETURN_IF_ERROR(server->Spawn());
  return server;
}

RedisServer::~RedisServer() {
  process_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string RedisServer::url() const { return absl::StrCat("redis://127.0.0.1:", port_, "/0"); }

absl::Status RedisServer::Spawn() {
  ASSIGN_OR_RETURN(process_,
                   ChildProcess::Start(kRedisBinary,
                                       {"--port", std::to_string(port_), "--bind", "127.0.0.1",
                                        "--save", "", "--appendonly", "no", "--dir", dir_},
                                       {}, dir_ + "/redis.log"));
  absl::StatusOr<std::string> ready =
      process_->WaitForLogLine("Ready to accept connections", kStartTimeout);
  return ready.status();
}

void RedisServer::Kill() {
  if (process_) process_->Kill();
}

absl::Status RedisServer::Restart() {
  if (process_ && process_->Running()) return absl::FailedPreconditionError("redis is running");
  return Spawn();
}

}  // namespace paymesh::testing
