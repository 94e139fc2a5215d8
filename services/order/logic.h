#pragma once

// The order service's business rules: cart validation, pricing from the catalogue, idempotent
// creation, ownership checks, cursor paging and the payment side of the state machine
// (prepay, payment reports). No proto, gRPC or database types here.
//
// OrderLogic is thread-safe as long as its store is; every call blocks on the store, so run it
// on a worker thread.

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/strings/utf8.h"
#include "services/order/store.h"
#include "services/order/types.h"

namespace paymesh::order {

inline constexpr size_t kMaxLines = 50;
inline constexpr int32_t kMaxQuantity = 99;
inline constexpr size_t kMaxSkuLength = 64;
inline constexpr size_t kMaxIdempotencyKeyLength = 64;
inline constexpr size_t kMaxUserIdLength = 128;
inline constexpr int kDefaultPageSize = 20;
inline constexpr int kMaxPageSize = 100;
inline constexpr size_t kMaxDescriptionBytes = 127;  // WeChat's limit for the bill text
inline constexpr size_t kMaxReportFieldLength = 128;
inline constexpr size_t kMaxReasonLength = 256;  // of a rejected report's reason
inline constexpr size_t kMaxUrlLength = 2048;
// How long a new order may be paid (ORDER_TTL_SECONDS): WeChat's time_expire.
inline constexpr std::chrono::seconds kDefaultOrderTtl{1800};
inline constexpr int kMaxSettleBatch = 500;

inline constexpr int kMaxOrderEvents = 200;
inline constexpr size_t kMaxRefundReasonBytes = 80;  // WeChat's limit for a refund's reason
// The full refund a late payment opens under the "refund" policy (migration 0009's trigger):
// out_refund_no "RL" + the order id's 32 hex digits.
inline constexpr char kLatePaymentRefundReason[] = "late payment: the order was closed";
inline constexpr char kLatePaymentRefundRequester[] = "system:late-payment";
inline constexpr char kRequestedByWechat[] = "wechat";  // a refund made in the merchant portal

// An admin asks for money back to the payer (RequestRefund).
struct RefundRequest {
  std::string order_id;
  int64_t amount_fen = 0;
  std::string reason;
  std::string idempotency_key;  // "" = none
  std::string requested_by;     // the admin's user id
};

// n characters of [0-9A-Za-z].
using RandomAlnum = std::function<std::string(size_t n)>;

struct CreateOrderInput {
  std::string user_id;
  std::vector<ItemInput> items;
  std::string idempotency_key;  // "" = none
};

struct CreateOrderResult {
  Order order;
  bool replayed = false;
};

struct OrderPage {
  std::vector<Order> orders;
  std::string next_cursor;  // "" on the last page
};

class OrderLogic {
 public:
  // `random` defaults to the CSPRNG. The store and the clock must outlive the logic.
  OrderLogic(OrderStore& store, const time::Clock& clock, RandomAlnum random = {},
             std::chrono::seconds order_ttl = kDefaultOrderTtl);

  absl::StatusOr<std::vector<Product>> ListProducts();

  // INVALID_ARGUMENT for a bad user id, key or cart (naming the offending line or sku);
  // ALREADY_EXISTS when the key was used with a different cart. A repeat of an earlier request
  // returns its order with replayed=true.
  absl::StatusOr<CreateOrderResult> CreateOrder(const CreateOrderInput& input);

  // NOT_FOUND for a malformed id, an unknown id or another user's order alike.
  absl::StatusOr<Order> GetOrder(const std::string& user_id, const std::string& order_id);
  // The caller's order's audit trail, oldest first, at most kMaxOrderEvents; NOT_FOUND as
  // GetOrder.
  absl::StatusOr<std::vector<OrderEvent>> ListOrderEvents(const std::string& user_id,
                                                          const std::string& order_id);

  // page_size 0 means the default; INVALID_ARGUMENT outside 1..100 or for a bad cursor.
  absl::StatusOr<OrderPage> ListOrders(const std::string& user_id, const std::string& cursor,
                                       int page_size);

