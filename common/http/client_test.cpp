// The HTTP client over loopback: plain HTTP against http::Server, failure modes (refused scheme,
// deadline, refused connection, oversized answer) and HTTPS against an in-test TLS server whose
// certificate is generated here.

#include "common/http/client.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "common/http/server.h"

namespace paymesh::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// ---- a self-signed certificate for 127.0.0.1 / localhost ---------------------------------------

struct TestCert {
  std::string cert_pem;
  std::string key_pem;
};

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

void AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  ASSERT_NE(ext, nullptr);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

TestCert MakeSelfSigned() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  AddExtension(cert, NID_basic_constraints, "critical,CA:TRUE");
  AddExtension(cert, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
  X509_sign(cert, key, EVP_sha256());
  BIO* cert_bio = BIO_new(BIO_s_mem());
  BIO* key_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cert_bio, cert);
  PEM_write_bio_PrivateKey(key_bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  TestCert out{BioText(cert_bio), BioText(key_bio)};
  BIO_free(cert_bio);
  BIO_free(key_bio);
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

// ---- an HTTPS server answering "tls:<target>" to one request per connection ---------------------

class TlsServer {
 public:
  explicit TlsServer(const TestCert& cert) {
    tls_.use_certificate_chain(asio::buffer(cert.cert_pem));
    tls_.use_private_key(asio::buffer(cert.key_pem), ssl::context::pem);
    acceptor_.open(tcp::v4());
    acceptor_.bind({asio::ip::address_v4::loopback(), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(ioc_, Serve(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~TlsServer() {
    ioc_.stop();
    thread_.join();
  }
  int port() const { return port_; }

 private:
  asio::awaitable<void> Serve() {
    for (;;) {
      beast::error_code ec;
      auto await = asio::redirect_error(asio::use_awaitable, ec);
      tcp::socket socket = co_await acceptor_.async_accept(await);
      if (ec) co_return;
      beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), tls_);
      beast::get_lowest_layer(stream).expires_after(5s);
      co_await stream.async_handshake(ssl::stream_base::server, await);
      if (ec) continue;
      beast::flat_buffer buffer;
      bhttp::request<bhttp::string_body> req;
      co_await bhttp::async_read(stream, buffer, req, await);
      if (ec) continue;
      bhttp::response<bhttp::string_body> res{bhttp::status::ok, 11};
      res.body() = "tls:" + std::string(req.target());
      res.keep_alive(false);  // one request per connection, and it says so
      res.prepare_payload();
      co_await bhttp::async_write(stream, res, await);
      co_await stream.async_shutdown(await);
    }
  }

  asio::io_context ioc_;
  ssl::context tls_{ssl::context::tls_server};
  tcp::acceptor acceptor_{ioc_};
  int port_ = 0;
  std::thread thread_;
};

// ---- a plain HTTP server that counts connections -----------------------------------------------

// Answers "n:<k>" to the k-th request of each connection. After `requests_per_connection`
// answers it closes the connection without saying so (as a server does to an idle keep-alive
// connection); with `say_close` it answers "Connection: close" instead.
class CountingServer {
 public:
  CountingServer(int requests_per_connection, bool say_close)
      : per_connection_(requests_per_connection), say_close_(say_close) {
    acceptor_.open(tcp::v4());
    acceptor_.bind({asio::ip::address_v4::loopback(), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(ioc_, Accept(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~CountingServer() {
    ioc_.stop();
    thread_.join();
  }
  std::string Url(std::string_view target) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(target);
  }
  int connections() const { return connections_.load(); }

 private:
  asio::awaitable<void> Accept() {
    for (;;) {
      beast::error_code ec;
      tcp::socket socket =
          co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      ++connections_;
      asio::co_spawn(ioc_, Serve(std::move(socket)), asio::detached);
    }
  }
  asio::awaitable<void> Serve(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (int k = 1; k <= per_connection_; ++k) {
      beast::error_code ec;
      auto await = asio::redirect_error(asio::use_awaitable, ec);
      bhttp::request<bhttp::string_body> req;
      co_await bhttp::async_read(stream, buffer, req, await);
      if (ec) co_return;
      bhttp::response<bhttp::string_body> res{bhttp::status::ok, 11};
      res.body() = "n:" + std::to_string(k);
      res.keep_alive(!say_close_);
      res.prepare_payload();
      co_await bhttp::async_write(stream, res, await);
      if (ec) co_return;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  const int per_connection_;
  const bool say_close_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_{ioc_};
  int port_ = 0;
  std::atomic<int> connections_{0};
  std::thread thread_;
};

// ---- helpers -----------------------------------------------------------------------------------

ClientOptions Options(bool allow_insecure, std::string ca_file = "") {
  ClientOptions o;
  o.allow_insecure = allow_insecure;
  o.ca_file = std::move(ca_file);
  return o;
}

ClientRequest Get(std::string url) {
  ClientRequest r;
  r.url = std::move(url);
  return r;
}

std::unique_ptr<Client> MakeClient(ClientOptions options) {
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Create(std::move(options));
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? std::move(*client) : nullptr;
}

// An http::Server whose handler is given by the test.
struct LocalServer {
  explicit LocalServer(Handler handler) : server({}, std::move(handler)) {
    absl::StatusOr<int> p = server.Start("127.0.0.1:0");
    EXPECT_TRUE(p.ok()) << p.status();
    port = p.ok() ? *p : 0;
  }
  std::string Url(std::string_view target) const {
    return "http://127.0.0.1:" + std::to_string(port) + std::string(target);
  }
  Server server;
  int port = 0;
};

// ---- tests -------------------------------------------------------------------------------------

TEST(ParseUrlTest, SplitsAndDefaults) {
  absl::StatusOr<ParsedUrl> u = ParseUrl("HTTPS://api.example.com/v3/x?mchid=1");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "api.example.com");
  EXPECT_EQ(u->port, "443");
  EXPECT_EQ(u->target, "/v3/x?mchid=1");
  u = ParseUrl("http://[::1]:8080?a=b#frag");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, "8080");
  EXPECT_EQ(u->target, "/?a=b");
  EXPECT_EQ(ParseUrl("http://h")->target, "/");
}

TEST(ParseUrlTest, RefusesMalformed) {
  for (const char* bad : {"ftp://h/", "h/path", "http:///x", "http://u@h/", "http://h:0/",
                          "http://h:99999/", "http://h:8a/", "http://h/a b", "http://h/\r\nX: y"}) {
    EXPECT_EQ(ParseUrl(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ClientTest, PlainHttpRoundTrip) {
  LocalServer local([](Request& req) -> asio::awaitable<Response> {
    Response res = Response::Text(201, req.method + " " + req.target + " " + req.body);
    res.SetHeader("X-Seen-Host", std::string(req.Header("Host")));
    res.SetHeader("X-Seen-Custom", std::string(req.Header("X-Custom")));
    co_return res;
  });
  std::unique_ptr<Client> client = MakeClient(Options(true));
  ClientRequest req = Get(local.Url("/a/b?c=%20d"));
  req.method = "POST";
  req.headers = {{"X-Custom", "yes"}};
  req.body = "payload";
  absl::StatusOr<ClientResponse> r = client->Send(req);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, "POST /a/b?c=%20d payload");
  EXPECT_EQ(r->Header("x-seen-custom"), "yes");
  EXPECT_EQ(r->Header("X-SEEN-HOST"), "127.0.0.1:" + std::to_string(local.port));
  EXPECT_EQ(r->Header("absent"), "");
}

TEST(ClientTest, SendAsyncCallsBackOnce) {
  LocalServer local(
      [](Request&) -> asio::awaitable<Response> { co_return Response::Json(200, "{}"); });
  ClientOptions options = Options(true);
  options.threads = 2;
  std::unique_ptr<Client> client = MakeClient(options);
  std::promise<int> status;
  client->SendAsync(Get(local.Url("/")), [&status](absl::StatusOr<ClientResponse> r) {
    status.set_value(r.ok() ? r->status : -1);
  });
  std::future<int> f = status.get_future();
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(f.get(), 200);
}

TEST(ClientTest, RefusesPlainHttpUnlessAllowed) {
  LocalServer local(
      [](Request&) -> asio::awaitable<Response> { co_return Response::Json(200, "{}"); });
  std::unique_ptr<Client> client = MakeClient(Options(false));
  absl::StatusOr<ClientResponse> r = client->Send(Get(local.Url("/")));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
}

TEST(ClientTest, RefusesHeaderInjection) {
  std::unique_ptr<Client> client = MakeClient(Options(true));
  ClientRequest req = Get("http://127.0.0.1:1/");
  req.headers = {{"X-A", "b\r\nX-Evil: 1"}};
  absl::StatusOr<ClientResponse> r = client->Send(req);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
}

TEST(ClientTest, DeadlineWhenServerNeverAnswers) {
  // A listening socket nobody accepts from: the kernel completes the connection, then silence.
  asio::io_context ioc;
  tcp::acceptor silent(ioc, {asio::ip::address_v4::loopback(), 0});
  const int port = silent.local_endpoint().port();
  ClientOptions options = Options(true);
  options.timeout = 300ms;
  std::unique_ptr<Client> client = MakeClient(options);
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<ClientResponse> r = client->Send(Get(url));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 5s);
  // The per-request timeout overrides the client's.
  ClientRequest quick = Get(url);
  quick.timeout = 50ms;
  r = client->Send(quick);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
}

TEST(ClientTest, ConnectionRefusedIsUnavailable) {
  int port = 0;
  {
    asio::io_context ioc;
    tcp::acceptor probe(ioc, {asio::ip::address_v4::loopback(), 0});
    port = probe.local_endpoint().port();
  }
  std::unique_ptr<Client> client = MakeClient(Options(true));
  absl::StatusOr<ClientResponse> r =
      client->Send(Get("http://127.0.0.1:" + std::to_string(port) + "/"));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
}

TEST(ClientTest, OversizedResponseIsResourceExhausted) {
  LocalServer local([](Request& req) -> asio::awaitable<Response> {
    co_return Response::Text(200, std::string(req.target == "/big" ? 4096 : 1000, 'x'));
  });
  ClientOptions options = Options(true);
  options.max_response_bytes = 1024;
  std::unique_ptr<Client> client = MakeClient(options);
  absl::StatusOr<ClientResponse> r = client->Send(Get(local.Url("/big")));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted) << r.status();
  r = client->Send(Get(local.Url("/small")));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body.size(), 1000u);
}

TEST(ClientTest, HttpsVerifiesAgainstTheGivenCa) {
  const TestCert cert = MakeSelfSigned();
  const std::string ca_path =
      ::testing::TempDir() + "client_test_ca_" + std::to_string(::getpid()) + ".pem";
  std::ofstream(ca_path) << cert.cert_pem;
  TlsServer server(cert);
  const std::string port = std::to_string(server.port());

  std::unique_ptr<Client> trusting = MakeClient(Options(false, ca_path));
  absl::StatusOr<ClientResponse> r = trusting->Send(Get("https://localhost:" + port + "/n"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "tls:/n");
  r = trusting->Send(Get("https://127.0.0.1:" + port + "/ip"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "tls:/ip");

  std::unique_ptr<Client> system_only = MakeClient(Options(false));
  r = system_only->Send(Get("https://127.0.0.1:" + port + "/"));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_NE(r.status().message().find("handshake"), std::string::npos) << r.status();
  std::remove(ca_path.c_str());
}

TEST(ClientTest, KeepsTheConnectionForTheNextRequest) {
  CountingServer server(100, false);
  std::unique_ptr<Client> client = MakeClient(Options(true));
  for (int k = 1; k <= 3; ++k) {
    absl::StatusOr<ClientResponse> r = client->Send(Get(server.Url("/")));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->body, "n:" + std::to_string(k));
  }
  EXPECT_EQ(server.connections(), 1);
}

TEST(ClientTest, AConnectionTheServerClosedIsReplacedAndTheRequestSentAgain) {
  CountingServer server(1, false);  // answers once, then hangs up silently
  std::unique_ptr<Client> client = MakeClient(Options(true));
  for (int k = 1; k <= 3; ++k) {
    absl::StatusOr<ClientResponse> r = client->Send(Get(server.Url("/")));
    ASSERT_TRUE(r.ok()) << k << ": " << r.status();
    EXPECT_EQ(r->body, "n:1");
  }
  EXPECT_EQ(server.connections(), 3);
}

TEST(ClientTest, ConnectionCloseIsHonoured) {
  CountingServer server(1, true);
  std::unique_ptr<Client> client = MakeClient(Options(true));
  ASSERT_TRUE(client->Send(Get(server.Url("/"))).ok());
  ASSERT_TRUE(client->Send(Get(server.Url("/"))).ok());
  EXPECT_EQ(server.connections(), 2);
}

TEST(ClientTest, MissingCaFileIsRefusedAtCreate) {
  absl::StatusOr<std::unique_ptr<Client>> client =
      Client::Create(Options(false, "/nonexistent/ca.pem"));
  EXPECT_EQ(client.status().code(), absl::StatusCode::kInvalidArgument) << client.status();
}

}  // namespace
}  // namespace paymesh::http
