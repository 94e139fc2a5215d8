// The HTTP server over loopback, driven by a raw TCP client so that malformed, oversized and
// slow requests can be sent exactly as written.

#include "common/http/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "common/http/metrics_endpoint.h"

namespace paymesh::http {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// A blocking loopback client whose every wait has a deadline.
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // One response: status line, headers, then a Content-Length body (or none).
  std::optional<RawResponse> Read(std::chrono::milliseconds timeout = 5s) {
    const auto deadline = Clock::now() + timeout;
    size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(deadline)) return std::nullopt;
    }
    RawResponse res;
    const std::string head = buffer_.substr(0, header_end);
    buffer_.erase(0, header_end + 4);
    size_t line_end = head.find("\r\n");
    const std::string status_line = head.substr(0, line_end);
    if (status_line.size() < 12) return std::nullopt;
    res.status = std::stoi(status_line.substr(9, 3));
    while (line_end != std::string::npos) {
      const size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string line = head.substr(start, line_end - start);
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      res.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
    }
    const size_t length =
        res.headers.count("content-length") ? std::stoul(res.headers["content-length"]) : 0;
    while (buffer_.size() < length) {
      if (!Fill(deadline)) return std::nullopt;
    }
    res.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return res;
  }

  // True when the server closes the connection before the deadline.
  bool WaitClosed(std::chrono::milliseconds timeout = 5s) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      const int ready = Poll(deadline);
      if (ready <= 0) return false;
      char chunk[4096];
      const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
      if (n <= 0) return true;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

 private:
  int Poll(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return 0;
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(left.count()));
  }

  bool Fill(Clock::time_point deadline) {
    if (Poll(deadline) <= 0) return false;
    char chunk[4096];
    const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

bool IsHex32(const std::string& s) {
  return s.size() == 32 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::string ErrorCode(const RawResponse& res) {
  return std::string(boost::json::parse(res.body).at("error").at("code").as_string());
}

template <typename Pred>
bool PollUntil(Pred pred, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

// Echoes what the handler saw; /throw throws, /slow waits on a timer before answering.
class ServerTest : public ::testing::Test {
 protected:
  void Start(ServerOptions options = DefaultOptions()) {
    server_ = std::make_unique<Server>(options, [this](Request& req) { return Handle(req); });
    absl::StatusOr<int> port = server_->Start("127.0.0.1:0");
    ASSERT_TRUE(port.ok()) << port.status();
    port_ = *port;
  }

  static ServerOptions DefaultOptions() {
    ServerOptions options;
    options.max_body_bytes = 1024;
    options.max_header_bytes = 4096;
    options.read_timeout = 2s;
    options.idle_timeout = 2s;
    return options;
  }

  boost::asio::awaitable<Response> Handle(Request& req) {
    ++calls_;
    if (req.Path() == "/throw") throw std::runtime_error("boom");
    if (req.Path() == "/slow") {
      slow_started_ = true;
      boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, 300ms);
      co_await timer.async_wait(boost::asio::use_awaitable);
    }
    boost::json::object seen;
    seen["method"] = req.method;
    seen["target"] = req.target;
    seen["body_size"] = req.body.size();
    seen["remote_ip"] = req.remote_ip;
    seen["request_id"] = req.request_id;
    co_return Response::Json(200, boost::json::serialize(seen));
  }

  std::unique_ptr<Server> server_;
  int port_ = 0;
  std::atomic<int> calls_{0};
  std::atomic<bool> slow_started_{false};
};

TEST_F(ServerTest, AnswersWithGeneratedRequestId) {
  Start();
  RawClient client(port_);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send("POST /echo?x=1 HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"));
  auto res = client.Read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->Header("content-type"), "application/json");
  EXPECT_TRUE(IsHex32(res->Header("x-request-id"))) << res->Header("x-request-id");
  const auto seen = boost::json::parse(res->body).as_object();
  EXPECT_EQ(seen.at("method").as_string(), "POST");
  EXPECT_EQ(seen.at("target").as_string(), "/echo?x=1");
  EXPECT_EQ(seen.at("body_size").as_int64(), 5);
  EXPECT_EQ(seen.at("remote_ip").as_string(), "127.0.0.1");
  EXPECT_EQ(seen.at("request_id").as_string(), res->Header("x-request-id"));
}

