#include "common/http/server.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "common/log/log.h"
#include "common/log/trace.h"
#include "common/metrics/metrics.h"

namespace paymesh::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using BeastRequest = bhttp::request<bhttp::string_body>;
using BeastResponse = bhttp::response<bhttp::string_body>;

// After an error answer the client may still be sending (an oversized body); reading a little
// more before closing keeps the kernel from resetting the connection under our response.
constexpr std::chrono::milliseconds kMaxLinger{2000};
constexpr size_t kMaxLingerBytes = 1024 * 1024;

auto Await(beast::error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

// Header values come from handlers; a CR, LF or NUL would let one header smuggle in others.
bool IsSafeHeaderText(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

std::string PeerIp(const tcp::socket& socket) {
  beast::error_code ec;
  const tcp::endpoint peer = socket.remote_endpoint(ec);
  if (ec) return "";
  asio::ip::address address = peer.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  return address.to_string();
}

absl::StatusOr<tcp::endpoint> ParseListenAddr(const std::string& listen_addr) {
  const size_t colon = listen_addr.rfind(':');
  int port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen_addr.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError("listen address must be host:port, got '" + listen_addr +
                                      "'");
  }
  std::string host = listen_addr.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost") host = "127.0.0.1";
  beast::error_code ec;
  const asio::ip::address address = asio::ip::make_address(host, ec);
  if (ec) {
    return absl::InvalidArgumentError("listen address needs a numeric host, got '" + host + "'");
  }
  return tcp::endpoint(address, static_cast<uint16_t>(port));
}

// A parser error worth answering (the rest mean the client went away or timed out).
std::optional<Response> ErrorResponseFor(const beast::error_code& ec, std::string_view request_id) {
  if (ec == bhttp::error::header_limit) {
    return Response::Json(431,
                          ErrorJson("HEADERS_TOO_LARGE", "request headers too large", request_id));
  }
  if (ec == bhttp::error::body_limit) {
    return Response::Json(413,
                          ErrorJson("PAYLOAD_TOO_LARGE", "request body too large", request_id));
  }
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) {
    return std::nullopt;
  }
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
    return Response::Json(400, ErrorJson("INVALID_ARGUMENT", "malformed HTTP request", request_id));
  }
  return std::nullopt;
}

// A request refused before any handler saw it (malformed, too large): logged once with its
// request id — the one the client was given — and counted, like the access log does for the rest.
void RecordRefusal(const Response& answer, std::string_view reason, const std::string& request_id,
                   const std::string& remote_ip) {
  static metrics::Counter& refused = metrics::Registry::Default().AddCounter(
      "http_requests_refused_total",
      "Requests refused by the HTTP layer before routing (400 malformed, 413, 431), by status",
      {"status"});
  refused.Inc({std::to_string(answer.status)});
  log::Info("request refused", {{"request_id", request_id},
                                {"status", answer.status},
                                {"reason", std::string(reason)},
                                {"remote_ip", remote_ip}});
}

// The client's X-Request-Id when sane, else the trace id of its W3C traceparent, else new: one id
// names the request in every log line and every hop (common/log/trace.h).
std::string RequestIdOf(const BeastRequest& msg) {
  const auto it = msg.find("X-Request-Id");
  if (it != msg.end() && IsSaneRequestId(it->value())) return std::string(it->value());
  if (const auto tp = msg.find(log::kTraceparentHeader); tp != msg.end()) {
    if (std::optional<std::string> trace = log::TraceIdOf(tp->value())) return *trace;
  }
  return NewRequestId();
}

Request ToRequest(BeastRequest& msg, const std::string& remote_ip) {
  Request req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  for (const auto& field : msg) {
    req.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  req.body = std::move(msg.body());
  req.remote_ip = remote_ip;
  req.request_id = RequestIdOf(msg);
  return req;
}

BeastResponse ToBeast(Response res, const std::string& request_id, unsigned version,
                      bool keep_alive) {
  if (res.status < 100 || res.status > 599) {
    res = Response::Json(500, ErrorJson("INTERNAL", "internal error", request_id));
  }
  BeastResponse out;
  out.version(version);
  out.result(static_cast<unsigned>(res.status));
  for (auto& [name, value] : res.headers) {
    if (name.empty() || !IsSafeHeaderText(name) || !IsSafeHeaderText(value)) continue;
    out.insert(name, value);  // repeated names (Set-Cookie) are all sent
  }
  out.set("X-Request-Id", request_id);
  out.keep_alive(keep_alive);
  // 1xx, 204 and 304 carry neither a body nor Content-Length.
  if (res.status < 200 || res.status == 204 || res.status == 304) {
    out.erase(bhttp::field::content_length);
  } else {
    out.body() = std::move(res.body);
    out.prepare_payload();
  }
  return out;
}

}  // namespace

