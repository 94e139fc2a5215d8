#pragma once

// OrderStore on PostgreSQL (schema `orders`, set as the pool's search_path). The only file
// of the service that sees SQL: every statement is named, parameterized and prepared once per
// connection; ApplyPayments is one call of migrations/0004_apply_payments.sql.

#include "common/pg/pool.h"
#include "services/order/store.h"

namespace paymesh::order {

class PgOrderStore : public OrderStore {
 public:
  // Registers its statements with `pool`, which must outlive the store.
  explicit PgOrderStore(pg::Pool& pool);

  absl::StatusOr<std::vector<Product>> ListActiveProducts() override;
  absl::StatusOr<std::vector<Product>> FindProducts(const std::vector<std::string>& skus) override;
  absl::StatusOr<InsertResult> InsertOrder(const NewOrder& order) override;
  absl::StatusOr<std::optional<StoredOrder>> FindByIdempotencyKey(
      const std::string& user_id, const std::string& idempotency_key) override;
  absl::StatusOr<Order> GetOrder(const std::string& user_id, const std::string& order_id) override;
  absl::StatusOr<Order> GetOrderById(const std::string& order_id) override;
  absl::StatusOr<Order> GetOrderByOutTradeNo(const std::string& out_trade_no) override;
  absl::StatusOr<Order> UpdateOrder(const std::string& order_id,
                                    const OrderDecider& decide) override;
  absl::StatusOr<RefundResult> UpdateRefunds(const std::string& order_id,
                                             const RefundDecider& decide) override;
  absl::StatusOr<std::vector<Refund>> ListRefunds(const std::string& order_id) override;
  absl::Status RecordUnmatchedRefund(const RefundReport& report) override;
  absl::StatusOr<std::vector<OrderEvent>> ListEvents(const std::string& order_id,
                                                     int limit) override;
  absl::StatusOr<std::vector<RefundToSettle>> ListRefundsToSettle(Timestamp before,
                                                                  int limit) override;
  absl::StatusOr<PaymentOutcome> RecordRejectedReport(const RejectedReport& report) override;
  absl::StatusOr<std::vector<Order>> ListOrdersToSettle(SettleKind kind, Timestamp before,
                                                        const std::optional<SettleKey>& after,
                                                        int limit) override;
  absl::StatusOr<std::vector<PaymentResult>> ApplyPayments(
      const std::vector<PaymentNotice>& notices, Timestamp now) override;
  absl::StatusOr<std::vector<Order>> ListOrders(const std::string& user_id,
                                                const std::optional<PageKey>& after,
                                                int limit) override;

 private:
  pg::Pool& pool_;
};

}  // namespace paymesh::order
