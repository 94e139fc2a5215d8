#pragma once

// An SmsCodeBook in memory without limits: it keeps the last code per (purpose, mobile) with
// five tries, and what was delivered, for the logic's tests.

#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "services/auth/sms_codes.h"

namespace paymesh::auth::testing {

class FakeSmsCodeBook final : public SmsCodeBook {
 public:
  absl::StatusOr<SmsIssued> Issue(SmsPurpose purpose, const std::string& mobile,
                                  const std::string& client_ip, bool deliver) override;
  absl::StatusOr<bool> Redeem(SmsPurpose purpose, const std::string& mobile,
                              const std::string& code) override;

  // The last code delivered to `mobile` for `purpose`, or "".
  std::string Delivered(SmsPurpose purpose, const std::string& mobile) const;
  int issued() const;

 private:
  struct Code {
    std::string code;
    int tries = 5;
  };
  mutable std::mutex mu_;
  int next_ = 0;
  int issued_ = 0;
  std::map<std::pair<SmsPurpose, std::string>, Code> codes_;
  std::map<std::pair<SmsPurpose, std::string>, std::string> delivered_;
};

}  // namespace paymesh::auth::testing
