#include "bench/common/http_runner.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <exception>
#include <memory>

namespace paymesh::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct RunState {
  RunState(asio::io_context& io, const RunOptions& options, std::vector<Exchange>& exchanges)
      : options(options), exchanges(exchanges), cap_timer(io) {}

  const RunOptions& options;
  std::vector<Exchange>& exchanges;
  tcp::resolver::results_type endpoints;
  asio::steady_timer cap_timer;
  size_t next = 0;
  size_t running_workers = 0;
  size_t answered = 0;
  bool stopped = false;                     // the time cap expired
  std::vector<beast::tcp_stream*> streams;  // the workers' connections, to cancel at the cap
};

bhttp::request<bhttp::string_body> BuildRequest(const Exchange& ex, const std::string& host) {
  bhttp::request<bhttp::string_body> req;
  req.method_string(ex.method);
  req.target(ex.target);
  req.version(11);
  req.set(bhttp::field::host, host);
  for (const auto& [name, value] : ex.headers) req.insert(name, value);
  req.body() = ex.body;
  req.prepare_payload();
  return req;
}

std::string ErrorText(const RunState& state, const char* step, const beast::error_code& ec) {
  if (state.stopped && ec == asio::error::operation_aborted) return "cancelled at the time cap";
  return std::string(step) + ": " + ec.message();
}

// One keep-alive connection taking exchanges until none is left or the cap expires.
asio::awaitable<void> Worker(RunState& state, std::string host_header) {
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  state.streams.push_back(&stream);
  beast::flat_buffer buffer;
  bool open = false;
  while (!state.stopped && state.next < state.exchanges.size()) {
    Exchange& ex = state.exchanges[state.next++];
    ex.sent = true;
    beast::error_code ec;
    stream.expires_after(state.options.request_timeout);
    if (!open) {
      co_await stream.async_connect(state.endpoints, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        ex.error = ErrorText(state, "connect", ec);
        stream.close();
        continue;
      }
      open = true;
      buffer.clear();
    }
    bhttp::request<bhttp::string_body> req = BuildRequest(ex, host_header);
    bhttp::response<bhttp::string_body> res;
    const Clock::time_point start = Clock::now();
    co_await bhttp::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      co_await bhttp::async_read(stream, buffer, res,
                                 asio::redirect_error(asio::use_awaitable, ec));
    }
    ex.latency = Clock::now() - start;
    if (ec) {
      ex.error = ErrorText(state, "exchange", ec);
      stream.close();
      open = false;
      continue;
    }
    ex.status = res.result_int();
    ex.response_body = std::move(res.body());
    ++state.answered;
    if (!res.keep_alive()) {
      stream.close();
      open = false;
    }
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream.close();
  std::erase(state.streams, &stream);
  if (--state.running_workers == 0) state.cap_timer.cancel();
}

}  // namespace

RunStats Run(const RunOptions& options, std::vector<Exchange>& exchanges) {
  asio::io_context io(1);
  RunState state(io, options, exchanges);
  RunStats stats;
  const Clock::time_point start = Clock::now();

  beast::error_code ec;
  state.endpoints = tcp::resolver(io).resolve(options.host, std::to_string(options.port), ec);
  if (ec) {
    for (Exchange& ex : exchanges) ex.error = "resolve " + options.host + ": " + ec.message();
    return stats;
  }

  state.cap_timer.expires_after(options.time_cap);
  state.cap_timer.async_wait([&state](const beast::error_code& wait_ec) {
    if (wait_ec) return;  // cancelled: every worker finished in time
    state.stopped = true;
    for (beast::tcp_stream* stream : state.streams) stream->cancel();
  });

  const std::string host_header = options.host + ":" + std::to_string(options.port);
  const size_t workers = std::max<size_t>(1, std::min(options.connections, exchanges.size()));
  state.running_workers = workers;
  for (size_t i = 0; i < workers; ++i) {
    asio::co_spawn(io, Worker(state, host_header), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);  // programmer error: let it surface from io.run()
    });
  }
  io.run();

  stats.elapsed = Clock::now() - start;
  stats.answered = state.answered;
  stats.time_capped = state.stopped;
  return stats;
}

}  // namespace paymesh::bench