  // By order_id (owned by user_id when that is set) or by out_trade_no: exactly one of them,
  // else INVALID_ARGUMENT. NOT_FOUND for an unknown, malformed or foreign order.
  absl::StatusOr<Order> GetOrderForPayment(const std::string& user_id, const std::string& order_id,
                                           const std::string& out_trade_no);

  // CREATED → PAYING (event prepay_issued); PAYING → PAYING with the new prepay (an event only
  // when it changed). INVALID_ARGUMENT for a bad prepay, NOT_FOUND for an unknown order,
  // FAILED_PRECONDITION in any other state.
  absl::StatusOr<Order> RecordPrepay(const std::string& order_id, const Prepay& prepay);

  // Applies reports that passed ValidatePaymentNotice, in one store call
  // (OrderStore::ApplyPayments: its rules, its codes, one result per notice), and says once,
  // in a warning, each one that needs a person.
  absl::StatusOr<std::vector<PaymentResult>> ApplyPayments(
      const std::vector<PaymentNotice>& notices);

  // Closes an unpaid order: CREATED / PAYING / PAY_FAILED → CLOSED (event "closed" with the
  // reason: cancelled, expired). Closing a CLOSED order changes nothing.
  // Payment calls this only once WeChat has closed the order too. With `user_id`, the order
  // must be theirs. INVALID_ARGUMENT for an unknown reason, NOT_FOUND for an unknown or foreign
  // order, FAILED_PRECONDITION for a paid one.
  absl::StatusOr<Order> CloseOrder(const std::string& user_id, const std::string& order_id,
                                   const std::string& reason);
  // For the settling jobs (OrderStore::ListOrdersToSettle); limit 1..kMaxSettleBatch.
  absl::StatusOr<std::vector<Order>> ListOrdersToSettle(SettleKind kind, Timestamp before,
                                                        const std::optional<SettleKey>& after,
                                                        int limit);

  // Refunds (refund_logic.cpp). RequestRefund reserves `amount_fen` of a PAID or
  // PARTIALLY_REFUNDED order as a PROCESSING refund with a new out_refund_no (event
  // refund_requested): refunds that are not CLOSED never add up to more than the order's total,
  // also under concurrent requests (FAILED_PRECONDITION saying what is left). The same
  // idempotency key returns the same refund; with another amount or reason, ALREADY_EXISTS.
  // INVALID_ARGUMENT for an amount < 1 or a reason over 80 bytes; NOT_FOUND for an unknown order.
  absl::StatusOr<RefundResult> RequestRefund(const RefundRequest& request);
  // Applies what WeChat said of a refund, idempotently: SUCCESS moves the order to
  // PARTIALLY_REFUNDED or REFUNDED (event refunded), ABNORMAL flags it for a person
  // (refund_abnormal), CLOSED releases the amount (refund_closed). A refund we did not start
  // (made in the merchant portal) is recorded against the order of `out_trade_no`, never dropped.
  // A report contradicting a final refund changes nothing but flags the order. A report for an
  // order this service does not know is kept for a person (unmatched_refund_reports, counted)
  // and answered with the refund but no order.
  absl::StatusOr<RefundResult> ApplyRefundReport(const RefundReport& report);
  absl::StatusOr<std::vector<Refund>> ListRefunds(const std::string& order_id);
  // For payment's settling job (OrderStore::ListRefundsToSettle); limit 1..kMaxSettleBatch.
  absl::StatusOr<std::vector<RefundToSettle>> ListRefundsToSettle(Timestamp before, int limit);

  // A verified report that cannot be applied: stored REJECTED with the reason
  // (OrderStore::RecordRejectedReport), counted in order_payment_reports_rejected_total and said
  // in an error log line (no openid). INVALID_ARGUMENT when not even its notification id is
  // usable: then it cannot be stored and WeChat must keep delivering it.
  absl::StatusOr<PaymentOutcome> RecordRejectedReport(RejectedReport report);

  Timestamp Now() const { return clock_.Now(); }

 private:
  absl::StatusOr<CreateOrderResult> Insert(const CreateOrderInput& input,
                                           const std::string& request_hash);

