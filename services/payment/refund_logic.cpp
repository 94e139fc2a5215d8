// PaymentLogic: refunds an admin asks for (logic.h, CreateRefund).

#include <future>
#include <utility>

#include "common/error/status_macros.h"
#include "common/log/log.h"
#include "services/payment/logic.h"

namespace paymesh::payment {
namespace {

// WeChat could not take the refund now; the same out_refund_no may be sent again later.
bool IsRetryLater(const absl::Status& st) {
  return absl::IsUnavailable(st) || absl::IsDeadlineExceeded(st) || absl::IsResourceExhausted(st) ||
         absl::IsInternal(st) ||
         (absl::IsFailedPrecondition(st) && st.message().find("NOT_ENOUGH") != std::string::npos);
}

}  // namespace

absl::StatusOr<CreateRefundResult> PaymentLogic::CreateRefund(const RefundRequestInput& input) {
  if (input.order_id.empty() || input.requested_by.empty()) {
    return absl::InvalidArgumentError("order_id and requested_by are required");
  }
  ASSIGN_OR_RETURN(OrderApi::RequestedRefund requested, orders_.RequestRefund(input));
  CreateRefundResult result{requested.order.id, requested.order.state, requested.refund};
  if (requested.refund.status != RefundStatus::kProcessing) return result;  // settled before

  // Sent again for a replay too: WeChat keys the refund on out_refund_no, so a refund whose
  // first call got no answer is made once.
  RefundCall call;
  call.transaction_id = requested.order.transaction_id;
  call.out_refund_no = requested.refund.out_refund_no;
  call.reason = requested.refund.reason;
  call.notify_url = settings_.refund_notify_url;
  call.refund_fen = requested.refund.amount_fen;
  call.total_fen = requested.order.total_fen;
  absl::StatusOr<RefundAnswer> answer = wechat_.CreateRefund(call);
  RefundReportInput report{requested.order.out_trade_no, call.out_refund_no, "",
                           RefundStatus::kClosed, call.refund_fen};
  if (!answer.ok()) {
    if (IsRetryLater(answer.status())) {
      log::Warn("refund not taken by wechat pay yet",
                {{"out_refund_no", call.out_refund_no}, {"error", answer.status().message()}});
      return absl::UnavailableError(
          "the refund is recorded but wechat pay did not take it: retry with the same "
          "Idempotency-Key");
    }
    // Refused. The refund stays reserved: an earlier call under this number may have been taken
    // (its answer lost), and releasing the amount could refund it twice. A person decides.
    log::Error("refund refused by wechat pay: it stays reserved for review",
               {{"out_refund_no", call.out_refund_no}, {"error", answer.status().message()}});
    return absl::FailedPreconditionError("wechat pay refused the refund (it stays reserved): " +
                                         std::string(answer.status().message()));
  }
  std::optional<RefundStatus> status = RefundStatusOf(answer->status);
  if (!status) return absl::UnavailableError("wechat pay answered an unknown refund status");
  report.refund_id = answer->refund_id;
  report.status = *status;
  ASSIGN_OR_RETURN(RefundApplied applied, ApplyRefundNow(report));
  result.order_state = applied.order_state;
  result.refund.status = applied.status;
  result.refund.refund_id = answer->refund_id;
  log::Info("refund taken by wechat pay",
            {{"out_refund_no", call.out_refund_no}, {"status", answer->status}});
  return result;
}

absl::StatusOr<RefundStatus> PaymentLogic::ReconcileRefund(const RefundToSettle& refund) {
  const std::string& no = refund.refund.out_refund_no;
  absl::StatusOr<RefundAnswer> answer = wechat_.QueryRefund(no);
  if (absl::IsNotFound(answer.status())) {
    RefundCall call;
    call.transaction_id = refund.transaction_id;
    call.out_refund_no = no;
    call.reason = refund.refund.reason;
    call.notify_url = settings_.refund_notify_url;
    call.refund_fen = refund.refund.amount_fen;
    call.total_fen = refund.total_fen;
    answer = wechat_.CreateRefund(call);
  }
  if (!answer.ok()) return answer.status();
  std::optional<RefundStatus> status = RefundStatusOf(answer->status);
  if (!status) return absl::UnavailableError("wechat pay answered an unknown refund status");
  ASSIGN_OR_RETURN(RefundApplied applied,
                   ApplyRefundNow({refund.out_trade_no, no, answer->refund_id, *status,
                                   refund.refund.amount_fen}));
  return applied.status;
}

absl::StatusOr<RefundApplied> PaymentLogic::ApplyRefundNow(const RefundReportInput& report) {
  std::promise<absl::StatusOr<RefundApplied>> promise;
  std::future<absl::StatusOr<RefundApplied>> future = promise.get_future();
  orders_.ApplyRefundReport(
      report, log::CurrentRequestId(),
      [&promise](absl::StatusOr<RefundApplied> r) { promise.set_value(std::move(r)); });
  return future.get();
}

}  // namespace paymesh::payment
