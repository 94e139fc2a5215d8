#include "tests/support/stack.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/crypto/crypto.h"
#include "common/error/status_macros.h"
#include "tests/support/pki.h"
#include "tests/support/test_env.h"

#ifndef PAYMESH_BIN_DIR
#error "PAYMESH_BIN_DIR must name the directory holding the service binaries"
#endif

namespace paymesh::testing {
namespace {

constexpr char kServingLine[] = R"("msg":"serving")";

std::string Loopback(int port) { return absl::StrCat("127.0.0.1:", port); }

absl::StatusOr<std::string> MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "paymesh-e2e-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp: ", std::strerror(errno)));
  }
  return pattern;
}

absl::Status WriteSecretFile(const std::string& path, const std::string& content) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return absl::InternalError(absl::StrCat("open ", path, ": ", std::strerror(errno)));
  const bool ok = write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  close(fd);
  if (!ok) return absl::InternalError(absl::StrCat("writing ", path));
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InternalError(absl::StrCat("cannot read ", path));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// A loopback port held bound with SO_REUSEADDR but not listening: the kernel gives it to no
// port-0 bind and no outgoing connection, while a server that sets SO_REUSEADDR too may bind and
// listen on it (see stack.h). Released on destruction.
class PortReservation {
 public:
  static absl::StatusOr<PortReservation> Take() {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
    PortReservation reservation(fd);
    const int on = 1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
        bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return absl::InternalError(absl::StrCat("reserving a port: ", std::strerror(errno)));
    }
    reservation.port_ = ntohs(addr.sin_port);
    return reservation;
  }

  PortReservation(PortReservation&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)), port_(other.port_) {}
  PortReservation& operator=(PortReservation&&) = delete;
  ~PortReservation() {
    if (fd_ >= 0) close(fd_);
  }

  int port() const { return port_; }

 private:
  explicit PortReservation(int fd) : fd_(fd) {}
  int fd_;
  int port_ = 0;
};

}  // namespace

const char* ServiceName(Service service) {
  switch (service) {
    case Service::kAuth:
      return "auth";
    case Service::kOrder:
      return "order";
    case Service::kPayment:
      return "payment";
    case Service::kGateway:
      return "notify-gateway";
    case Service::kWechatSim:
      return "wechat-sim";
  }
  return "?";
}

absl::StatusOr<std::unique_ptr<Stack>> Stack::Start(const StackOptions& options) {
  const std::string pg_dsn = PgDsn();
  const std::string redis_url = RedisUrl();
  if (pg_dsn.empty() || redis_url.empty()) {
    return absl::FailedPreconditionError("TEST_PG_DSN and TEST_REDIS_URL are required");
  }
  ASSIGN_OR_RETURN(std::string dir, MakeTempDir());
  std::unique_ptr<Stack> stack(
      new Stack(dir, crypto::Ed25519PrivateKey::Generate(), options.start_timeout));
  RETURN_IF_ERROR(stack->Configure(options, pg_dsn, redis_url));

  // The simulator and order come up side by side; auth and payment need the simulator's files
  // and the gateway's (reserved) public URL, payment also order's address, the gateway
  // everyone's address. Addresses are only filled in where a test did not set its own.
  RETURN_IF_ERROR(stack->Spawn(Service::kWechatSim));
  RETURN_IF_ERROR(stack->Spawn(Service::kOrder));
  RETURN_IF_ERROR(stack->AwaitServing(Service::kWechatSim));
  RETURN_IF_ERROR(stack->ConfigureWechatPay());

  ASSIGN_OR_RETURN(PortReservation gateway_port, PortReservation::Take());
  auto& payment_env = stack->children_[Service::kPayment].env;
  auto& gateway_env = stack->children_[Service::kGateway].env;
  gateway_env.try_emplace("GATEWAY_LISTEN_ADDR", Loopback(gateway_port.port()));
  const std::string gateway_url = absl::StrCat("http://", gateway_env["GATEWAY_LISTEN_ADDR"]);
  gateway_env.try_emplace("GATEWAY_PUBLIC_URL", gateway_url);
  payment_env.try_emplace("WECHATPAY_NOTIFY_URL", gateway_url + "/wechat/notify/pay");
  stack->children_[Service::kAuth].env.try_emplace("GATEWAY_PUBLIC_URL", gateway_url);
  RETURN_IF_ERROR(stack->Spawn(Service::kAuth));

  RETURN_IF_ERROR(stack->AwaitServing(Service::kOrder));
  RETURN_IF_ERROR(stack->AwaitServing(Service::kAuth));
  const std::string order_addr = Loopback(stack->Port(Service::kOrder));
  payment_env.try_emplace("ORDER_GRPC_ADDR", order_addr);
  payment_env.try_emplace("AUTH_GRPC_ADDR", Loopback(stack->Port(Service::kAuth)));
  RETURN_IF_ERROR(stack->Spawn(Service::kPayment));
  RETURN_IF_ERROR(stack->AwaitServing(Service::kPayment));

  gateway_env.try_emplace("AUTH_GRPC_ADDR", Loopback(stack->Port(Service::kAuth)));
  gateway_env.try_emplace("ORDER_GRPC_ADDR", order_addr);
  gateway_env.try_emplace("PAYMENT_GRPC_ADDR", Loopback(stack->Port(Service::kPayment)));
  RETURN_IF_ERROR(stack->Spawn(Service::kGateway));
  RETURN_IF_ERROR(stack->AwaitServing(Service::kGateway));
  if (gateway_env["GATEWAY_LISTEN_ADDR"] == Loopback(gateway_port.port()) &&
      stack->gateway_port() != gateway_port.port()) {
    return absl::InternalError(absl::StrCat("the gateway serves on port ", stack->gateway_port(),
                                            ", not on the reserved ", gateway_port.port()));
  }
  return stack;
}