TEST_F(ServerTest, EchoesSaneRequestIdAndReplacesGarbage) {
  Start();
  RawClient client(port_);
  ASSERT_TRUE(client.Send("GET /a HTTP/1.1\r\nHost: t\r\nX-Request-Id: abc-123_x.y\r\n\r\n"));
  auto res = client.Read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->Header("x-request-id"), "abc-123_x.y");
  EXPECT_EQ(boost::json::parse(res->body).at("request_id").as_string(), "abc-123_x.y");

  ASSERT_TRUE(client.Send("GET /a HTTP/1.1\r\nHost: t\r\nX-Request-Id: bad id;<script>\r\n\r\n"));
  res = client.Read();
  ASSERT_TRUE(res);
  EXPECT_TRUE(IsHex32(res->Header("x-request-id"))) << res->Header("x-request-id");

  ASSERT_TRUE(client.Send("GET /a HTTP/1.1\r\nHost: t\r\nX-Request-Id: " + std::string(129, 'a') +
                          "\r\n\r\n"));
  res = client.Read();
  ASSERT_TRUE(res);
  EXPECT_TRUE(IsHex32(res->Header("x-request-id")));
}

TEST_F(ServerTest, KeepAliveServesSeveralRequestsThenHonoursConnectionClose) {
  Start();
  RawClient client(port_);
  ASSERT_TRUE(client.Send("GET /one HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto first = client.Read();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_NE(first->Header("connection"), "close");
  // Two pipelined requests on the same connection, the second asking to close.
  ASSERT_TRUE(
      client.Send("GET /two HTTP/1.1\r\nHost: t\r\n\r\n"
                  "GET /three HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
  auto second = client.Read();
  auto third = client.Read();
  ASSERT_TRUE(second);
  ASSERT_TRUE(third);
  EXPECT_EQ(boost::json::parse(second->body).at("target").as_string(), "/two");
  EXPECT_EQ(boost::json::parse(third->body).at("target").as_string(), "/three");
  EXPECT_EQ(third->Header("connection"), "close");
  EXPECT_TRUE(client.WaitClosed());
  EXPECT_EQ(calls_.load(), 3);
}

TEST_F(ServerTest, BodyAtTheLimitIsAccepted) {
  Start();
  RawClient client(port_);
  ASSERT_TRUE(client.Send("POST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 1024\r\n\r\n" +
                          std::string(1024, 'x')));
  auto res = client.Read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(boost::json::parse(res->body).at("body_size").as_int64(), 1024);
}

TEST_F(ServerTest, OversizedContentLengthIs413) {
  Start();
  RawClient client(port_);
  ASSERT_TRUE(
      client.Send("POST /b HTTP/1.1\r\nHost: t\r\nX-Request-Id: big-1\r\n"
                  "Content-Length: 5000\r\n\r\n" +
                  std::string(5000, 'x')));
  auto res = client.Read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(ErrorCode(*res), "PAYLOAD_TOO_LARGE");
  EXPECT_EQ(res->Header("x-request-id"), "big-1");
  EXPECT_EQ(boost::json::parse(res->body).at("error").at("request_id").as_string(), "big-1");
  EXPECT_TRUE(client.WaitClosed());
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(ServerTest, OversizedChunkedBodyIs413) {
  Start();
  RawClient client(port_);
  std::string request = "POST /b HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) request += "200\r\n" + std::string(0x200, 'y') + "\r\n";
  request += "0\r\n\r\n";
  ASSERT_TRUE(client.Send(request));
  auto res = client.Read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(ErrorCode(*res), "PAYLOAD_TOO_LARGE");
  EXPECT_TRUE(IsHex32(res->Header("x-request-id")));
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(ServerTest, SmallChunkedBodyIsAccepted) {
  Start();
  RawClient client(port_);
  ASSERT_TRUE(
      client.Send("POST /b HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"));
  auto res = client.Read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(boost::json::parse(res->body).at("body_size").as_int64(), 5);
}

TEST_F(ServerTest, OversizedHeadersAre431) {
  Start();
  RawClient client(port_);
  ASSERT_TRUE(
      client.Send("GET /h HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(8000, 'h') + "\r\n\r\n"));
  auto res = client.Read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 431);
  EXPECT_EQ(ErrorCode(*res), "HEADERS_TOO_LARGE");
  EXPECT_TRUE(IsHex32(res->Header("x-request-id")));
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(ServerTest, GarbageIs400AndClosed) {
  Start();
  RawClient client(port_);
  ASSERT_TRUE(client.Send("THIS IS NOT HTTP\r\n\r\n"));
  auto res = client.Read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(ErrorCode(*res), "INVALID_ARGUMENT");
  EXPECT_TRUE(IsHex32(res->Header("x-request-id")));
  EXPECT_TRUE(client.WaitClosed());
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(ServerTest, BadContentLengthIs400) {
  Start();
  RawClient client(port_);
  ASSERT_TRUE(client.Send("POST /b HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n"));
  auto res = client.Read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
}

TEST_F(ServerTest, SlowClientIsDisconnectedAfterReadTimeout) {
  ServerOptions options = DefaultOptions();
  options.read_timeout = 200ms;
  Start(options);
  RawClient client(port_);
  // Headers never finish: the read deadline, not the idle timeout, must close the connection.
  ASSERT_TRUE(client.Send("GET /slowloris HTTP/1.1\r\nHost: t\r\n"));
  const auto start = Clock::now();
  EXPECT_TRUE(client.WaitClosed(5s));
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosed) {
  ServerOptions options = DefaultOptions();
  options.idle_timeout = 200ms;
  Start(options);
  RawClient client(port_);
  ASSERT_TRUE(client.Send("GET /a HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(client.Read());
  EXPECT_TRUE(client.WaitClosed(5s));
}

TEST_F(ServerTest, HandlerExceptionIs500AndServerKeepsServing) {
  Start();
  {
    RawClient client(port_);
    ASSERT_TRUE(client.Send("GET /throw HTTP/1.1\r\nHost: t\r\nX-Request-Id: t-500\r\n\r\n"));
    auto res = client.Read();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 500);
    EXPECT_EQ(ErrorCode(*res), "INTERNAL");
    EXPECT_EQ(res->Header("x-request-id"), "t-500");
    EXPECT_EQ(res->body.find("boom"), std::string::npos) << "exception text must not leak";
    // The connection itself survives a handler failure.
    ASSERT_TRUE(client.Send("GET /after HTTP/1.1\r\nHost: t\r\n\r\n"));
    res = client.Read();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
  }
  RawClient other(port_);
  ASSERT_TRUE(other.Send("GET /ok HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto res = other.Read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST_F(ServerTest, ExpectContinueGetsInterimResponse) {
  Start();
  RawClient client(port_);
  ASSERT_TRUE(
      client.Send("POST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n"
                  "Expect: 100-continue\r\n\r\n"));
  auto interim = client.Read();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(client.Send("abc"));
  auto res = client.Read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(boost::json::parse(res->body).at("body_size").as_int64(), 3);
}

TEST_F(ServerTest, ConnectionsBeyondTheCapAreClosed) {
  ServerOptions options = DefaultOptions();
  options.max_connections = 1;
  Start(options);
  auto first = std::make_unique<RawClient>(port_);
  ASSERT_TRUE(first->Send("GET /a HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(first->Read());
  RawClient second(port_);
  EXPECT_TRUE(second.WaitClosed());
  first.reset();
  // The slot comes back once the server notices the first connection is gone.
  EXPECT_TRUE(PollUntil([&] {
    RawClient again(port_);
    if (!again.Send("GET /b HTTP/1.1\r\nHost: t\r\n\r\n")) return false;
    auto res = again.Read(1s);
    return res && res->status == 200;
  }));
}

TEST_F(ServerTest, StopLetsAnInFlightRequestFinish) {
  Start();
  RawClient client(port_);
  ASSERT_TRUE(client.Send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(PollUntil([&] { return slow_started_.load(); }));
  std::thread stopper([&] { server_->Stop(); });
  auto res = client.Read();
  stopper.join();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->Header("connection"), "close");
  EXPECT_TRUE(client.WaitClosed());
  RawClient late(port_);
  EXPECT_FALSE(late.connected() && late.Send("GET / HTTP/1.1\r\nHost: t\r\n\r\n") && late.Read(1s));
}

TEST_F(ServerTest, StopClosesIdleConnectionsPromptly) {
  ServerOptions options = DefaultOptions();
  options.idle_timeout = 60s;
  Start(options);
  RawClient client(port_);
  ASSERT_TRUE(client.Send("GET /a HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(client.Read());
  const auto start = Clock::now();
  server_->Stop();
  EXPECT_LT(Clock::now() - start, 5s);
  EXPECT_TRUE(client.WaitClosed());
}

TEST(ServerStartTest, RejectsBadAddressesAndBusyPorts) {
  Server a({}, [](Request&) -> boost::asio::awaitable<Response> { co_return Response{}; });
  EXPECT_EQ(a.Start("nonsense").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(a.Start("example.com:80").status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<int> port = a.Start("127.0.0.1:0");
  ASSERT_TRUE(port.ok()) << port.status();
  EXPECT_GT(*port, 0);
  EXPECT_EQ(a.Start("127.0.0.1:0").status().code(), absl::StatusCode::kFailedPrecondition);
  Server b({}, [](Request&) -> boost::asio::awaitable<Response> { co_return Response{}; });
  EXPECT_EQ(b.Start("127.0.0.1:" + std::to_string(*port)).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST(MetricsServerTest, ServesMetricsAndHealthz) {
  int port = 0;
  auto server = StartMetricsServer("127.0.0.1:0", &port);
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_GT(port, 0);
  RawClient client(port);
  ASSERT_TRUE(client.Send("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto res = client.Read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->Header("content-type"), "text/plain; version=0.0.4");
  ASSERT_TRUE(client.Send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
  res = client.Read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, R"({"status":"ok"})");
  (*server)->Stop();
}

}  // namespace
}  // namespace paymesh::http
