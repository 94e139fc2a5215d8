// PaymentLogic: settling an order with WeChat (logic.h): the user's sync and cancel, and the
// settling job's reconcile and close.

#include <future>
#include <utility>

#include "common/error/status_macros.h"
#include "common/log/log.h"
#include "services/payment/logic.h"

namespace paymesh::payment {
namespace {

constexpr char kTradeStateOrderNotExist[] = "ORDER_NOT_EXIST";
constexpr char kTradeStateClosed[] = "CLOSED";

// WeChat could not answer, or not in time: nothing is known, ask again later.
bool IsTransient(const absl::Status& st) {
  return absl::IsUnavailable(st) || absl::IsDeadlineExceeded(st) || absl::IsResourceExhausted(st) ||
         absl::IsInternal(st);
}

}  // namespace

absl::StatusOr<QueryPaymentResult> PaymentLogic::QueryPayment(const std::string& user_id,
                                                              const std::string& order_id) {
  ASSIGN_OR_RETURN(Order order, UserCallFor(user_id, order_id));
  return Reconcile(order);
}

absl::StatusOr<SettleResult> PaymentLogic::CancelPayment(const std::string& user_id,
                                                         const std::string& order_id) {
  ASSIGN_OR_RETURN(Order order, UserCallFor(user_id, order_id));
  return Close(order, kCloseCancelled);
}

absl::StatusOr<Order> PaymentLogic::UserCallFor(const std::string& user_id,
                                                const std::string& order_id) {
  if (user_id.empty() || order_id.empty()) {
    return absl::InvalidArgumentError("user_id and order_id are required");
  }
  RETURN_IF_ERROR(SpendUserCall(user_id));
  return orders_.GetOrderForPayment(user_id, order_id);
}

absl::StatusOr<SettleResult> PaymentLogic::Reconcile(const Order& order) {
  return Settle(order, "", /*closing=*/false);
}

absl::StatusOr<Order> PaymentLogic::NextAttempt(Order order) {
  if (order.payment_attempt + 1 >= kMaxPaymentAttempts) {
    return absl::FailedPreconditionError(
        "this order changed payment method too often; place a new order");
  }
  absl::Status closed = wechat_.Close(order.out_trade_no);
  if (!closed.ok()) {
    if (IsTransient(closed)) return closed;
    // Refused or not found: paid the instant before (ORDERPAID), closed already, or never seen.
    // WeChat's own word on the attempt decides.
    ASSIGN_OR_RETURN(SettleResult settled, Settle(order, "", /*closing=*/false));
    if (settled.trade_state != kTradeStateClosed &&
        settled.trade_state != kTradeStateOrderNotExist) {
      return absl::FailedPreconditionError(
          std::string("order is ") + StateName(settled.order_state) +
          ": its payment could not be changed (" + settled.trade_state + " at wechat pay)");
    }
  }
  order.payment_attempt += 1;
  order.out_trade_no = AttemptOutTradeNo(order.out_trade_no, order.payment_attempt);
  order.active_prepay.reset();
  log::Info("payment attempt closed for a new one",
            {{"order_id", order.id}, {"out_trade_no", order.out_trade_no}});
  return order;
}

absl::StatusOr<SettleResult> PaymentLogic::Close(const Order& order, const std::string& reason) {
  SettleResult result{"", PaymentOutcome::kUnspecified, order.state, false};
  if (order.state == OrderState::kClosed) return result;
  if (!IsOpen(order.state)) {
    return absl::FailedPreconditionError(std::string("order is ") + StateName(order.state) +
                                         " and cannot be closed");
  }
  absl::Status closed = wechat_.Close(order.out_trade_no);
  if (closed.ok()) {
    RETURN_IF_ERROR(CloseHere(order, reason, &result));
    return result;
  }
  if (IsTransient(closed)) return closed;
  // Refused: paid in the meantime (ORDERPAID), closed already, or never seen. WeChat's own
  // word on the order decides; a payment it reports is applied, never dropped.
  log::Info("close refused by wechat pay, asking it",
            {{"order_id", order.id}, {"error", closed.message()}});
  ASSIGN_OR_RETURN(result, Settle(order, reason, /*closing=*/true));
  if (!result.closed && result.outcome == PaymentOutcome::kUnspecified &&
      result.order_state != OrderState::kClosed) {
    return absl::FailedPreconditionError("wechat pay refused to close the order (" +
                                         result.trade_state + ")");
  }
  return result;
}

absl::StatusOr<SettleResult> PaymentLogic::Settle(const Order& order,
                                                  const std::string& close_reason, bool closing) {
  SettleResult result{"", PaymentOutcome::kUnspecified, order.state, false};
  absl::StatusOr<wechatpay::Transaction> tx = wechat_.QueryByOutTradeNo(order.out_trade_no);
  if (absl::IsNotFound(tx.status())) {
    // Never sent to WeChat (no prepay reached it): nothing to apply, nothing to pay there.
    result.trade_state = kTradeStateOrderNotExist;
    if (closing) RETURN_IF_ERROR(CloseHere(order, close_reason, &result));
    return result;
  }
  if (!tx.ok()) return tx.status();
  if (absl::Status st = CheckOurs(*tx); !st.ok()) {
    log::Error("query answered for another merchant or app", {{"order_id", order.id}});
    return absl::InternalError(st.message());
  }
  result.trade_state = tx->trade_state;
  if (tx->trade_state == kTradeStateClosed) {
    // Closing: it is closed at WeChat, close it here. Otherwise only this payment attempt is
    // closed (a change of channel under way, or WeChat's own auto-close): the order may still be
    // paid with another attempt until it expires, and the expiry job closes it then.
    if (closing) RETURN_IF_ERROR(CloseHere(order, close_reason, &result));
    return result;
  }
  if (tx->trade_state != kTradeStateSuccess) return result;
  ASSIGN_OR_RETURN(ApplyPaymentResult applied, ApplyQueried(order, std::move(*tx)));
  result.outcome = applied.outcome;
  if (applied.order_state != OrderState::kUnspecified) result.order_state = applied.order_state;
  return result;
}

absl::Status PaymentLogic::CloseHere(const Order& order, const std::string& reason,
                                     SettleResult* result) {
  if (!IsOpen(order.state)) return absl::OkStatus();
  ASSIGN_OR_RETURN(Order closed, orders_.CloseOrder(order.id, "", reason));
  result->order_state = closed.state;
  result->closed = true;
  log::Info("order closed",
            {{"order_id", order.id}, {"out_trade_no", order.out_trade_no}, {"reason", reason}});
  if (closed.out_trade_no == order.out_trade_no &&
      closed.payment_channel == order.payment_channel) {
    return absl::OkStatus();
  }
  // A prepay was recorded while this close was under way (a payment or a change of channel
  // racing it): that attempt may be payable at WeChat. Close it there too; a payment it already
  // holds is applied (a late payment, flagged for a refund), never dropped.
  absl::Status again = wechat_.Close(closed.out_trade_no);
  if (again.ok() || absl::IsNotFound(again)) return absl::OkStatus();
  if (IsTransient(again)) {
    log::Error("order closed but its latest payment attempt is still open at wechat pay",
               {{"order_id", order.id},
                {"out_trade_no", closed.out_trade_no},
                {"error", again.message()}});
    return absl::OkStatus();  // a payment on it still arrives, as a late payment
  }
  ASSIGN_OR_RETURN(SettleResult settled, Settle(closed, reason, /*closing=*/false));
  result->outcome = settled.outcome;
  result->order_state = settled.order_state;
  return absl::OkStatus();
}

absl::StatusOr<ApplyPaymentResult> PaymentLogic::ApplyQueried(const Order& order,
                                                              wechatpay::Transaction tx) {
  if (tx.transaction_id.empty()) {
    return absl::UnavailableError("wechat pay reported SUCCESS without transaction_id");
  }
  const std::string notification_id = "query:" + tx.transaction_id;
  std::promise<absl::StatusOr<ApplyPaymentResult>> promise;
  std::future<absl::StatusOr<ApplyPaymentResult>> future = promise.get_future();
  orders_.ApplyPayment(ApplyPaymentInput{notification_id, ReportSource::kQuery,
                                         kEventTransactionSuccess, std::move(tx)},
                       log::CurrentRequestId(), [&promise](absl::StatusOr<ApplyPaymentResult> r) {
                         promise.set_value(std::move(r));
                       });
  ASSIGN_OR_RETURN(ApplyPaymentResult applied, future.get());
  log::Info("query applied", {{"order_id", order.id},
                              {"out_trade_no", order.out_trade_no},
                              {"outcome", OutcomeName(applied.outcome)}});
  return applied;
}

}  // namespace paymesh::payment
