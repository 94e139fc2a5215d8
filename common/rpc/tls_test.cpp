// Mutual TLS and per-method authorization over loopback gRPC, with identities issued by
// scripts/lib/pki.sh: who gets in, who is refused, and how.
#include "common/rpc/tls.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

#include "common/config/env.h"
#include "common/metrics/metrics.h"
#include "common/rpc/access.h"
#include "common/rpc/call.h"
#include "common/rpc/server.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "paymesh/order/v1/order.grpc.pb.h"
#include "tests/support/pki.h"

namespace paymesh::rpc {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;
using paymesh::order::v1::ListProductsRequest;
using paymesh::order::v1::ListProductsResponse;
using paymesh::order::v1::OrderService;
using testing::TestPki;

constexpr char kOrderService[] = "paymesh.order.v1.OrderService";
constexpr char kListProducts[] = "/paymesh.order.v1.OrderService/ListProducts";

class AnsweringOrderService : public OrderService::CallbackService {
 public:
  grpc::ServerUnaryReactor* ListProducts(grpc::CallbackServerContext* ctx,
                                         const ListProductsRequest*,
                                         ListProductsResponse* resp) override {
    resp->add_products()->set_sku("reached");
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

std::string TempDir(const char* name) {
  auto dir = std::filesystem::temp_directory_path() /
             (std::string("paymesh-tls-") + name + "-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  return dir.string();
}

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto pki = TestPki::Issue(TempDir("ours"), {"order", "payment", "gateway", "auth"});
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = new TestPki(*pki);
    // Another CA issuing a certificate with a name we trust: still a stranger.
    auto other = TestPki::Issue(TempDir("theirs"), {"payment"});
    ASSERT_TRUE(other.ok()) << other.status();
    stranger_ = new TestPki(*other);
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(pki_->dir());
    std::filesystem::remove_all(stranger_->dir());
    delete pki_;
    delete stranger_;
  }

  void SetUp() override {
    ServerOptions options;
    options.tls = pki_->For("order");
    options.access.Allow("payment", kOrderService, {"ListProducts"});
    server_ = std::make_unique<Server>(options);
    server_->AddService(&service_);
    auto port = server_->Start("127.0.0.1:0");
    ASSERT_TRUE(port.ok()) << port.status();
    addr_ = "127.0.0.1:" + std::to_string(*port);
  }

  static grpc::Status ListProducts(const std::shared_ptr<grpc::Channel>& channel,
                                   ListProductsResponse* resp = nullptr) {
    ListProductsResponse ignored;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    return OrderService::NewStub(channel)->ListProducts(&ctx, ListProductsRequest(),
                                                        resp ? resp : &ignored);
  }
  static grpc::Status CheckHealth(const std::shared_ptr<grpc::Channel>& channel) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    HealthCheckResponse resp;
    return Health::NewStub(channel)->Check(&ctx, HealthCheckRequest(), &resp);
  }
  static double Denied() {
    return metrics::Registry::Default()
        .AddCounter("rpc_calls_denied_total", "", {"method"})
        .Value({kListProducts});
  }

  static TestPki* pki_;
  static TestPki* stranger_;
  AnsweringOrderService service_;
  std::unique_ptr<Server> server_;
  std::string addr_;
};

TestPki* TlsTest::pki_ = nullptr;
TestPki* TlsTest::stranger_ = nullptr;

TEST_F(TlsTest, AnAllowedIdentityReachesTheHandler) {
  ListProductsResponse resp;
  grpc::Status st = ListProducts(MakeChannel(addr_, pki_->For("payment"), "order"), &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(resp.products_size(), 1);
  EXPECT_EQ(resp.products(0).sku(), "reached");
}

TEST_F(TlsTest, AnotherIdentityIsDeniedThatMethodButMayCheckHealth) {
  const double before = Denied();
  auto channel = MakeChannel(addr_, pki_->For("gateway"), "order");
  grpc::Status st = ListProducts(channel);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED) << st.error_message();
  EXPECT_EQ(Denied(), before + 1);
  EXPECT_TRUE(CheckHealth(channel).ok());
}

TEST_F(TlsTest, AMethodNoRuleNamesIsDeniedToEveryone) {
  grpc::ClientContext ctx;
  order::v1::GetOrderRequest req;
  order::v1::Order out;
  auto channel = MakeChannel(addr_, pki_->For("payment"), "order");
  grpc::Status st = OrderService::NewStub(channel)->GetOrder(&ctx, req, &out);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED) << st.error_message();
}

