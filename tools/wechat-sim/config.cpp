#include "tools/wechat-sim/config.h"

#include <cmath>
#include <cstdlib>
#include <string_view>

namespace paymesh::wechatsim {
namespace {

constexpr double kMaxTimeScale = 1000;
constexpr int64_t kMaxAutoCloseAfterSeconds = 365 * 24 * 3600;

bool AllOf(std::string_view s, bool (*pred)(char)) {
  for (char c : s) {
    if (!pred(c)) return false;
  }
  return true;
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

absl::StatusOr<SimConfig> LoadSimConfig(config::EnvReader& env) {
  SimConfig cfg;
  cfg.listen_addr = env.ListenAddr("SIM_LISTEN_ADDR", cfg.listen_addr);
  cfg.state_dir = env.RequiredString("SIM_STATE_DIR");

  const std::string scale = env.String("SIM_TIME_SCALE", "1");
  char* end = nullptr;
  cfg.time_scale = std::strtod(scale.c_str(), &end);
  if (end != scale.c_str() + scale.size() || !std::isfinite(cfg.time_scale) || cfg.time_scale < 0 ||
      cfg.time_scale > kMaxTimeScale) {
    env.AddProblem("SIM_TIME_SCALE: must be a number from 0 to 1000");
    cfg.time_scale = 1;
  }
  cfg.notify_timeout = env.Millis("SIM_NOTIFY_TIMEOUT_MS", cfg.notify_timeout,
                                  std::chrono::milliseconds(1), std::chrono::milliseconds(600000));

  cfg.mchid = env.String("SIM_MCHID", cfg.mchid);
  if (cfg.mchid.empty() || cfg.mchid.size() > 32 || !AllOf(cfg.mchid, IsDigit)) {
    env.AddProblem("SIM_MCHID: must be 1-32 digits");
  }
  cfg.appid = env.String("SIM_APPID", cfg.appid);
  if (cfg.appid.empty() || cfg.appid.size() > 32 || !AllOf(cfg.appid, IsAlnum)) {
    env.AddProblem("SIM_APPID: must be 1-32 letters or digits");
  }
  cfg.miniprogram_appid = env.String("SIM_MINIPROGRAM_APPID", cfg.miniprogram_appid);
  if (cfg.miniprogram_appid.empty() || cfg.miniprogram_appid.size() > 32 ||
      !AllOf(cfg.miniprogram_appid, IsAlnum) || cfg.miniprogram_appid == cfg.appid) {
    env.AddProblem("SIM_MINIPROGRAM_APPID: must be 1-32 letters or digits, not SIM_APPID");
  }
  cfg.token_ttl_seconds = env.Int("SIM_WECHAT_TOKEN_TTL_SECONDS", cfg.token_ttl_seconds, 2, 7200);
  cfg.token_overlap_seconds =
      env.Int("SIM_WECHAT_TOKEN_OVERLAP_SECONDS", cfg.token_overlap_seconds, 0, 300);
  cfg.auto_close_after_seconds = env.Int(
      "SIM_AUTO_CLOSE_AFTER_SECONDS", cfg.auto_close_after_seconds, 0, kMaxAutoCloseAfterSeconds);
  const std::string level = env.OneOf("LOG_LEVEL", "info", {"debug", "info", "warn", "error"});
  log::ParseLevel(level, &cfg.log_level);
  cfg.strict_fields = env.Bool("SIM_STRICT_FIELDS", true);
  const std::string mode = env.String("SIM_PLATFORM_MODE", "pubkey");
  if (std::optional<PlatformMode> m = PlatformModeOf(mode)) {
    cfg.platform_mode = *m;
  } else {
    env.AddProblem("SIM_PLATFORM_MODE must be pubkey, cert or dual");
  }
  if (absl::Status st = env.Finish(); !st.ok()) return st;
  return cfg;
}

}  // namespace paymesh::wechatsim
