#pragma once

// IdentityApi in memory: openids the test put, per (user, appid).

#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "services/payment/identity_api.h"

namespace paymesh::payment::testing {

class FakeIdentityApi final : public IdentityApi {
 public:
  void Put(const std::string& user_id, const std::string& appid, std::string openid) {
    std::lock_guard<std::mutex> lock(mu_);
    openids_[{user_id, appid}] = std::move(openid);
  }
  absl::StatusOr<std::string> OpenidOf(const std::string& user_id,
                                       const std::string& appid) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = openids_.find({user_id, appid});
    if (it == openids_.end()) return absl::NotFoundError("no WeChat identity for this app");
    return it->second;
  }

 private:
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, std::string> openids_;
};

}  // namespace paymesh::payment::testing
