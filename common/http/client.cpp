#include "common/http/client.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <charconv>
#include <exception>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "common/log/log.h"
#include "common/log/trace.h"
#include "common/strings/ascii.h"

namespace paymesh::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

auto Await(beast::error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A CR, LF or NUL in a header would let one header smuggle in others.
bool IsSafeHeaderText(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool IsIpLiteral(const std::string& host) {
  beast::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// An open connection to one origin, plain or TLS.
struct Connection {
  tcp::socket& Socket() { return tls ? beast::get_lowest_layer(*tls).socket() : plain->socket(); }
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  std::chrono::steady_clock::time_point idle_since;
};

void Close(Connection& conn) {
  beast::error_code ignored;
  conn.Socket().shutdown(tcp::socket::shutdown_both, ignored);
  conn.Socket().close(ignored);
}

// Connections kept open after an exchange, by origin ("https://host:port"), so that the next
// request to WeChat skips the TCP and TLS handshakes. Thread-safe.
class ConnectionPool {
 public:
  // How many idle connections one origin keeps, and for how long. WeChat's servers, like most,
  // close a keep-alive connection after about a minute of silence; leaving earlier avoids most
  // stale reuses, and the one retry below covers the rest.
  static constexpr size_t kMaxIdlePerOrigin = 16;
  static constexpr std::chrono::seconds kMaxIdle{30};

  std::unique_ptr<Connection> Take(const std::string& origin) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = idle_.find(origin);
    const auto now = std::chrono::steady_clock::now();
    while (it != idle_.end() && !it->second.empty()) {
      std::unique_ptr<Connection> conn = std::move(it->second.back());
      it->second.pop_back();
      if (now - conn->idle_since < kMaxIdle && conn->Socket().is_open()) return conn;
      Close(*conn);
    }
    return nullptr;
  }

  void Put(const std::string& origin, std::unique_ptr<Connection> conn) {
    conn->idle_since = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::unique_ptr<Connection>>& list = idle_[origin];
    if (list.size() >= kMaxIdlePerOrigin) {
      Close(*list.front());
      list.erase(list.begin());
    }
    list.push_back(std::move(conn));
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle_;
};

// One exchange and its deadline timer; both run on the same strand, and the timer's handler
// holds a reference so that it may fire after the exchange has returned.
struct ExchangeState {
  explicit ExchangeState(asio::any_io_executor ex) : resolver(ex), timer(ex) {}

  // The deadline passed: every pending and later operation fails.
  void Abort() {
    timed_out = true;
    resolver.cancel();
    if (conn != nullptr) {
      beast::error_code ignored;
      conn->Socket().close(ignored);
    }
  }
  absl::Status Failure(std::string_view stage, const beast::error_code& ec) const {
    std::string what = std::string(stage) + ": " + ec.message();
    if (timed_out) return absl::DeadlineExceededError("deadline passed during " + what);
    if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit) {
      return absl::ResourceExhaustedError("response too large (" + what + ")");
    }
    return absl::UnavailableError(what);
  }

  tcp::resolver resolver;
  asio::steady_timer timer;
  std::unique_ptr<Connection> conn;
  bool timed_out = false;
  bool keep_alive = false;    // the response allows the connection to be used again
  bool nothing_read = false;  // failed before a byte of the response arrived
};

bhttp::request<bhttp::string_body> BuildRequest(const ClientRequest& req, const ParsedUrl& url,
                                                const std::string& user_agent) {
  bhttp::request<bhttp::string_body> msg;
  msg.method_string(req.method);
  msg.target(url.target);
  msg.version(11);
  const bool default_port =
      (url.scheme == "http" && url.port == "80") || (url.scheme == "https" && url.port == "443");
  const std::string host =
      url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  msg.set(bhttp::field::host, default_port ? host : host + ":" + url.port);
  msg.set(bhttp::field::user_agent, user_agent);
  for (const auto& [name, value] : req.headers) msg.set(name, value);
  msg.keep_alive(true);
  msg.body() = req.body;
  const std::string method = Lower(req.method);
  if (!req.body.empty() || method == "post" || method == "put" || method == "patch") {
    msg.prepare_payload();
  }
  return msg;
}

template <typename Stream>
asio::awaitable<absl::StatusOr<ClientResponse>> WriteAndRead(
    ExchangeState& ex, Stream& stream, const bhttp::request<bhttp::string_body>& msg,
    size_t max_response_bytes) {
  beast::error_code ec;
  ex.nothing_read = true;
  co_await bhttp::async_write(stream, msg, Await(ec));
  if (ec) co_return ex.Failure("write", ec);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(max_response_bytes);
  if (msg.method() == bhttp::verb::head) parser.skip(true);
  co_await bhttp::async_read(stream, buffer, parser, Await(ec));
  ex.nothing_read = !parser.got_some();
  // A TLS peer that closes without close_notify ends an EOF-delimited body this way.
  if (ec == ssl::error::stream_truncated && !ex.timed_out && parser.need_eof()) {
    ec = {};
    parser.put_eof(ec);
  }
  if (ec) co_return ex.Failure("read", ec);
  // Bytes after the response would belong to nothing: such a connection is not used again.
  ex.keep_alive = parser.keep_alive() && buffer.size() == 0;
  bhttp::response<bhttp::string_body> res = parser.release();
  ClientResponse out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  out.body = std::move(res.body());
  co_return out;
}

}  // namespace

std::string_view ClientResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (strings::EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

absl::StatusOr<ParsedUrl> ParseUrl(std::string_view url) {
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError("bad URL '" + std::string(url.substr(0, 200)) +
                                      "': " + std::string(why));
  };
  if (!IsSafeHeaderText(url) || url.find(' ') != std::string_view::npos) {
    return bad("contains whitespace or control characters");
  }
  const size_t sep = url.find("://");
  if (sep == std::string_view::npos) return bad("not absolute");
  ParsedUrl out;
  out.scheme = Lower(url.substr(0, sep));
  if (out.scheme != "http" && out.scheme != "https") return bad("scheme must be http or https");
  std::string_view rest = url.substr(sep + 3);
  rest = rest.substr(0, rest.find('#'));
  const size_t path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  std::string_view target =
      path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
  if (authority.find('@') != std::string_view::npos) return bad("user info is not allowed");
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unterminated IPv6 literal");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("junk after IPv6 literal");
      port = after.substr(1);
    }
  } else {
    const size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return bad("no host");
  int port_number = 0;
  if (port.empty()) {
    out.port = out.scheme == "https" ? "443" : "80";
  } else {
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), port_number);
    if (ec != std::errc() || end != port.data() + port.size() || port_number < 1 ||
        port_number > 65535) {
      return bad("bad port");
    }
    out.port = std::to_string(port_number);
  }
  out.target = target.empty() ? "/" : (target.front() == '?' ? "/" : "") + std::string(target);
  return out;
}

