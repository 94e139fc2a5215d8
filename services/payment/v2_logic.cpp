// PaymentLogic: APIv2 (XML) payment and refund notifications (logic.h, CheckV2). Protocol:
// docs/wechat-protocols.md §9.6.

#include <cctype>
#include <charconv>
#include <utility>

#include "common/error/status_macros.h"
#include "common/log/log.h"
#include "common/wechatpay/v2.h"
#include "services/payment/logic.h"

namespace paymesh::payment {
namespace {

std::string FieldOf(const wechatpay::V2Fields& fields, const std::string& name) {
  auto it = fields.find(name);
  return it == fields.end() ? "" : it->second;
}

// yyyyMMddHHmmss (China time) as RFC 3339; anything else is passed on as it came, and order
// stores such a report as REJECTED with the reason instead of applying it.
std::string SuccessTime(const std::string& time_end) {
  if (time_end.size() != 14) return time_end;
  for (char c : time_end) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return time_end;
  }
  return time_end.substr(0, 4) + "-" + time_end.substr(4, 2) + "-" + time_end.substr(6, 2) + "T" +
         time_end.substr(8, 2) + ":" + time_end.substr(10, 2) + ":" + time_end.substr(12, 2) +
         "+08:00";
}

absl::StatusOr<int64_t> Fen(const wechatpay::V2Fields& fields, const std::string& name) {
  const std::string text = FieldOf(fields, name);
  int64_t fen = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), fen);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || fen < 0) {
    return absl::InvalidArgumentError(name + " is not an amount in fen");
  }
  return fen;
}

}  // namespace

absl::StatusOr<VerifiedReport> PaymentLogic::CheckV2(std::string_view body,
                                                     std::string* event_type) {
  if (settings_.v2_key.empty()) {
    // WeChat must keep it until the key is configured: a 4xx would make it give up.
    log::Error("v2 notification received: configure WECHATPAY_V2_KEY_FILE", {});
    return absl::UnavailableError("v2 notifications are not configured");
  }
  absl::StatusOr<wechatpay::V2Fields> fields = wechatpay::ParseV2Xml(body);
  if (!fields.ok()) {
    log::Warn("v2 notification malformed", {{"error", fields.status().message()}});
    return fields.status();
  }
  if (FieldOf(*fields, "return_code") != "SUCCESS") {
    return absl::InvalidArgumentError("v2 notification without return_code SUCCESS");
  }
  if (fields->count("req_info")) {
    if (FieldOf(*fields, "mch_id") != settings_.mchid) {
      return absl::InvalidArgumentError("mch_id is not ours");
    }
    return CheckV2Refund(FieldOf(*fields, "req_info"), event_type);
  }
  if (absl::Status st = wechatpay::VerifyV2(*fields, settings_.v2_key); !st.ok()) {
    log::Warn("v2 notification refused", {{"reason", st.message()}});
    return st;
  }
  *event_type = kEventTransactionSuccess;
  wechatpay::Transaction tx;
  tx.appid = FieldOf(*fields, "appid");
  tx.mchid = FieldOf(*fields, "mch_id");
  tx.out_trade_no = FieldOf(*fields, "out_trade_no");
  tx.transaction_id = FieldOf(*fields, "transaction_id");
  tx.trade_type = FieldOf(*fields, "trade_type");
  tx.trade_state = FieldOf(*fields, "result_code") == "SUCCESS" ? kTradeStateSuccess : "PAYERROR";
  tx.success_time = SuccessTime(FieldOf(*fields, "time_end"));
  tx.payer_openid = FieldOf(*fields, "openid");
  ASSIGN_OR_RETURN(tx.amount_total, Fen(*fields, "total_fee"));
  tx.amount_payer_total = tx.amount_total;
  if (fields->count("cash_fee")) {
    ASSIGN_OR_RETURN(tx.amount_payer_total, Fen(*fields, "cash_fee"));
  }
  tx.currency = FieldOf(*fields, "fee_type").empty() ? kCurrencyCny : FieldOf(*fields, "fee_type");
  if (absl::Status st = CheckOurs(tx); !st.ok()) {
    log::Warn("v2 notification for another merchant or app", {{"out_trade_no", tx.out_trade_no}});
    return st;
  }
  if (tx.out_trade_no.empty())
    return absl::InvalidArgumentError("v2 notification without out_trade_no");
  if (tx.trade_state == kTradeStateSuccess && tx.transaction_id.empty()) {
    return absl::InvalidArgumentError("successful v2 notification without transaction_id");
  }
  // v2 has no notification id: a payment's deliveries share its transaction id (and a v3
  // notification of the same payment is a duplicate of it by transaction id).
  std::string id = tx.transaction_id.empty()
                       ? "v2:" + tx.out_trade_no + ":" + FieldOf(*fields, "nonce_str")
                       : "v2:" + tx.transaction_id;
  return ApplyPaymentInput{std::move(id), ReportSource::kNotification, kEventTransactionSuccess,
                           std::move(tx)};
}

absl::StatusOr<VerifiedReport> PaymentLogic::CheckV2Refund(const std::string& req_info,
                                                           std::string* event_type) {
  absl::StatusOr<wechatpay::V2Fields> info =
      wechatpay::DecryptV2RefundInfo(req_info, settings_.v2_key);
  if (!info.ok()) {
    log::Warn("v2 refund notification refused", {{"reason", info.status().message()}});
    return info.status();
  }
  const std::string status = FieldOf(*info, "refund_status");
  RefundReportInput report;
  report.status = status == "SUCCESS"       ? RefundStatus::kSuccess
                  : status == "CHANGE"      ? RefundStatus::kAbnormal
                  : status == "REFUNDCLOSE" ? RefundStatus::kClosed
                                            : RefundStatus::kUnspecified;
  *event_type = report.status == RefundStatus::kSuccess    ? "REFUND.SUCCESS"
                : report.status == RefundStatus::kAbnormal ? "REFUND.ABNORMAL"
                                                           : "REFUND.CLOSED";
  report.out_trade_no = FieldOf(*info, "out_trade_no");
  report.out_refund_no = FieldOf(*info, "out_refund_no");
  report.refund_id = FieldOf(*info, "refund_id");
  // ECB authenticates nothing (blocks of genuine messages can be replayed and spliced): order
  // applies it only to a refund it already has, and keeps any other for a person.
  report.known_refund_only = true;
  if (report.out_trade_no.empty() || report.out_refund_no.empty()) {
    return absl::InvalidArgumentError("v2 refund without out_trade_no or out_refund_no");
  }
  if (report.status == RefundStatus::kUnspecified) {
    // It opened with our key: ours to understand, not to refuse (a 4xx would lose it).
    log::Error("v2 refund notification with an unknown refund_status",
               {{"out_refund_no", report.out_refund_no}});
    return absl::InternalError("unknown refund_status");
  }
  ASSIGN_OR_RETURN(report.amount_fen, Fen(*info, "refund_fee"));
  if (report.amount_fen < 1) return absl::InvalidArgumentError("refund_fee must be positive");
  return report;
}

}  // namespace paymesh::payment