absl::Status Stack::Configure(const StackOptions& options, const std::string& pg_dsn,
                              const std::string& redis_url) {
  const std::string signing_key_path = dir_ + "/auth_signing_key.pem";
  RETURN_IF_ERROR(WriteSecretFile(signing_key_path, signing_key_.ToPem()));
  ASSIGN_OR_RETURN(TestPki pki,
                   TestPki::Issue(dir_ + "/pki", {"auth", "order", "payment", "gateway",
                                                  "gateway-notify", "token-client", "intruder"}));

  const std::map<std::string, std::string> grpc_base = {
      {"LOG_LEVEL", "info"},
      {"GRPC_LISTEN_ADDR", "127.0.0.1:0"},
      {"METRICS_LISTEN_ADDR", "127.0.0.1:0"},
  };
  children_[Service::kWechatSim].env = {
      {"LOG_LEVEL", "info"},
      {"SIM_LISTEN_ADDR", "127.0.0.1:0"},
      {"SIM_STATE_DIR", dir_ + "/wechat-sim"},
      // WeChat's retry ladder (15 s, 15 s, 30 s, 3 min, ...) in hundredths: 150 ms, 150 ms, ...
      {"SIM_TIME_SCALE", "0.01"},
      // Apps of their own: suites running side by side share Redis, where auth keeps each
      // app's access_token, and must never serve one another's.
      {"SIM_APPID", "wx" + crypto::HexLower(crypto::RandomBytes(8))},
      {"SIM_MINIPROGRAM_APPID", "wx" + crypto::HexLower(crypto::RandomBytes(8))},
  };
  children_[Service::kAuth].env = grpc_base;
  children_[Service::kAuth].env.insert({
      {"PG_DSN", pg_dsn},
      {"PG_POOL_SIZE", "4"},
      {"REDIS_URL", redis_url},
      {"AUTH_TOKEN_SIGNING_KEY_FILE", signing_key_path},
      {"AUTH_SCRYPT_LOG2_N", "12"},  // the production cost makes every login slow
  });
  children_[Service::kOrder].env = grpc_base;
  // A schema of its own: each stack's settling job sees only its own orders.
  children_[Service::kOrder].env.insert(
      {{"PG_DSN", pg_dsn},
       {"PG_POOL_SIZE", "4"},
       {"PG_SCHEMA", "orders_" + crypto::HexLower(crypto::RandomBytes(6))}});
  children_[Service::kPayment].env = grpc_base;
  children_[Service::kPayment].env.insert({
      {"REDIS_URL", redis_url},
      {"PAYMENT_SETTLE_INTERVAL_MS", "500"},
  });
  children_[Service::kGateway].env = {{"LOG_LEVEL", "info"}};
  children_[Service::kAuth].env["AUTH_TOKEN_CENTRE_CLIENTS"] = "token-client";
  for (Service service : {Service::kAuth, Service::kOrder, Service::kPayment, Service::kGateway}) {
    const std::string identity = service == Service::kGateway ? "gateway" : ServiceName(service);
    for (const auto& [k, v] : pki.EnvFor(identity)) children_[service].env[k] = v;
  }
  for (const auto& [service, env] : options.env) {
    for (const auto& [k, v] : env) children_[service].env[k] = v;
  }
  return absl::OkStatus();
}

rpc::TlsConfig Stack::Identity(const std::string& name) const {
  return TestPki(dir_ + "/pki").For(name);
}