TEST_F(TlsTest, OnlyDnsNamesAreIdentitiesNeitherTheCnNorOtherNames) {
  // Certificates from our own CA that say "payment" only in their CN, or in a URI or e-mail
  // name: no identity at all, so not even health checks.
  const std::vector<std::pair<std::string, std::string>> certificates = {
      {"payment-cn", "none"}, {"payment-uri", "URI:payment"}, {"payment-email", "email:payment"}};
  for (const auto& [name, san] : certificates) {
    ASSERT_TRUE(TestPki::Issue(pki_->dir(), {name}, san).ok());
    auto channel = MakeChannel(addr_, pki_->For(name), "order");
    grpc::Status st = ListProducts(channel);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << san << ": " << st.error_message();
    EXPECT_EQ(CheckHealth(channel).error_code(), grpc::StatusCode::PERMISSION_DENIED) << san;
  }
}

TEST_F(TlsTest, AClientWithoutACertificateIsRefusedAtTheHandshake) {
  std::ifstream in(pki_->For("order").ca_file);
  grpc::SslCredentialsOptions server_only;
  server_only.pem_root_certs.assign(std::istreambuf_iterator<char>(in), {});
  auto creds = grpc::SslCredentials(server_only);
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("order");
  grpc::Status st = ListProducts(grpc::CreateCustomChannel(addr_, creds, args));
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE) << st.error_message();
  EXPECT_FALSE(CheckHealth(grpc::CreateCustomChannel(addr_, creds, args)).ok());
}

TEST_F(TlsTest, APlaintextClientIsRefused) {
  grpc::Status st = ListProducts(MakeInsecureChannel(addr_));
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE) << st.error_message();
}

TEST_F(TlsTest, ACertificateFromAnotherCaIsRefusedEvenWithATrustedName) {
  rpc::TlsConfig theirs = stranger_->For("payment");
  theirs.ca_file = pki_->For("payment").ca_file;  // it trusts our server, we do not trust it
  grpc::Status st = ListProducts(MakeChannel(addr_, theirs, "order"));
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE) << st.error_message();
}

TEST_F(TlsTest, AServerNotNamedAsDialledIsRefusedByTheClient) {
  // The server holds order's certificate; a client that meant to reach auth must not talk to it.
  grpc::Status st = ListProducts(MakeChannel(addr_, pki_->For("payment"), "auth"));
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE) << st.error_message();
}

// --- configuration ---

config::EnvReader Env(std::map<std::string, std::string> vars) {
  return config::EnvReader(
      [vars](std::string_view name) -> std::optional<std::string> {
        auto it = vars.find(std::string(name));
        if (it == vars.end()) return std::nullopt;
        return it->second;
      },
      config::RealFiles());
}

TEST_F(TlsTest, ConfigWithoutFilesNeedsInsecureToBeAllowed) {
  auto env = Env({});
  EXPECT_FALSE(LoadTlsConfig(env).enabled());
  ASSERT_EQ(env.problems().size(), 1u);
  EXPECT_NE(env.problems()[0].find("ALLOW_INSECURE_GRPC"), std::string::npos);

  auto allowed = Env({{"ALLOW_INSECURE_GRPC", "1"}});
  EXPECT_FALSE(LoadTlsConfig(allowed).enabled());
  EXPECT_TRUE(allowed.problems().empty());
}

TEST_F(TlsTest, ConfigAcceptsAMatchingSet) {
  rpc::TlsConfig files = pki_->For("payment");
  auto env = Env({{"GRPC_TLS_CA_FILE", files.ca_file},
                  {"GRPC_TLS_CERT_FILE", files.cert_file},
                  {"GRPC_TLS_KEY_FILE", files.key_file}});
  rpc::TlsConfig tls = LoadTlsConfig(env);
  EXPECT_TRUE(env.problems().empty()) << env.problems()[0];
  EXPECT_TRUE(tls.enabled());
  EXPECT_EQ(tls.cert_file, files.cert_file);
}

