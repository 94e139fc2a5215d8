#pragma once

// The whole service set for an end-to-end suite: the WeChat Pay simulator, auth, order, payment
// and the gateway, started from PAYMESH_BIN_DIR on 127.0.0.1 against TEST_PG_DSN /
// TEST_REDIS_URL. Each service's ports come from its one `"msg":"serving"` log line. Logs, auth's
// token key and the simulator's state directory live in a temp dir, kept when a test has failed.
//
// WeChat is the simulator (`wechat-sim`, SIM_TIME_SCALE 0.01 unless a test sets another): auth
// signs users in with its Official Account and mini program and sends SMS codes to its phone;
// it generates the dev merchant's keys in its state directory, and payment is configured with
// exactly those files and values, its base URL pointing at the simulator. Payment and the gateway
// need each other's addresses (payment tells WeChat the gateway's notify URL; the gateway calls
// payment), so the stack reserves the gateway's port before payment starts: a loopback socket
// bound with SO_REUSEADDR but not listening, which no port-0 bind or outgoing connection can
// take, while the gateway (whose acceptor also sets SO_REUSEADDR) binds and listens on it. The
// reservation is released once the gateway serves. No service is started twice.
//
// The services talk mutual TLS with identities issued for the stack (scripts/lib/pki.sh): auth,
// order, payment, gateway, and two a test may act as: "token-client" (auth's token-centre
// client, AUTH_TOKEN_CENTRE_CLIENTS) and "intruder" (a valid certificate no rule names).
//
// Not thread-safe: the test's main thread starts, stops and restarts services (see
// ChildProcess::Start for why it must be that thread).

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/crypto/ed25519.h"
#include "common/crypto/rsa.h"
#include "common/rpc/tls.h"
#include "tests/support/process.h"

namespace paymesh::testing {

enum class Service { kAuth, kOrder, kPayment, kGateway, kWechatSim };

// The binary's name: "auth", "order", "payment", "notify-gateway", "wechat-sim".
const char* ServiceName(Service service);

struct StackOptions {
  // Added to (or overriding) the stack's environment for one service, e.g.
  // {Service::kAuth, {{"AUTH_LOGIN_MAX_PER_USER_IP", "3"}}} or
  // {Service::kWechatSim, {{"SIM_TIME_SCALE", "0.001"}}}.
  std::map<Service, std::map<std::string, std::string>> env;
  // How long each service may take to log "serving".
  std::chrono::milliseconds start_timeout{30000};
};

// The dev merchant as the simulator generated it and payment was configured with: what a test
// acting as WeChat Pay (platform key, APIv3 key) or as the merchant signs with.
struct WechatPayMerchant {
  std::string state_dir;  // the simulator's SIM_STATE_DIR
  std::string mchid;
  std::string appid;
  std::string merchant_serial;
  std::string platform_key_id;         // PUB_KEY_ID_…, sent as Wechatpay-Serial
  std::string apiv3_key;               // 32 bytes; encrypts notification resources
  crypto::RsaPrivateKey merchant_key;  // signs payment's requests to WeChat
  crypto::RsaPrivateKey platform_key;  // signs WeChat's answers and notifications
};

class Stack {
 public:
  // Starts the simulator and the backends, then the gateway pointed at them. Errors name the
  // service that did not come up and carry its log tail; whatever did start is stopped again.
  static absl::StatusOr<std::unique_ptr<Stack>> Start(const StackOptions& options = {});

  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;
  ~Stack();  // stops everything, the gateway first

  const std::string& host() const { return host_; }
  int gateway_port() const { return Port(Service::kGateway); }
  int sim_port() const { return Port(Service::kWechatSim); }
  // The gRPC port of a backend, or the HTTP port of the gateway and the simulator.
  int Port(Service service) const;
  int MetricsPort(Service service) const;  // 0 for the gateway and the simulator
  // The key auth signs access tokens with (to mint tokens a test needs, e.g. expired ones).
  const crypto::Ed25519PrivateKey& signing_key() const { return signing_key_; }
  const WechatPayMerchant& wechat() const { return *wechat_; }
  const std::string& dir() const { return dir_; }
  // The files of an identity issued for this stack ("payment", "token-client", "intruder", ...),
  // to dial a backend as it: rpc::MakeChannel(addr, stack.Identity("payment"), "order").
  rpc::TlsConfig Identity(const std::string& name) const;
  // The PostgreSQL schema order keeps its tables in (PG_SCHEMA): one per stack.
  std::string OrderSchema() const;

  // SIGTERM (a deploy's stop) and waits for the exit; returns the exit status (0 = drained).
  int Stop(Service service);
  // SIGKILL (a crash).
  void Kill(Service service);
  // Starts a stopped service again on the same ports and waits until it serves. The simulator
  // keeps its keys (state directory) but forgets its orders.
  absl::Status Restart(Service service);
  bool Running(Service service);

  // The last lines the service logged, for failure messages.
  std::string LogTail(Service service, size_t lines = 40) const;

  // One more instance of a backend, with the same environment on ports of its own (as a second
  // Kubernetes pod would run); returns its gRPC port. Stopped with the stack.
  absl::StatusOr<int> StartReplica(Service service);

 private:
  struct Child {
    std::map<std::string, std::string> env;
    std::string log_path;
    std::unique_ptr<ChildProcess> process;
    int port = 0;
    int metrics_port = 0;
  };

  Stack(std::string dir, crypto::Ed25519PrivateKey signing_key,
        std::chrono::milliseconds start_timeout)
      : dir_(std::move(dir)), signing_key_(std::move(signing_key)), start_timeout_(start_timeout) {}
  // Writes auth's key file and fills in each service's environment, except what depends on
  // another service (addresses, the simulator's files).
  absl::Status Configure(const StackOptions& options, const std::string& pg_dsn,
                         const std::string& redis_url);
  // Reads the merchant from the simulator's state directory and configures payment with it.
  absl::Status ConfigureWechatPay();
  absl::Status Spawn(Service service);
  absl::Status AwaitServing(Service service);

  std::string host_ = "127.0.0.1";
  std::string dir_;
  crypto::Ed25519PrivateKey signing_key_;
  std::optional<WechatPayMerchant> wechat_;
  std::chrono::milliseconds start_timeout_;
  std::map<Service, Child> children_;
  std::vector<std::unique_ptr<ChildProcess>> replicas_;
};

}  // namespace paymesh::testing
