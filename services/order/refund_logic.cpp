// OrderLogic: refunds (logic.h). Every decision is taken under the order's row lock with all its
// refunds in view (OrderStore::UpdateRefunds), so concurrent requests cannot together refund
// more than was paid.

#include <algorithm>
#include <utility>

#include "common/crypto/crypto.h"
#include "common/error/status_macros.h"
#include "common/log/log.h"
#include "common/metrics/metrics.h"
#include "common/strings/utf8.h"
#include "services/order/logic.h"

namespace paymesh::order {
namespace {

bool IsFinal(RefundStatus s) { return s == RefundStatus::kSuccess || s == RefundStatus::kClosed; }

// How far a refund has come: a report older than what is stored (WeChat's PROCESSING answer
// arriving after its SUCCESS notification) changes nothing.
int Rank(RefundStatus s) {
  switch (s) {
    case RefundStatus::kProcessing:
      return 0;
    case RefundStatus::kAbnormal:
      return 1;
    default:
      return 2;
  }
}

// A refund larger than this is not money anyone paid: refused before it is summed.
constexpr int64_t kMaxRefundFen = 1'000'000'000'000;

std::string StatusName(RefundStatus s) { return std::string(NameOf(s, kRefundStatusNames)); }

// The request as the idempotency key remembers it.
std::string RefundRequestHash(const RefundRequest& r) {
  return crypto::HexLower(crypto::Sha256(std::to_string(r.amount_fen) + "\n" + r.reason));
}

int64_t SucceededFen(const std::vector<Refund>& refunds) {
  int64_t sum = 0;
  for (const Refund& f : refunds) {
    if (f.status == RefundStatus::kSuccess) sum += f.amount_fen;
  }
  return sum;
}

}  // namespace

int64_t CommittedRefundFen(const std::vector<Refund>& refunds) {
  int64_t sum = 0;
  for (const Refund& f : refunds) {
    if (f.status != RefundStatus::kClosed) sum += f.amount_fen;
  }
  return sum;
}

absl::StatusOr<RefundResult> OrderLogic::RequestRefund(const RefundRequest& request) {
  if (request.amount_fen < 1) return absl::InvalidArgumentError("amount_fen must be at least 1");
  if (request.reason.size() > kMaxRefundReasonBytes || !strings::IsValidUtf8(request.reason)) {
    return absl::InvalidArgumentError("reason must be UTF-8 of at most 80 bytes");
  }
  if (request.requested_by.empty()) return absl::InvalidArgumentError("requested_by is required");
  if (!IsUuid(request.order_id)) return absl::NotFoundError("order not found");
  Refund candidate;
  candidate.out_refund_no = "RF" + NewOutTradeNo(clock_.Now(), random_).substr(2);
  candidate.amount_fen = request.amount_fen;
  candidate.reason = request.reason;
  candidate.requested_by = request.requested_by;
  candidate.idempotency_key = request.idempotency_key;
  if (!request.idempotency_key.empty()) candidate.request_hash = RefundRequestHash(request);
  absl::StatusOr<RefundResult> result =
      store_.UpdateRefunds(CanonicalUuid(request.order_id),
                           [&candidate](const Order& locked, const std::vector<Refund>& refunds) {
                             return DecideRefundRequest(locked, refunds, candidate);
                           });
  if (result.ok() && result->refund && result->refund->out_refund_no == candidate.out_refund_no) {
    log::Info("refund requested", {{"order_id", result->order.id},
                                   {"out_refund_no", candidate.out_refund_no},
                                   {"amount_fen", std::to_string(candidate.amount_fen)}});
  }
  return result;
}

absl::StatusOr<RefundResult> OrderLogic::ApplyRefundReport(const RefundReport& report) {
  RETURN_IF_ERROR(CheckText("out_refund_no", report.out_refund_no, kMaxReportFieldLength, true));
  RETURN_IF_ERROR(CheckText("out_trade_no", report.out_trade_no, kMaxReportFieldLength, true));
  RETURN_IF_ERROR(CheckText("refund_id", report.refund_id, kMaxReportFieldLength, false));
  if (report.amount_fen < 1 || report.amount_fen > kMaxRefundFen) {
    return absl::InvalidArgumentError("refund amount must be positive and plausible");
  }
  absl::StatusOr<Order> found = store_.GetOrderByOutTradeNo(report.out_trade_no);
  if (absl::IsNotFound(found.status())) return KeepUnmatchedRefund(report);
  ASSIGN_OR_RETURN(Order order, Described(std::move(found)));
  absl::StatusOr<RefundResult> result = store_.UpdateRefunds(
      order.id,
      [&report](const Order& locked,
                const std::vector<Refund>& refunds) -> absl::StatusOr<RefundChange> {
        const bool known = std::any_of(refunds.begin(), refunds.end(), [&](const Refund& f) {
          return f.out_refund_no == report.out_refund_no;
        });
        if (report.known_refund_only && !known) {
          return absl::NotFoundError("an unauthenticated report of a refund not started here");
        }
        return DecideRefundReport(locked, refunds, report);
      });
  if (report.known_refund_only && absl::IsNotFound(result.status())) {
    return KeepUnmatchedRefund(report);
  }
  return result;
}

absl::StatusOr<RefundResult> OrderLogic::KeepUnmatchedRefund(const RefundReport& report) {
  static metrics::Counter& unmatched = metrics::Registry::Default().AddCounter(
      "order_refund_reports_unmatched_total",
      "Refund reports for orders order does not know, kept for a person", {});
  RETURN_IF_ERROR(store_.RecordUnmatchedRefund(report));
  unmatched.Inc();
  log::Warn("refund report for an unknown order kept for a person",
            {{"out_trade_no", report.out_trade_no},
             {"out_refund_no", report.out_refund_no},
             {"status", StatusName(report.status)},
             {"amount_fen", std::to_string(report.amount_fen)}});
  RefundResult result;  // no order
  Refund f;
  f.out_refund_no = report.out_refund_no;
  f.refund_id = report.refund_id;
  f.amount_fen = report.amount_fen;
  f.status = report.status;
  result.refund = std::move(f);
  return result;
}

absl::StatusOr<std::vector<Refund>> OrderLogic::ListRefunds(const std::string& order_id) {
  if (!IsUuid(order_id)) return absl::NotFoundError("order not found");
  return store_.ListRefunds(CanonicalUuid(order_id));
}

absl::StatusOr<std::vector<RefundToSettle>> OrderLogic::ListRefundsToSettle(Timestamp before,
                                                                            int limit) {
  if (limit < 1 || limit > kMaxSettleBatch) {
    return absl::InvalidArgumentError("limit must be 1 to 500");
  }
  return store_.ListRefundsToSettle(before, limit);
}

absl::StatusOr<RefundChange> DecideRefundRequest(const Order& order,
                                                 const std::vector<Refund>& refunds,
                                                 const Refund& candidate) {
  RefundChange change;
  if (!candidate.idempotency_key.empty()) {
    for (const Refund& f : refunds) {
      if (f.idempotency_key != candidate.idempotency_key) continue;
      if (f.request_hash != candidate.request_hash) {
        return absl::AlreadyExistsError("this Idempotency-Key was used for another refund");
      }
      change.subject = f.out_refund_no;  // a replay: the refund made the first time
      return change;
    }
  }
  if (order.state != OrderState::kPaid && order.state != OrderState::kPartiallyRefunded) {
    return absl::FailedPreconditionError("the order is " + std::string(StateName(order.state)) +
                                         "; only a paid order can be refunded");
  }
  const int64_t left = order.total_fen - CommittedRefundFen(refunds);
  if (candidate.amount_fen > left) {
    return absl::FailedPreconditionError(
        "refunds may not exceed the paid total: " + std::to_string(std::max<int64_t>(left, 0)) +
        " fen left to refund");
  }
  change.insert = candidate;
  change.insert->status = RefundStatus::kProcessing;
  change.subject = candidate.out_refund_no;
  change.order.event_type = "refund_requested";
  change.order.to_state = order.state;
  change.order.detail.out_refund_no = candidate.out_refund_no;
  change.order.detail.refund_fen = candidate.amount_fen;
  return change;
}

absl::StatusOr<RefundChange> DecideRefundReport(const Order& order,
                                                const std::vector<Refund>& refunds,
                                                const RefundReport& report) {
  RefundChange change;
  change.subject = report.out_refund_no;
  change.order.to_state = order.state;
  change.order.detail.out_refund_no = report.out_refund_no;
  change.order.detail.refund_fen = report.amount_fen;
  const Refund* known = nullptr;
  for (const Refund& f : refunds) {
    if (f.out_refund_no == report.out_refund_no) known = &f;
  }
  std::vector<Refund> after = refunds;
  if (known == nullptr) {
    // Made in the merchant portal: WeChat's word, recorded against the order.
    Refund portal;
    portal.out_refund_no = report.out_refund_no;
    portal.amount_fen = report.amount_fen;
    portal.reason = "made at wechat pay";
    portal.status = report.status;
    portal.refund_id = report.refund_id;
    portal.requested_by = kRequestedByWechat;
    change.insert = portal;
    after.push_back(portal);
  } else {
    if (report.amount_fen != known->amount_fen) {
      change.order.event_type = "refund_conflict";
      change.order.flag_reason = "refund_conflict: " + report.out_refund_no + " reported " +
                                 std::to_string(report.amount_fen) + " fen, asked " +
                                 std::to_string(known->amount_fen);
      return change;
    }
    if (known->status == report.status) return change;             // nothing new
    if (Rank(report.status) < Rank(known->status)) return change;  // older news
    if (IsFinal(known->status)) {
      change.order.event_type = "refund_conflict";
      change.order.flag_reason = "refund_conflict: " + report.out_refund_no + " was " +
                                 StatusName(known->status) + ", reported " +
                                 StatusName(report.status);
      return change;
    }
    Refund updated = *known;
    updated.status = report.status;
    if (!report.refund_id.empty()) updated.refund_id = report.refund_id;
    change.update = updated;
    for (Refund& f : after) {
      if (f.out_refund_no == updated.out_refund_no) f = updated;
    }
  }
  const bool paid = order.state == OrderState::kPaid ||
                    order.state == OrderState::kPartiallyRefunded ||
                    order.state == OrderState::kRefunded;
  switch (report.status) {
    case RefundStatus::kSuccess: {
      if (!paid) {  // WeChat refunded an order we do not hold as paid: a person must look
        change.order.event_type = "refunded";
        change.order.flag_reason = "refund_of_unpaid_order: " + report.out_refund_no;
        break;
      }
      const int64_t refunded = SucceededFen(after);
      change.order.event_type = "refunded";
      change.order.to_state =
          refunded >= order.total_fen ? OrderState::kRefunded : OrderState::kPartiallyRefunded;
      if (refunded > order.total_fen) {
        change.order.flag_reason = "refund_exceeds_total: " + std::to_string(refunded) +
                                   " fen refunded of " + std::to_string(order.total_fen);
      }
      break;
    }
    case RefundStatus::kAbnormal:
      change.order.event_type = "refund_abnormal";
      change.order.flag_reason = "refund_abnormal: " + report.out_refund_no;
      break;
    case RefundStatus::kClosed:
      change.order.event_type = "refund_closed";
      break;
    case RefundStatus::kProcessing:
      change.order.event_type = "refund_requested";
      break;
  }
  return change;
}

}  // namespace paymesh::order