struct Server::Impl {
  // A counted connection; releasing it lets Stop() know the connection is gone.
  class Slot {
   public:
    Slot(Impl* impl, uint64_t id) : impl_(impl), id_(id) {}
    Slot(Slot&& other) noexcept : impl_(std::exchange(other.impl_, nullptr)), id_(other.id_) {}
    Slot& operator=(Slot&&) = delete;
    ~Slot() {
      if (impl_ != nullptr) impl_->Release(id_);
    }

   private:
    Impl* impl_;
    uint64_t id_;
  };

  Impl(ServerOptions o, Handler h) : options(std::move(o)), handler(std::move(h)) {
    options.threads = std::max<size_t>(options.threads, 1);
  }

  void Release(uint64_t id) {
    std::lock_guard lock(mu);
    streams.erase(id);
    --connections;
    cv.notify_all();
  }

  asio::awaitable<void> AcceptLoop();
  asio::awaitable<void> Session(std::shared_ptr<beast::tcp_stream> stream, Slot slot,
                                std::string remote_ip);
  asio::awaitable<Response> CallHandler(Request& req);
  asio::awaitable<void> AnswerAndClose(beast::tcp_stream& stream, Response res,
                                       const std::string& request_id, unsigned version);
  void Run();

  // Declared before the io_context: pending coroutine frames destroyed with it still use them.
  ServerOptions options;
  Handler handler;
  std::mutex mu;
  std::condition_variable cv;
  size_t connections = 0;                                                  // guarded by mu
  uint64_t next_id = 0;                                                    // guarded by mu
  std::unordered_map<uint64_t, std::weak_ptr<beast::tcp_stream>> streams;  // guarded by mu
  bool started = false;                                                    // guarded by mu
  bool stopped = false;                                                    // guarded by mu
  std::atomic<bool> stopping{false};

  asio::io_context ioc{static_cast<int>(options.threads)};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  tcp::acceptor acceptor{asio::make_strand(ioc)};
  std::vector<std::thread> threads;
};

asio::awaitable<void> Server::Impl::AcceptLoop() {
  for (;;) {
    beast::error_code ec;
    auto socket = co_await acceptor.async_accept(asio::make_strand(ioc), Await(ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open() || stopping) co_return;
      // Typically out of file descriptors: back off instead of spinning.
      log::Warn("http accept failed", {{"error", ec.message()}});
      asio::steady_timer timer(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await timer.async_wait(Await(ec));
      continue;
    }
    auto stream = std::make_shared<beast::tcp_stream>(tcp::socket(std::move(socket)));
    const std::string remote_ip = PeerIp(stream->socket());
    std::optional<Slot> slot;
    {
      std::lock_guard lock(mu);
      if (!stopping && connections < options.max_connections) {
        ++connections;
        const uint64_t id = next_id++;
        streams.emplace(id, stream);
        slot.emplace(this, id);
      }
    }
    if (!slot) {
      log::Warn("http connection refused", {{"reason", "max_connections"}});
      stream->socket().close(ec);
      continue;
    }
    asio::co_spawn(stream->get_executor(), Session(stream, std::move(*slot), remote_ip),
                   [](std::exception_ptr e) {
                     if (e) log::Error("http session ended with an exception");
                   });
  }
}

asio::awaitable<Response> Server::Impl::CallHandler(Request& req) {
  std::string error;
  try {
    co_return co_await handler(req);
  } catch (const std::exception& e) {
    error = e.what();
  } catch (...) {
    error = "unknown exception";
  }
  log::RequestScope scope(req.request_id);
  log::Error("http handler threw", {{"error", error}, {"path", std::string(req.Path())}});
  co_return Response::Json(500, ErrorJson("INTERNAL", "internal error", req.request_id));
}

asio::awaitable<void> Server::Impl::AnswerAndClose(beast::tcp_stream& stream, Response res,
                                                   const std::string& request_id,
                                                   unsigned version) {
  beast::error_code ec;
  BeastResponse out = ToBeast(std::move(res), request_id, version, false);
  stream.expires_after(options.read_timeout);
  co_await bhttp::async_write(stream, out, Await(ec));
  if (ec) co_return;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.expires_after(std::min(options.read_timeout, kMaxLinger));
  char sink[4096];
  size_t total = 0;
  while (!ec && total < kMaxLingerBytes) {
    total += co_await stream.async_read_some(asio::buffer(sink), Await(ec));
  }
}

asio::awaitable<void> Server::Impl::Session(std::shared_ptr<beast::tcp_stream> stream, Slot slot,
                                            std::string remote_ip) {
  beast::flat_buffer buffer;
  bool first = true;
  while (!stopping) {
    beast::error_code ec;
    // Between requests the idle timeout applies until the next request's first byte arrives;
    // from there the read timeout covers its header and body.
    if (!first && buffer.size() == 0) {
      stream->expires_after(options.idle_timeout);
      const size_t n = co_await stream->async_read_some(buffer.prepare(4096), Await(ec));
      if (ec) break;
      buffer.commit(n);
    }
    first = false;

    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(
        std::min<size_t>(options.max_header_bytes, std::numeric_limits<uint32_t>::max())));
    parser.body_limit(options.max_body_bytes);
    stream->expires_after(options.read_timeout);
    co_await bhttp::async_read_header(*stream, buffer, parser, Await(ec));
    if (!ec && !parser.is_done()) {
      const auto expect = parser.get().find(bhttp::field::expect);
      if (expect != parser.get().end() && beast::iequals(expect->value(), "100-continue")) {
        bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, 11};
        co_await bhttp::async_write(*stream, go_on, Await(ec));
      }
      if (!ec) co_await bhttp::async_read(*stream, buffer, parser, Await(ec));
    }
    if (ec) {
      // Fields parsed before the error (all of them when only the body is too large) still
      // name the request id; the parser's defaults stand in for anything not yet parsed.
      const std::string request_id = RequestIdOf(parser.get());
      std::optional<Response> answer = ErrorResponseFor(ec, request_id);
      if (answer) {
        RecordRefusal(*answer, ec.message(), request_id, remote_ip);
        const unsigned version = parser.get().version() == 10 ? 10 : 11;
        co_await AnswerAndClose(*stream, std::move(*answer), request_id, version);
      }
      co_return;
    }
    stream->expires_never();

    BeastRequest msg = parser.release();
    if (msg.version() != 10 && msg.version() != 11) {
      const std::string request_id = RequestIdOf(msg);
      Response answer = Response::Json(
          400, ErrorJson("INVALID_ARGUMENT", "unsupported HTTP version", request_id));
      RecordRefusal(answer, "unsupported HTTP version", request_id, remote_ip);
      co_await AnswerAndClose(*stream, std::move(answer), request_id, 11);
      co_return;
    }
    Request req = ToRequest(msg, remote_ip);
    Response res = co_await CallHandler(req);
    const bool keep_alive = msg.keep_alive() && !stopping;
    BeastResponse out = ToBeast(std::move(res), req.request_id, msg.version(), keep_alive);
    stream->expires_after(options.read_timeout);
    co_await bhttp::async_write(*stream, out, Await(ec));
    if (ec || !keep_alive) break;
  }
  beast::error_code ignored;
  stream->socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream->socket().close(ignored);
}

