#pragma once

// An in-memory WechatPayApi: CreatePrepay answers a code_url, prepay_id or h5_url (by channel)
// derived from the out_trade_no (identical re-entry gives the same one), queries answer what the
// test put, Close acts on it as WeChat would (NOTPAY → CLOSED; SUCCESS → ORDERPAID; unknown →
// NOT_FOUND), and every call is recorded.

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "services/payment/wechat_api.h"

namespace paymesh::payment::testing {

class FakeWechatPayApi final : public WechatPayApi {
 public:
  // The next CreatePrepay / QueryByOutTradeNo / Close fails with `status` (once).
  void FailNext(absl::Status status);
  // What QueryByOutTradeNo answers for this out_trade_no; unknown ones are NOT_FOUND.
  void PutTransaction(wechatpay::Transaction tx);

  std::vector<PrepayRequest> prepay_calls() const;
  std::vector<std::string> query_calls() const;
  std::vector<std::string> close_calls() const;

  absl::StatusOr<PrepayAnswer> CreatePrepay(const PrepayRequest& request) override;
  absl::StatusOr<wechatpay::Transaction> QueryByOutTradeNo(std::string_view out_trade_no) override;
  absl::Status Close(std::string_view out_trade_no) override;
  // Answers PROCESSING (the same refund_id for a repeated out_refund_no).
  absl::StatusOr<RefundAnswer> CreateRefund(const RefundCall& call) override;
  std::vector<RefundCall> refund_calls() const;
  // What QueryRefund answers for a number (unknown ones: NOT_FOUND).
  void PutRefund(RefundAnswer answer);
  absl::StatusOr<RefundAnswer> QueryRefund(std::string_view out_refund_no) override;

 private:
  absl::Status TakeFailure();

  mutable std::mutex mu_;
  std::optional<absl::Status> next_failure_;
  std::map<std::string, wechatpay::Transaction> transactions_;
  std::vector<PrepayRequest> prepay_calls_;
  std::vector<std::string> query_calls_;
  std::vector<std::string> close_calls_;
  std::vector<RefundCall> refund_calls_;
  std::map<std::string, RefundAnswer> refunds_;
};

}  // namespace paymesh::payment::testing
