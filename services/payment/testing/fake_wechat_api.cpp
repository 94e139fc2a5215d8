#include "services/payment/testing/fake_wechat_api.h"

namespace paymesh::payment::testing {

void FakeWechatPayApi::FailNext(absl::Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  next_failure_ = std::move(status);
}

void FakeWechatPayApi::PutTransaction(wechatpay::Transaction tx) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string key = tx.out_trade_no;
  transactions_[key] = std::move(tx);
}

std::vector<NativePrepayRequest> FakeWechatPayApi::native_calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return native_calls_;
}

std::vector<std::string> FakeWechatPayApi::query_calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return query_calls_;
}

absl::Status FakeWechatPayApi::TakeFailure() {
  if (!next_failure_) return absl::OkStatus();
  absl::Status st = *next_failure_;
  next_failure_.reset();
  return st;
}

absl::StatusOr<NativePrepay> FakeWechatPayApi::CreateNative(const NativePrepayRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  native_calls_.push_back(request);
  if (absl::Status st = TakeFailure(); !st.ok()) return st;
  return NativePrepay{"weixin://wxpay/bizpayurl?pr=" + request.out_trade_no};
}

absl::StatusOr<wechatpay::Transaction> FakeWechatPayApi::QueryByOutTradeNo(
    std::string_view out_trade_no) {
  std::lock_guard<std::mutex> lock(mu_);
  query_calls_.emplace_back(out_trade_no);
  if (absl::Status st = TakeFailure(); !st.ok()) return st;
  auto it = transactions_.find(std::string(out_trade_no));
  if (it == transactions_.end())
    return absl::NotFoundError("wechat pay answered 404 ORDER_NOT_EXIST");
  return it->second;
}

absl::Status FakeWechatPayApi::Close(std::string_view out_trade_no) {
  std::lock_guard<std::mutex> lock(mu_);
  return TakeFailure();
}

}  // namespace paymesh::payment::testing
