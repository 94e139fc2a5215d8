#pragma once

// The whole service set for an end-to-end suite: auth, order, payment and the gateway, started
// from PAYMESH_BIN_DIR on 127.0.0.1 with port 0 against TEST_PG_DSN / TEST_REDIS_URL. Each
// service's ports come from its one `"msg":"serving"` log line. Keys are generated per stack
// (auth's token key; payment's merchant key, WeChat platform key and APIv3 key, with WeChat Pay
// itself pointed at a closed port unless a test overrides WECHATPAY_BASE_URL). Logs and key
// files live in a temp dir, kept when a test has failed.
//
// Not thread-safe: the test's main thread starts, stops and restarts services (see
// ChildProcess::Start for why it must be that thread).

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/crypto/ed25519.h"
#include "common/crypto/rsa.h"
#include "tests/support/process.h"

namespace paymesh::testing {

enum class Service { kAuth, kOrder, kPayment, kGateway };

// The binary's name: "auth", "order", "payment", "notify-gateway".
const char* ServiceName(Service service);

struct StackOptions {
  // Added to (or overriding) the stack's environment for one service, e.g.
  // {Service::kAuth, {{"AUTH_LOGIN_MAX_PER_USER", "3"}}}.
  std::map<Service, std::map<std::string, std::string>> env;
  // How long each service may take to log "serving".
  std::chrono::milliseconds start_timeout{30000};
};

class Stack {
 public:
  // Starts the backends, then the gateway pointed at them. Errors name the service that did not
  // come up and carry its log tail; whatever did start is stopped again.
  static absl::StatusOr<std::unique_ptr<Stack>> Start(const StackOptions& options = {});

  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;
  ~Stack();  // stops everything, the gateway first

  const std::string& host() const { return host_; }
  int gateway_port() const { return Port(Service::kGateway); }
  // The gRPC port of a backend, or the HTTP port of the gateway.
  int Port(Service service) const;
  int MetricsPort(Service service) const;
  // The key auth signs access tokens with (to mint tokens a test needs, e.g. expired ones).
  const crypto::Ed25519PrivateKey& signing_key() const { return keys_.signing; }
  // What payment was configured with, for a test acting as WeChat Pay: the merchant's key (its
  // public half verifies requests), the platform key (signs answers and notifications) and the
  // APIv3 key (encrypts notification resources).
  const crypto::RsaPrivateKey& wechat_merchant_key() const { return keys_.merchant; }
  const crypto::RsaPrivateKey& wechat_platform_key() const { return keys_.platform; }
  const std::string& wechat_apiv3_key() const { return keys_.apiv3; }
  const std::string& dir() const { return dir_; }

  // SIGTERM (a deploy's stop) and waits for the exit; returns the exit status (0 = drained).
  int Stop(Service service);
  // SIGKILL (a crash).
  void Kill(Service service);
  // Starts a stopped service again on the same ports and waits until it serves.
  absl::Status Restart(Service service);
  bool Running(Service service);

  // The last lines the service logged, for failure messages.
  std::string LogTail(Service service, size_t lines = 40) const;

 private:
  struct Child {
    std::map<std::string, std::string> env;
    std::string log_path;
    std::unique_ptr<ChildProcess> process;
    int port = 0;
    int metrics_port = 0;
  };

  struct Keys {
    crypto::Ed25519PrivateKey signing;
    crypto::RsaPrivateKey merchant;
    crypto::RsaPrivateKey platform;
    std::string apiv3;
  };

  Stack(std::string dir, Keys keys, std::chrono::milliseconds start_timeout)
      : dir_(std::move(dir)), keys_(std::move(keys)), start_timeout_(start_timeout) {}
  // Writes the key files and fills in each service's environment.
  absl::Status Configure(const StackOptions& options, const std::string& pg_dsn,
                         const std::string& redis_url);
  absl::Status Spawn(Service service);
  absl::Status AwaitServing(Service service);

  std::string host_ = "127.0.0.1";
  std::string dir_;
  Keys keys_;
  std::chrono::milliseconds start_timeout_;
  std::map<Service, Child> children_;
};

}  // namespace paymesh::testing
