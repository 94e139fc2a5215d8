#pragma once

// Configuration of the simulator, from the environment (see README.md for the variables).

#include <chrono>
#include <string>

#include "absl/status/statusor.h"
#include "common/config/env.h"
#include "common/log/log.h"
#include "tools/wechat-sim/platform.h"
#include "tools/wechat-sim/types.h"

namespace paymesh::wechatsim {

struct SimConfig {
  std::string listen_addr = "127.0.0.1:8090";
  std::string state_dir;    // keys and merchant files live here
  double time_scale = 1.0;  // multiplies every notification retry interval
  std::chrono::milliseconds notify_timeout{5000};
  std::string mchid = "1900000109";
  std::string appid = "wx8888888888888888";  // the Official Account (and pay)
  std::string miniprogram_appid = "wx7777777777777777";
  // The global access_token's and jsapi_ticket's lifetime (WeChat: 7200 s) and how long a
  // superseded one keeps working (WeChat: 300 s); short ones let tests cross an expiry.
  int64_t token_ttl_seconds = 7200;
  int64_t token_overlap_seconds = 300;
  // How long after its time_expire an unpaid (NOTPAY) order is closed by the simulator itself,
  // as WeChat does (store.h); 0 closes it as soon as it cannot be paid any more.
  int64_t auto_close_after_seconds = kDefaultAutoCloseAfterSeconds;
  log::Level log_level = log::Level::kInfo;
  bool strict_fields = true;  // unknown top-level body fields → 400 PARAM_ERROR
  // SIM_PLATFORM_MODE: how WeChat signs for the merchant (platform.h); changeable at run time
  // through POST /sim/platform.
  PlatformMode platform_mode = PlatformMode::kPublicKey;
};

// Reads every variable; INVALID_ARGUMENT listing all problems at once (also in env.problems()).
absl::StatusOr<SimConfig> LoadSimConfig(config::EnvReader& env);

}  // namespace paymesh::wechatsim