struct Client::Impl {
  explicit Impl(ClientOptions o) : options(std::move(o)) {}

  asio::awaitable<absl::StatusOr<ClientResponse>> Run(ClientRequest req, ParsedUrl url);
  // Opens ex.conn to the URL's origin (resolve, connect, TLS handshake).
  asio::awaitable<absl::Status> Connect(const ParsedUrl& url, ExchangeState& ex);
  asio::awaitable<absl::StatusOr<ClientResponse>> Exchange(
      const ParsedUrl& url, const bhttp::request<bhttp::string_body>& msg, ExchangeState& ex);

  ClientOptions options;
  ssl::context tls{ssl::context::tls_client};
  asio::io_context ioc;
  // After the io_context and the TLS context its idle connections use: destroyed before them.
  ConnectionPool pool;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
};

asio::awaitable<absl::StatusOr<ClientResponse>> Client::Impl::Run(ClientRequest req,
                                                                  ParsedUrl url) {
  auto ex = std::make_shared<ExchangeState>(co_await asio::this_coro::executor);
  ex->timer.expires_after(req.timeout.count() > 0 ? req.timeout : options.timeout);
  ex->timer.async_wait([ex](beast::error_code ec) {
    if (!ec) ex->Abort();
  });
  const std::string origin = url.scheme + "://" + url.host + ":" + url.port;
  const bhttp::request<bhttp::string_body> msg = BuildRequest(req, url, options.user_agent);
  ex->conn = pool.Take(origin);
  const bool reused = ex->conn != nullptr;
  absl::StatusOr<ClientResponse> result = co_await Exchange(url, msg, *ex);
  // A kept connection the server closed meanwhile fails before any answer: nothing was done
  // with the request, so it goes once more on a new connection.
  if (!result.ok() && reused && ex->nothing_read && !ex->timed_out) {
    ex->conn.reset();
    result = co_await Exchange(url, msg, *ex);
  }
  ex->timer.cancel();
  if (ex->conn != nullptr) {
    if (result.ok() && ex->keep_alive && !ex->timed_out) {
      pool.Put(origin, std::move(ex->conn));
    } else {
      Close(*ex->conn);
    }
  }
  co_return result;
}

