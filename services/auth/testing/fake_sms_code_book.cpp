#include "services/auth/testing/fake_sms_code_book.h"

#include <cstdio>

namespace paymesh::auth::testing {

absl::StatusOr<SmsIssued> FakeSmsCodeBook::Issue(SmsPurpose purpose, const std::string& mobile,
                                                 const std::string& /*client_ip*/, bool deliver) {
  std::lock_guard<std::mutex> lock(mu_);
  char code[8];
  std::snprintf(code, sizeof(code), "%06d", 123456 + next_++);
  codes_[{purpose, mobile}] = Code{code, 5};
  ++issued_;
  if (deliver) delivered_[{purpose, mobile}] = code;
  return SmsIssued{std::chrono::seconds(300), std::chrono::seconds(60)};
}

absl::StatusOr<bool> FakeSmsCodeBook::Redeem(SmsPurpose purpose, const std::string& mobile,
                                             const std::string& code) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = codes_.find({purpose, mobile});
  if (it == codes_.end()) return false;
  if (it->second.code == code) {
    codes_.erase(it);
    return true;
  }
  if (--it->second.tries <= 0) codes_.erase(it);
  return false;
}

std::string FakeSmsCodeBook::Delivered(SmsPurpose purpose, const std::string& mobile) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = delivered_.find({purpose, mobile});
  return it == delivered_.end() ? "" : it->second;
}

int FakeSmsCodeBook::issued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return issued_;
}

}  // namespace paymesh::auth::testing
