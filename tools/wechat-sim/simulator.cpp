#include "tools/wechat-sim/simulator.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <ctime>
#include <optional>

#include "common/http/client.h"
#include "common/http/server.h"
#include "tools/wechat-sim/call_counters.h"
#include "tools/wechat-sim/faults.h"
#include "tools/wechat-sim/merchant_auth.h"
#include "tools/wechat-sim/notifier.h"
#include "tools/wechat-sim/router.h"
#include "tools/wechat-sim/store.h"

namespace paymesh::wechatsim {
namespace {

constexpr size_t kServerThreads = 2;
constexpr size_t kClientThreads = 2;

// Answers one request. A delayed answer (the query_delay_ms fault) waits on a timer: handlers
// run as coroutines on the HTTP server's few shared io threads (http::Server), so sleeping would
// stall every other request on that thread — notification deliveries, other queries, control
// calls. The timer suspends only this request's coroutine.
boost::asio::awaitable<http::Response> Answer(const http::Request& req, const Routes& routes) {
  DelayedResponse answer = Dispatch(req, routes, static_cast<int64_t>(std::time(nullptr)));
  if (answer.delay > std::chrono::milliseconds::zero()) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, answer.delay);
    boost::system::error_code ignored;  // nothing cancels it: Stop() waits for this answer
    co_await timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ignored));
  }
  co_return std::move(answer.response);
}

}  // namespace

struct Simulator::Impl {
  Impl(SimConfig c, SimKeys k)
      : config(std::move(c)),
        keys(std::move(k)),
        identity{config.mchid, keys.merchant_serial, keys.merchant_public_key},
        store(config.auto_close_after_seconds),
        mp(MpOptions{config.appid, keys.app_secret, config.miniprogram_appid,
                     keys.miniprogram_secret, config.token_ttl_seconds,
                     config.token_overlap_seconds}) {}

  SimConfig config;
  SimKeys keys;
  std::unique_ptr<PlatformKeys> platform;
  MerchantIdentity identity;
  OrderStore store;
  FaultRegistry faults;
  CallCounters calls;
  RefundStore refunds;
  MpStore mp;
  Routes routes;
  // Torn down by Stop() in this order: server (no handler or timer runs after), client
  // (abandons pending sends), then the notifier's jobs go with the server's io_context.
  std::unique_ptr<http::Client> client;
  std::unique_ptr<http::Server> server;
  std::unique_ptr<Notifier> notifier;
  bool stopped = false;
};

absl::StatusOr<std::unique_ptr<Simulator>> Simulator::Create(const SimConfig& config) {
  absl::StatusOr<SimKeys> keys =
      LoadOrCreateKeys(config.state_dir, config.mchid, config.appid, config.miniprogram_appid);
  if (!keys.ok()) return keys.status();
  absl::StatusOr<PlatformCertificate> certificate =
      PlatformCertificateOf(keys->platform_cert_key, keys->platform_cert_pem);
  if (!certificate.ok()) return certificate.status();
  auto impl = std::make_unique<Impl>(config, std::move(*keys));
  impl->platform = std::make_unique<PlatformKeys>(
      config.platform_mode, SigningKey{impl->keys.platform_key, impl->keys.platform_key_id},
      std::move(*certificate));
  http::ClientOptions client_options;
  client_options.allow_insecure = true;  // merchants' dev notify URLs are plain http
  client_options.timeout = config.notify_timeout;
  client_options.threads = kClientThreads;
  client_options.user_agent = "Mozilla/4.0";  // what WeChat's notifier sends
  absl::StatusOr<std::unique_ptr<http::Client>> client = http::Client::Create(client_options);
  if (!client.ok()) return client.status();
  impl->client = std::move(*client);

  Impl* raw = impl.get();
  http::ServerOptions server_options;
  server_options.threads = kServerThreads;
  impl->server = std::make_unique<http::Server>(
      server_options, [raw](http::Request& req) { return Answer(req, raw->routes); });
  impl->notifier = std::make_unique<Notifier>(
      NotifierOptions{config.time_scale, config.notify_timeout}, impl->platform.get(),
      impl->client.get(), impl->server->executor());

  PayApiContext& pay = impl->routes.pay;
  pay.store = &impl->store;
  pay.faults = &impl->faults;
  pay.calls = &impl->calls;
  pay.platform = impl->platform.get();
  pay.identity = &impl->identity;
  pay.refunds = &impl->refunds;
  pay.notifier = impl->notifier.get();
  pay.apiv3_key = impl->keys.apiv3_key;
  pay.merchant = {config.mchid, config.appid, config.miniprogram_appid, config.strict_fields,
                  [mp = &impl->mp](const std::string& appid, const std::string& openid) {
                    return mp->KnowsOpenid(appid, openid);
                  }};
  impl->routes.mp = &impl->mp;
  ControlContext& control = impl->routes.control;
  control.store = &impl->store;
  control.faults = &impl->faults;
  control.calls = &impl->calls;
  control.notifier = impl->notifier.get();
  control.refunds = &impl->refunds;
  control.apiv3_key = impl->keys.apiv3_key;
  control.v2_key = impl->keys.v2_key;
  control.merchant_key = &impl->identity.public_key;
  control.platform = impl->platform.get();
  return std::unique_ptr<Simulator>(new Simulator(std::move(impl)));
}

Simulator::Simulator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Simulator::~Simulator() { Stop(); }

absl::StatusOr<int> Simulator::Start() { return impl_->server->Start(impl_->config.listen_addr); }

void Simulator::Stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->server->Stop();
  impl_->client.reset();
  impl_->server.reset();
  impl_->notifier.reset();
}

const SimKeys& Simulator::keys() const { return impl_->keys; }

}  // namespace paymesh::wechatsim
