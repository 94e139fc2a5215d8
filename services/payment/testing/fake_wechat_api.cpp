#include "services/payment/testing/fake_wechat_api.h"

#include "common/error/status_macros.h"

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

std::vector<PrepayRequest> FakeWechatPayApi::prepay_calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return prepay_calls_;
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

absl::StatusOr<PrepayAnswer> FakeWechatPayApi::CreatePrepay(const PrepayRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  prepay_calls_.push_back(request);
  if (absl::Status st = TakeFailure(); !st.ok()) return st;
  PrepayAnswer answer;
  switch (request.channel) {
    case Channel::kJsapi:
    case Channel::kMiniprogram:
      answer.prepay_id = "wx" + request.out_trade_no;
      break;
    case Channel::kH5:
      answer.h5_url = "https://wx.tenpay.example/checkmweb?prepay_id=wx" + request.out_trade_no;
      break;
    default:
      answer.code_url = "weixin://wxpay/bizpayurl?pr=" + request.out_trade_no;
  }
  return answer;
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
  close_calls_.emplace_back(out_trade_no);
  RETURN_IF_ERROR(TakeFailure());
  auto it = transactions_.find(std::string(out_trade_no));
  if (it == transactions_.end()) return absl::NotFoundError("ORDER_NOT_EXIST");
  if (it->second.trade_state == kTradeStateSuccess) {
    return absl::FailedPreconditionError("ORDERPAID");
  }
  it->second.trade_state = "CLOSED";
  return absl::OkStatus();
}

absl::StatusOr<RefundAnswer> FakeWechatPayApi::CreateRefund(const RefundCall& call) {
  std::lock_guard<std::mutex> lock(mu_);
  refund_calls_.push_back(call);
  RETURN_IF_ERROR(TakeFailure());
  return RefundAnswer{"5030" + call.out_refund_no, call.out_refund_no, "PROCESSING",
                      call.refund_fen};
}

void FakeWechatPayApi::PutRefund(RefundAnswer answer) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string no = answer.out_refund_no;
  refunds_[no] = std::move(answer);
}

absl::StatusOr<RefundAnswer> FakeWechatPayApi::QueryRefund(std::string_view out_refund_no) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(TakeFailure());
  auto it = refunds_.find(std::string(out_refund_no));
  if (it == refunds_.end()) return absl::NotFoundError("RESOURCE_NOT_EXISTS");
  return it->second;
}

std::vector<RefundCall> FakeWechatPayApi::refund_calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return refund_calls_;
}

std::vector<std::string> FakeWechatPayApi::close_calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return close_calls_;
}

}  // namespace paymesh::payment::testing