void Server::Impl::Run() {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (const std::exception& e) {
      log::Error("http io thread caught an exception", {{"error", std::string(e.what())}});
    } catch (...) {
      log::Error("http io thread caught an unknown exception");
    }
  }
}

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() { Stop(); }

absl::StatusOr<int> Server::Start(const std::string& listen_addr) {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.mu);
    if (s.started) return absl::FailedPreconditionError("http server already started");
  }
  absl::StatusOr<tcp::endpoint> endpoint = ParseListenAddr(listen_addr);
  if (!endpoint.ok()) return endpoint.status();
  beast::error_code ec;
  s.acceptor.open(endpoint->protocol(), ec);
  if (!ec) s.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(*endpoint, ec);
  if (!ec) s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    s.acceptor.close(ignored);
    return absl::UnavailableError("cannot listen on " + listen_addr + ": " + ec.message());
  }
  const int port = s.acceptor.local_endpoint(ec).port();
  {
    std::lock_guard lock(s.mu);
    s.started = true;
  }
  s.work.emplace(s.ioc.get_executor());
  asio::co_spawn(s.acceptor.get_executor(), s.AcceptLoop(), [](std::exception_ptr e) {
    if (e) log::Error("http accept loop ended with an exception");
  });
  for (size_t i = 0; i < s.options.threads; ++i) s.threads.emplace_back([&s] { s.Run(); });
  return port;
}

void Server::Stop() {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.mu);
    if (!s.started || s.stopped) return;
    s.stopped = true;
  }
  s.stopping = true;
  asio::post(s.acceptor.get_executor(), [&s] {
    beast::error_code ignored;
    s.acceptor.close(ignored);
  });
  std::unique_lock lock(s.mu);
  // Connections waiting for a request are cancelled; those inside a handler finish it (the
  // session sees `stopping` and closes after writing the response).
  for (auto& [id, weak] : s.streams) {
    if (auto stream = weak.lock()) {
      asio::post(stream->get_executor(), [stream] { stream->cancel(); });
    }
  }
  s.cv.wait_for(lock, s.options.drain_timeout, [&s] { return s.connections == 0; });
  lock.unlock();
  s.work.reset();
  s.ioc.stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
}

boost::asio::any_io_executor Server::executor() { return impl_->ioc.get_executor(); }

}  // namespace paymesh::http