  absl::StatusOr<RefundResult> KeepUnmatchedRefund(const RefundReport& report);
  absl::StatusOr<Order> Described(absl::StatusOr<Order> order) const;

  OrderStore& store_;
  const time::Clock& clock_;
  RandomAlnum random_;
  std::chrono::seconds order_ttl_;
};

// ---- pure helpers, exposed for tests ---------------------------------------------------------

absl::Status ValidateUserId(std::string_view user_id);
absl::Status ValidateIdempotencyKey(std::string_view key);  // "" is valid (no key)
// 1..50 lines, quantity 1..99, well-formed and distinct skus.
absl::Status ValidateItems(const std::vector<ItemInput>& items);

// SHA-256 hex of the cart in canonical form: lines sorted by sku, each "sku\tquantity\n".
std::string RequestHash(const std::vector<ItemInput>& items);

struct PricedCart {
  std::vector<OrderItem> items;  // in request order
  int64_t total_fen = 0;
};
// Prices validated items from the catalogue alone. INVALID_ARGUMENT for an unknown or inactive
// sku, or a total that does not fit in int64.
absl::StatusOr<PricedCart> Price(const std::vector<ItemInput>& items,
                                 const std::vector<Product>& catalogue);

// "PM" + UTC yyyyMMddHHmmss + 12 random alphanumerics: 28 characters.
std::string NewOutTradeNo(Timestamp now, const RandomAlnum& random);

// Opaque cursor: base64url of "<created_at unix micros>:<uuid>".
std::string EncodeCursor(const PageKey& key);
absl::StatusOr<PageKey> DecodeCursor(std::string_view cursor);

// "<first item name> ×<quantity>", plus " 等<lines>件" for more than one line; the name is cut
// on a UTF-8 boundary so that the whole text fits in kMaxDescriptionBytes.
std::string Describe(const std::vector<OrderItem>& items);
using strings::TruncateUtf8;  // common/strings/utf8.h

// Channel-specific checks: native needs code_url and expires_at, jsapi/miniprogram prepay_id,
// h5 h5_url; every text bounded and printable. INVALID_ARGUMENT names the field.
absl::Status ValidatePrepay(const Prepay& prepay);
// The change RecordPrepay makes to a locked order.
absl::StatusOr<OrderChange> DecidePrepay(const Order& order, const Prepay& prepay);
// Whether the order's prepay can still be paid at `now`: the order is PAYING and the prepay has
// not expired. The one answer to "is there an active payment" for every caller.
bool HasActivePrepay(const Order& order, Timestamp now);

// Field checks of a report before it may reach the store: ids present, every text bounded and
// printable, amounts not negative, a transaction_id with every successful payment.
absl::Status ValidatePaymentNotice(const PaymentNotice& notice);
// The change that closes `order` for `reason` (see OrderLogic::CloseOrder).
absl::StatusOr<OrderChange> DecideClose(const Order& order, const std::string& reason);

// The refund decisions (see OrderLogic::RequestRefund, ApplyRefundReport). `candidate` is the
// refund to insert, its out_refund_no and request hash already set.
absl::StatusOr<RefundChange> DecideRefundRequest(const Order& order,
                                                 const std::vector<Refund>& refunds,
                                                 const Refund& candidate);
absl::StatusOr<RefundChange> DecideRefundReport(const Order& order,
                                                const std::vector<Refund>& refunds,
                                                const RefundReport& report);
// What the order's refunds hold back from its total: every refund but the CLOSED ones.
int64_t CommittedRefundFen(const std::vector<Refund>& refunds);

// Bounded (max_length bytes), without control characters and, when required, present;
// INVALID_ARGUMENT naming `field` otherwise.
absl::Status CheckText(std::string_view field, std::string_view value, size_t max_length,
                       bool required);

// Canonical 8-4-4-4-12 hex uuid (either case).
bool IsUuid(std::string_view s);
// The lowercase form the store keys on.
std::string CanonicalUuid(std::string_view s);

}  // namespace paymesh::order