TEST_F(TlsTest, ConfigRefusesPartialMismatchedOrForeignFiles) {
  rpc::TlsConfig ours = pki_->For("payment");
  auto partial = Env({{"GRPC_TLS_CA_FILE", ours.ca_file}, {"GRPC_TLS_CERT_FILE", ours.cert_file}});
  LoadTlsConfig(partial);
  EXPECT_EQ(partial.problems().size(), 1u);

  auto wrong_key = Env({{"GRPC_TLS_CA_FILE", ours.ca_file},
                        {"GRPC_TLS_CERT_FILE", ours.cert_file},
                        {"GRPC_TLS_KEY_FILE", pki_->For("order").key_file}});
  LoadTlsConfig(wrong_key);
  ASSERT_EQ(wrong_key.problems().size(), 1u);
  EXPECT_NE(wrong_key.problems()[0].find("not the key"), std::string::npos);

  rpc::TlsConfig theirs = stranger_->For("payment");
  auto foreign = Env({{"GRPC_TLS_CA_FILE", ours.ca_file},
                      {"GRPC_TLS_CERT_FILE", theirs.cert_file},
                      {"GRPC_TLS_KEY_FILE", theirs.key_file}});
  LoadTlsConfig(foreign);
  ASSERT_EQ(foreign.problems().size(), 1u);
  EXPECT_NE(foreign.problems()[0].find("does not verify"), std::string::npos);

  ASSERT_TRUE(TestPki::Issue(pki_->dir(), {"nameless"}, "none").ok());
  rpc::TlsConfig nameless = pki_->For("nameless");
  auto no_name = Env({{"GRPC_TLS_CA_FILE", nameless.ca_file},
                      {"GRPC_TLS_CERT_FILE", nameless.cert_file},
                      {"GRPC_TLS_KEY_FILE", nameless.key_file}});
  LoadTlsConfig(no_name);
  ASSERT_EQ(no_name.problems().size(), 1u);
  EXPECT_NE(no_name.problems()[0].find("no DNS name"), std::string::npos) << no_name.problems()[0];

  auto not_pem = Env({{"GRPC_TLS_CA_FILE", ours.key_file},
                      {"GRPC_TLS_CERT_FILE", ours.cert_file},
                      {"GRPC_TLS_KEY_FILE", ours.key_file}});
  LoadTlsConfig(not_pem);
  ASSERT_EQ(not_pem.problems().size(), 1u);
  EXPECT_NE(not_pem.problems()[0].find("no PEM certificate"), std::string::npos);
}

TEST(AccessPolicyTest, RulesNameIdentitiesPerMethod) {
  AccessPolicy policy;
  policy.Allow("payment", kOrderService, {"ApplyPayment", "RecordPrepay"})
      .Allow("gateway", kOrderService, {"GetOrder"});
  EXPECT_TRUE(policy.Allows({"payment"}, "/paymesh.order.v1.OrderService/ApplyPayment"));
  EXPECT_FALSE(policy.Allows({"gateway"}, "/paymesh.order.v1.OrderService/ApplyPayment"));
  EXPECT_TRUE(policy.Allows({"x", "gateway"}, "/paymesh.order.v1.OrderService/GetOrder"));
  EXPECT_FALSE(policy.Allows({}, "/paymesh.order.v1.OrderService/GetOrder"));
  EXPECT_FALSE(policy.Allows({"payment"}, "/paymesh.order.v1.OrderService/Other"));
  EXPECT_FALSE(policy.Allows({"payment"}, ""));
  EXPECT_TRUE(policy.Allows({"anyone"}, "/grpc.health.v1.Health/Check"));
  EXPECT_FALSE(policy.Allows({"anyone"}, "/grpc.health.v1.Health/"));
  EXPECT_FALSE(policy.Allows({"anyone"}, "/grpc.health.v1.HealthX/Check"));
}

}  // namespace
}  // namespace paymesh::rpc
