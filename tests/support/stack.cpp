#include "tests/support/stack.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "common/crypto/crypto.h"
#include "common/error/status_macros.h"
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
  Keys keys{crypto::Ed25519PrivateKey::Generate(), crypto::RsaPrivateKey::Generate(),
            crypto::RsaPrivateKey::Generate(), crypto::RandomAlnum(32)};
  std::unique_ptr<Stack> stack(new Stack(dir, std::move(keys), options.start_timeout));
  RETURN_IF_ERROR(stack->Configure(options, pg_dsn, redis_url));

  // Auth and order come up side by side; payment needs order's address, the gateway everyone's.
  // Addresses are only filled in where a test did not set its own.
  RETURN_IF_ERROR(stack->Spawn(Service::kAuth));
  RETURN_IF_ERROR(stack->Spawn(Service::kOrder));
  RETURN_IF_ERROR(stack->AwaitServing(Service::kOrder));
  const std::string order_addr = Loopback(stack->Port(Service::kOrder));
  stack->children_[Service::kPayment].env.try_emplace("ORDER_GRPC_ADDR", order_addr);
  RETURN_IF_ERROR(stack->Spawn(Service::kPayment));
  RETURN_IF_ERROR(stack->AwaitServing(Service::kAuth));
  RETURN_IF_ERROR(stack->AwaitServing(Service::kPayment));

  auto& gateway_env = stack->children_[Service::kGateway].env;
  gateway_env.try_emplace("AUTH_GRPC_ADDR", Loopback(stack->Port(Service::kAuth)));
  gateway_env.try_emplace("ORDER_GRPC_ADDR", order_addr);
  gateway_env.try_emplace("PAYMENT_GRPC_ADDR", Loopback(stack->Port(Service::kPayment)));
  RETURN_IF_ERROR(stack->Spawn(Service::kGateway));
  RETURN_IF_ERROR(stack->AwaitServing(Service::kGateway));
  return stack;
}

absl::Status Stack::Configure(const StackOptions& options, const std::string& pg_dsn,
                              const std::string& redis_url) {
  const std::string signing_key_path = dir_ + "/auth_signing_key.pem";
  const std::string merchant_key_path = dir_ + "/wechatpay_merchant_key.pem";
  const std::string platform_key_path = dir_ + "/wechatpay_platform_public_key.pem";
  const std::string apiv3_key_path = dir_ + "/wechatpay_apiv3_key";
  RETURN_IF_ERROR(WriteSecretFile(signing_key_path, keys_.signing.ToPem()));
  RETURN_IF_ERROR(WriteSecretFile(merchant_key_path, keys_.merchant.ToPem()));
  RETURN_IF_ERROR(WriteSecretFile(platform_key_path, keys_.platform.PublicKey().ToPem()));
  RETURN_IF_ERROR(WriteSecretFile(apiv3_key_path, keys_.apiv3));

  const std::map<std::string, std::string> grpc_base = {
      {"LOG_LEVEL", "info"},
      {"GRPC_LISTEN_ADDR", "127.0.0.1:0"},
      {"METRICS_LISTEN_ADDR", "127.0.0.1:0"},
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
  children_[Service::kOrder].env.insert({{"PG_DSN", pg_dsn}, {"PG_POOL_SIZE", "4"}});
  children_[Service::kPayment].env = grpc_base;
  children_[Service::kPayment].env.insert({
      {"WECHATPAY_MCHID", "1900000109"},
      {"WECHAT_APPID", "wxe2e0000000000001"},
      {"WECHATPAY_MERCHANT_SERIAL", crypto::HexUpper(crypto::RandomBytes(20))},
      {"WECHATPAY_MERCHANT_PRIVATE_KEY_FILE", merchant_key_path},
      {"WECHATPAY_APIV3_KEY_FILE", apiv3_key_path},
      {"WECHATPAY_PLATFORM_PUBLIC_KEY_FILE", platform_key_path},
      {"WECHATPAY_PLATFORM_PUBLIC_KEY_ID", "PUB_KEY_ID_0100000000000000000000000000"},
      // Nothing listens on the discard port: WeChat Pay is unreachable unless a test points
      // payment at a simulator.
      {"WECHATPAY_BASE_URL", "http://127.0.0.1:9"},
      {"ALLOW_INSECURE_UPSTREAMS", "1"},
      {"WECHATPAY_NOTIFY_URL", "http://127.0.0.1:9/api/v1/notify/wechatpay"},
  });
  children_[Service::kGateway].env = {
      {"LOG_LEVEL", "info"},
      {"GATEWAY_LISTEN_ADDR", "127.0.0.1:0"},
  };
  for (const auto& [service, env] : options.env) {
    for (const auto& [k, v] : env) children_[service].env[k] = v;
  }
  return absl::OkStatus();
}

Stack::~Stack() {
  if (children_.count(Service::kGateway)) children_[Service::kGateway].process.reset();
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
  const bool gateway = service == Service::kGateway;
  const auto port = IntField(*line, gateway ? "http_port" : "grpc_port");
  const auto metrics_port = gateway ? std::optional<int64_t>(0) : IntField(*line, "metrics_port");
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

std::string Stack::LogTail(Service service, size_t lines) const {
  auto it = children_.find(service);
  if (it == children_.end() || !it->second.process) return "";
  return it->second.process->LogTail(lines);
}

}  // namespace paymesh::testing