absl::Status Stack::ConfigureWechatPay() {
  const std::string state_dir = children_.at(Service::kWechatSim).env.at("SIM_STATE_DIR");
  // The file names are the simulator's contract (tools/wechat-sim/README.md, "State directory").
  auto read = [&](const char* name) { return ReadTextFile(state_dir + "/" + name); };
  ASSIGN_OR_RETURN(std::string mchid, read("mchid"));
  ASSIGN_OR_RETURN(std::string appid, read("appid"));
  ASSIGN_OR_RETURN(std::string merchant_serial, read("merchant_serial"));
  ASSIGN_OR_RETURN(std::string platform_key_id, read("platform_public_key_id"));
  ASSIGN_OR_RETURN(std::string apiv3_key, read("apiv3_key"));
  ASSIGN_OR_RETURN(std::string merchant_pem, read("merchant_private_key.pem"));
  ASSIGN_OR_RETURN(std::string platform_pem, read("platform_private_key.pem"));
  ASSIGN_OR_RETURN(crypto::RsaPrivateKey merchant_key,
                   crypto::RsaPrivateKey::FromPem(merchant_pem));
  ASSIGN_OR_RETURN(crypto::RsaPrivateKey platform_key,
                   crypto::RsaPrivateKey::FromPem(platform_pem));
  wechat_.emplace(WechatPayMerchant{state_dir, mchid, appid, merchant_serial, platform_key_id,
                                    apiv3_key, std::move(merchant_key), std::move(platform_key)});

  // Auth: the Official Account, the mini program, and the simulator's phone as the SMS sink.
  ASSIGN_OR_RETURN(std::string miniprogram_appid, read("miniprogram_appid"));
  const std::string sim_url = absl::StrCat("http://", Loopback(sim_port()));
  auto& auth = children_[Service::kAuth].env;
  auth.try_emplace("WECHAT_APPID", appid);
  auth.try_emplace("WECHAT_APPSECRET_FILE", state_dir + "/appsecret");
  auth.try_emplace("WECHAT_MINIPROGRAM_APPID", miniprogram_appid);
  auth.try_emplace("WECHAT_MINIPROGRAM_SECRET_FILE", state_dir + "/miniprogram_secret");
  auth.try_emplace("WECHAT_API_BASE_URL", sim_url);
  auth.try_emplace("WECHAT_OPEN_BASE_URL", sim_url);
  auth.try_emplace("ALLOW_INSECURE_UPSTREAMS", "1");
  auth.try_emplace("SMS_PROVIDER", "dev");
  auth.try_emplace("SMS_DEV_URL", sim_url + "/sim/sms");

  auto& env = children_[Service::kPayment].env;
  env.try_emplace("WECHATPAY_MCHID", wechat_->mchid);
  env.try_emplace("WECHAT_APPID", wechat_->appid);
  env.try_emplace("WECHAT_MINIPROGRAM_APPID", miniprogram_appid);
  env.try_emplace("WECHATPAY_MERCHANT_SERIAL", wechat_->merchant_serial);
  env.try_emplace("WECHATPAY_MERCHANT_PRIVATE_KEY_FILE", state_dir + "/merchant_private_key.pem");
  env.try_emplace("WECHATPAY_APIV3_KEY_FILE", state_dir + "/apiv3_key");
  env.try_emplace("WECHATPAY_V2_KEY_FILE", state_dir + "/v2_key");
  env.try_emplace("WECHATPAY_PLATFORM_PUBLIC_KEY_FILE", state_dir + "/platform_public_key.pem");
  env.try_emplace("WECHATPAY_PLATFORM_PUBLIC_KEY_ID", wechat_->platform_key_id);
  env.try_emplace("WECHATPAY_BASE_URL", absl::StrCat("http://", Loopback(sim_port())));
  env.try_emplace("ALLOW_INSECURE_UPSTREAMS", "1");
  children_[Service::kGateway].env.try_emplace("GATEWAY_DEMO_SIM_URL",
                                               absl::StrCat("http://", Loopback(sim_port())));
  return absl::OkStatus();
}

std::string Stack::OrderSchema() const { return children_.at(Service::kOrder).env.at("PG_SCHEMA"); }

