// wechat-sim: config → keys in SIM_STATE_DIR → HTTP server → wait for SIGTERM → stop. No logic.

#include <pthread.h>
#include <signal.h>

#include <iostream>

#include "common/config/env.h"
#include "common/log/log.h"
#include "tools/wechat-sim/config.h"
#include "tools/wechat-sim/simulator.h"

namespace {

sigset_t TerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace paymesh;
  const config::RunMode mode = config::ParseRunMode(argc, argv);
  if (mode == config::RunMode::kUsage) return config::ReportUsage("wechat-sim");
  // Blocked before any thread starts, so that every thread inherits the mask and sigwait sees
  // the signal.
  const sigset_t signals = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  config::EnvReader env;
  absl::StatusOr<wechatsim::SimConfig> cfg = wechatsim::LoadSimConfig(env);
  if (!cfg.ok()) {
    for (const std::string& problem : env.problems())
      std::cerr << "wechat-sim: " << problem << "\n";
    if (env.problems().empty()) std::cerr << "wechat-sim: " << cfg.status() << "\n";
    return 2;
  }
  if (mode == config::RunMode::kCheckConfig) return config::ReportConfigOk("wechat-sim");
  log::Init("wechat-sim", cfg->log_level);

  absl::StatusOr<std::unique_ptr<wechatsim::Simulator>> sim = wechatsim::Simulator::Create(*cfg);
  if (!sim.ok()) {
    log::Error("cannot start", {{"error", std::string(sim.status().message())}});
    return 1;
  }
  absl::StatusOr<int> port = (*sim)->Start();
  if (!port.ok()) {
    log::Error("cannot listen", {{"error", std::string(port.status().message())}});
    return 1;
  }
  log::Info("serving", {{"http_port", *port},
                        {"mchid", cfg->mchid},
                        {"appid", cfg->appid},
                        {"platform_public_key_id", (*sim)->keys().platform_key_id},
                        {"merchant_serial", (*sim)->keys().merchant_serial},
                        {"state_dir", cfg->state_dir},
                        {"time_scale", cfg->time_scale}});

  int signal = 0;
  sigwait(&signals, &signal);
  log::Info("draining", {{"signal", signal}});
  (*sim)->Stop();
  log::Info("stopped");
  return 0;
}