asio::awaitable<absl::Status> Client::Impl::Connect(const ParsedUrl& url, ExchangeState& ex) {
  beast::error_code ec;
  const tcp::resolver::results_type endpoints =
      co_await ex.resolver.async_resolve(url.host, url.port, Await(ec));
  if (ec) co_return ex.Failure("resolve " + url.host, ec);
  // The deadline may have fired after the resolve finished but before this resumed; Abort() then
  // found no socket to close, so nothing later would stop. Check before creating one.
  if (ex.timed_out) co_return absl::DeadlineExceededError("deadline passed during resolve");
  auto executor = co_await asio::this_coro::executor;
  ex.conn = std::make_unique<Connection>();
  if (url.scheme == "http") {
    ex.conn->plain.emplace(executor);
    co_await ex.conn->plain->async_connect(endpoints, Await(ec));
    if (ec) co_return ex.Failure("connect", ec);
    co_return absl::OkStatus();
  }
  auto& tls_stream = ex.conn->tls.emplace(executor, tls);
  if (!IsIpLiteral(url.host) &&
      !SSL_set_tlsext_host_name(tls_stream.native_handle(), url.host.c_str())) {
    co_return absl::InvalidArgumentError("cannot set SNI host name");
  }
  tls_stream.set_verify_callback(ssl::host_name_verification(url.host), ec);
  if (ec) co_return ex.Failure("tls setup", ec);
  co_await beast::get_lowest_layer(tls_stream).async_connect(endpoints, Await(ec));
  if (ec) co_return ex.Failure("connect", ec);
  co_await tls_stream.async_handshake(ssl::stream_base::client, Await(ec));
  if (ec) co_return ex.Failure("tls handshake", ec);
  co_return absl::OkStatus();
}

asio::awaitable<absl::StatusOr<ClientResponse>> Client::Impl::Exchange(
    const ParsedUrl& url, const bhttp::request<bhttp::string_body>& msg, ExchangeState& ex) {
  ex.nothing_read = false;
  if (ex.conn == nullptr) {
    absl::Status connected = co_await Connect(url, ex);
    if (!connected.ok()) co_return connected;
  }
  if (ex.conn->tls) {
    co_return co_await WriteAndRead(ex, *ex.conn->tls, msg, options.max_response_bytes);
  }
  co_return co_await WriteAndRead(ex, *ex.conn->plain, msg, options.max_response_bytes);
}

absl::StatusOr<std::unique_ptr<Client>> Client::Create(ClientOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  beast::error_code ec;
  impl->tls.set_verify_mode(ssl::verify_peer, ec);
  if (!ec) impl->tls.set_default_verify_paths(ec);
  if (ec) return absl::InternalError("cannot set up TLS: " + ec.message());
  if (!impl->options.ca_file.empty()) {
    impl->tls.load_verify_file(impl->options.ca_file, ec);
    if (ec) {
      return absl::InvalidArgumentError("cannot load CA file " + impl->options.ca_file + ": " +
                                        ec.message());
    }
  }
  impl->work.emplace(impl->ioc.get_executor());
  const size_t threads = std::max<size_t>(impl->options.threads, 1);
  for (size_t i = 0; i < threads; ++i) {
    impl->threads.emplace_back([io = &impl->ioc] { io->run(); });
  }
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Client::~Client() {
  // Pending exchanges are abandoned: their callbacks are destroyed without being called.
  impl_->work.reset();
  impl_->ioc.stop();
  for (std::thread& t : impl_->threads) t.join();
}

void Client::SendAsync(ClientRequest request, Callback done) {
  // Outgoing calls made for a request (to WeChat, say) carry its trace.
  const bool traced = std::any_of(
      request.headers.begin(), request.headers.end(),
      [](const auto& h) { return strings::EqualsIgnoreCase(h.first, log::kTraceparentHeader); });
  if (!traced) {
    if (std::string tp = log::TraceparentFor(log::CurrentRequestId()); !tp.empty()) {
      request.headers.emplace_back(log::kTraceparentHeader, std::move(tp));
    }
  }
  absl::StatusOr<ParsedUrl> url = ParseUrl(request.url);
  absl::Status refused = url.status();
  if (url.ok() && url->scheme == "http" && !impl_->options.allow_insecure) {
    refused = absl::InvalidArgumentError("plain http:// is not allowed");
  }
  if (refused.ok() && (request.method.empty() || !IsSafeHeaderText(request.method) ||
                       request.method.find(' ') != std::string::npos)) {
    refused = absl::InvalidArgumentError("bad HTTP method");
  }
  for (const auto& [name, value] : request.headers) {
    if (refused.ok() && (name.empty() || !IsSafeHeaderText(name) || !IsSafeHeaderText(value))) {
      refused = absl::InvalidArgumentError("bad header " + name);
    }
  }
  if (!refused.ok()) {
    asio::post(impl_->ioc, [done = std::move(done), refused] { done(refused); });
    return;
  }
  asio::co_spawn(
      asio::make_strand(impl_->ioc), impl_->Run(std::move(request), std::move(*url)),
      [done = std::move(done)](std::exception_ptr e, absl::StatusOr<ClientResponse> result) {
        if (e) {
          std::string what = "unknown exception";
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& ex) {
            what = ex.what();
          } catch (...) {
          }
          done(absl::InternalError("http client: " + what));
          return;
        }
        done(std::move(result));
      });
}

absl::StatusOr<ClientResponse> Client::Send(ClientRequest request) {
  auto promise = std::make_shared<std::promise<absl::StatusOr<ClientResponse>>>();
  std::future<absl::StatusOr<ClientResponse>> future = promise->get_future();
  SendAsync(std::move(request), [promise](absl::StatusOr<ClientResponse> result) {
    promise->set_value(std::move(result));
  });
  return future.get();
}

}  // namespace paymesh::http