Stack::~Stack() {
  // The gateway first (no request reaches a stopped backend), then WeChat (no more deliveries).
  for (Service first : {Service::kGateway, Service::kWechatSim}) {
    if (children_.count(first)) children_[first].process.reset();
  }
  replicas_.clear();
  children_.clear();
  if (::testing::UnitTest::GetInstance()->Failed()) {
    std::cerr << "e2e: service logs kept in " << dir_ << "\n";
  } else {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

absl::Status Stack::Spawn(Service service) {
  Child& child = children_[service];
  child.log_path = absl::StrCat(dir_, "/", ServiceName(service), ".log");
  const std::string binary = absl::StrCat(PAYMESH_BIN_DIR, "/", ServiceName(service));
  auto process = ChildProcess::Start(binary, {}, child.env, child.log_path);
  if (!process.ok()) {
    return absl::Status(process.status().code(),
                        absl::StrCat(ServiceName(service), ": ", process.status().message()));
  }
  child.process = std::move(process).value();
  return absl::OkStatus();
}

absl::Status Stack::AwaitServing(Service service) {
  Child& child = children_[service];
  auto line = child.process->WaitForLogLine(kServingLine, start_timeout_);
  if (!line.ok()) {
    return absl::Status(
        line.status().code(),
        absl::StrCat(ServiceName(service), " did not start: ", line.status().message()));
  }
  const bool http = service == Service::kGateway || service == Service::kWechatSim;
  const auto port = IntField(*line, http ? "http_port" : "grpc_port");
  const auto metrics_port = http ? std::optional<int64_t>(0) : IntField(*line, "metrics_port");
  if (!port || *port <= 0 || !metrics_port) {
    return absl::InternalError(
        absl::StrCat(ServiceName(service), ": the serving line lacks integer ports: ", *line));
  }
  child.port = static_cast<int>(*port);
  child.metrics_port = static_cast<int>(*metrics_port);
  return absl::OkStatus();
}

int Stack::Port(Service service) const {
  auto it = children_.find(service);
  return it == children_.end() ? 0 : it->second.port;
}

int Stack::MetricsPort(Service service) const {
  auto it = children_.find(service);
  return it == children_.end() ? 0 : it->second.metrics_port;
}

int Stack::Stop(Service service) {
  Child& child = children_.at(service);
  child.process->Terminate();
  return child.process->ExitCode().value_or(-1);
}

void Stack::Kill(Service service) { children_.at(service).process->Kill(); }

bool Stack::Running(Service service) {
  auto it = children_.find(service);
  return it != children_.end() && it->second.process && it->second.process->Running();
}

absl::Status Stack::Restart(Service service) {
  Child& child = children_.at(service);
  if (child.process && child.process->Running()) {
    return absl::FailedPreconditionError(absl::StrCat(ServiceName(service), " is running"));
  }
  // The others were told these ports: the new process must listen on them again.
  if (service == Service::kGateway) {
    child.env["GATEWAY_LISTEN_ADDR"] = Loopback(child.port);
  } else if (service == Service::kWechatSim) {
    child.env["SIM_LISTEN_ADDR"] = Loopback(child.port);
  } else {
    child.env["GRPC_LISTEN_ADDR"] = Loopback(child.port);
    child.env["METRICS_LISTEN_ADDR"] = Loopback(child.metrics_port);
  }
  const int port = child.port;
  RETURN_IF_ERROR(Spawn(service));
  RETURN_IF_ERROR(AwaitServing(service));
  if (child.port != port) {
    return absl::InternalError(absl::StrCat(ServiceName(service), " came back on port ", child.port,
                                            " instead of ", port));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> Stack::StartReplica(Service service) {
  if (service == Service::kGateway || service == Service::kWechatSim) {
    return absl::InvalidArgumentError("only gRPC backends get replicas here");
  }
  std::map<std::string, std::string> env = children_.at(service).env;
  env["GRPC_LISTEN_ADDR"] = "127.0.0.1:0";
  env["METRICS_LISTEN_ADDR"] = "127.0.0.1:0";
  const std::string log_path =
      absl::StrCat(dir_, "/", ServiceName(service), "-replica-", replicas_.size() + 1, ".log");
  ASSIGN_OR_RETURN(std::unique_ptr<ChildProcess> process,
                   ChildProcess::Start(absl::StrCat(PAYMESH_BIN_DIR, "/", ServiceName(service)), {},
                                       env, log_path));
  ASSIGN_OR_RETURN(std::string line, process->WaitForLogLine(kServingLine, start_timeout_));
  const std::optional<int64_t> port = IntField(line, "grpc_port");
  if (!port || *port <= 0) return absl::InternalError("the replica's serving line lacks grpc_port");
  replicas_.push_back(std::move(process));
  return static_cast<int>(*port);
}

std::string Stack::LogTail(Service service, size_t lines) const {
  auto it = children_.find(service);
  if (it == children_.end() || !it->second.process) return "";
  return it->second.process->LogTail(lines);
}

}  // namespace paymesh::testing
