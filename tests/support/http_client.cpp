#include "tests/support/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace paymesh::testing {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr size_t kMaxPrintedBody = 2000;

// Starts one async operation and runs the io_context until it completes (or the stream's
// deadline cancels it).
template <typename Start>
beast::error_code RunOne(net::io_context& ioc, Start start) {
  beast::error_code result;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result;
}

HttpResponse Exchange(const std::string& host, int port, const std::string& bytes,
                      std::chrono::milliseconds timeout) {
  const auto started = std::chrono::steady_clock::now();
  HttpResponse response;
  auto finish = [&](std::string error) {
    response.error = std::move(error);
    response.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    return response;
  };

  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(timeout);
  beast::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (ec) return finish(absl::StrCat("bad host ", host, ": ", ec.message()));
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(port));

  ec = RunOne(ioc, [&](auto handler) { stream.async_connect(endpoint, std::move(handler)); });
  if (ec) return finish(absl::StrCat("connect ", host, ":", port, ": ", ec.message()));

  // A server may answer (413, 431) and stop reading before the whole request is written: the
  // answer is still read in that case.
  const beast::error_code write_ec = RunOne(
      ioc, [&](auto handler) { net::async_write(stream, net::buffer(bytes), std::move(handler)); });

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.header_limit(1 << 20);
  parser.body_limit(64 << 20);
  ec = RunOne(ioc,
              [&](auto handler) { http::async_read(stream, buffer, parser, std::move(handler)); });
  if (ec) {
    return finish(
        absl::StrCat("reading the response: ", ec.message(),
                     write_ec ? absl::StrCat(" (writing: ", write_ec.message(), ")") : ""));
  }
  const auto& message = parser.get();
  response.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  response.body = message.body();
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return finish("");
}

}  // namespace

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (beast::iequals(k, name)) return v;
  }
  return "";
}

bool HttpResponse::HasHeader(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (beast::iequals(k, name)) return true;
  }
  return false;
}

std::ostream& operator<<(std::ostream& out, const HttpResponse& response) {
  if (response.status == 0) {
    return out << "no HTTP response after " << response.elapsed.count()
               << " ms: " << response.error;
  }
  out << "HTTP " << response.status << " after " << response.elapsed.count() << " ms\n";
  for (const auto& [k, v] : response.headers) out << k << ": " << v << "\n";
  out << "\n" << response.body.substr(0, kMaxPrintedBody);
  if (response.body.size() > kMaxPrintedBody) out << "... (" << response.body.size() << " bytes)";
  return out;
}

HttpResponse Send(const std::string& host, int port, const std::string& method,
                  const std::string& target, const HttpHeaders& headers, const std::string& body,
                  std::chrono::milliseconds timeout) {
  http::request<http::string_body> request;
  request.method_string(method);
  request.target(target);
  request.version(11);
  request.set(http::field::host, absl::StrCat(host, ":", port));
  for (const auto& [k, v] : headers) request.insert(k, v);
  request.body() = body;
  request.prepare_payload();
  std::ostringstream bytes;
  bytes << request;
  return Exchange(host, port, bytes.str(), timeout);
}

HttpResponse SendRaw(const std::string& host, int port, const std::string& bytes,
                     std::chrono::milliseconds timeout) {
  return Exchange(host, port, bytes, timeout);
}

}  // namespace paymesh::testing
