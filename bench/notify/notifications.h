#pragma once

// WeChat's side of the benchmark: the simulator's key material, read from its state directory,
// and TRANSACTION.SUCCESS notifications built exactly as WeChat sends them (AEAD_AES_256_GCM
// resource under the APIv3 key, signed with the platform key over "timestamp\nnonce\nbody\n").

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/common/http_runner.h"
#include "bench/common/shop.h"
#include "common/crypto/rsa.h"

namespace paymesh::bench {

struct WechatIdentity {
  crypto::RsaPrivateKey platform_key;
  std::string platform_key_id;  // PUB_KEY_ID_…, sent as Wechatpay-Serial
  std::string apiv3_key;
  std::string mchid;
  std::string appid;
};

// Reads platform_private_key.pem, platform_public_key_id, apiv3_key, mchid and appid from the
// simulator's SIM_STATE_DIR. INVALID_ARGUMENT naming the file that is missing or malformed.
absl::StatusOr<WechatIdentity> LoadSimIdentity(const std::string& state_dir);

// One notification per order, in order: distinct notification ids and transaction ids, the
// order's amount in CNY, success_time and signature timestamp `now_unix` (so the set must be sent
// within WeChat's 300 s window). Each result is a POST to `target`.
absl::StatusOr<std::vector<Exchange>> BuildNotifications(const WechatIdentity& wechat,
                                                         const std::vector<PlacedOrder>& orders,
                                                         const std::string& target,
                                                         int64_t now_unix);

}  // namespace paymesh::bench
