#pragma once

// One contract test of OrderStore's payment rules (store.h, ApplyPayments), run against
// FakeOrderStore in the unit tests and PgOrderStore (its PL/pgSQL function) in the integration
// tests, so the fake cannot drift from the real store. Each binary instantiates the suite with
// a factory of its own harness:
//
//   INSTANTIATE_TEST_SUITE_P(Fake, StoreContractTest, ::testing::Values(&MakeFakeHarness));

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "services/order/logic.h"
#include "services/order/store.h"

namespace paymesh::order::testing {

// A store under test and a way to read what it wrote.
class StoreHarness {
 public:
  virtual ~StoreHarness() = default;

  struct AuditEvent {
    std::string event_type;
    OrderState from_state = OrderState::kCreated;
    OrderState to_state = OrderState::kCreated;
    EventDetail detail;
  };

  virtual OrderStore& store() = 0;
  // Every event of the order after 'created', oldest first.
  virtual std::vector<AuditEvent> Events(const std::string& order_id) = 0;
  virtual std::optional<PaymentOutcome> InboxOutcome(const std::string& notification_id) = 0;
  // The order id the payment was recorded against ("" for none); nullopt when not recorded.
  virtual std::optional<std::string> PaymentOrder(const std::string& transaction_id) = 0;
};

using HarnessFactory = std::unique_ptr<StoreHarness> (*)();

class StoreContractTest : public ::testing::TestWithParam<HarnessFactory> {
 public:
  // A successful payment of the order's total, reported at kSuccessTime.
  static PaymentNotice Report(const Order& order, std::string notification_id,
                              std::string transaction_id = "4200000001");

  static const Timestamp kNow;          // 2026-11-21T10:05:00Z
  static const Timestamp kSuccessTime;  // 2026-11-21T10:01:02Z

 protected:
  void SetUp() override;

  OrderStore& store() { return harness_->store(); }
  StoreHarness& harness() { return *harness_; }

  // A new CREATED order of 1234 fen, unpaid after `expires_at` (default: kNow + 30 min).
  Order PlaceOrder();
  Order PlaceOrder(Timestamp expires_at);
  // Moves the order to `state` as an audited change (what close, expiry and refunds will do);
  // a paid state gets ForcedTransaction(order).
  void Force(const Order& order, OrderState state);
  static std::string ForcedTransaction(const Order& order);
  Order Get(const std::string& order_id);
  std::vector<StoreHarness::AuditEvent> EventsOf(const std::string& order_id,
                                                 const std::string& type);

  // ApplyPayments of one notice, at kNow.
  absl::StatusOr<PaymentResult> Apply(const PaymentNotice& notice);
  absl::StatusOr<std::vector<PaymentResult>> ApplyAll(const std::vector<PaymentNotice>& notices);
  // UpdateRefunds with OrderLogic's decisions.
  absl::StatusOr<RefundResult> RequestRefund(const Order& o, const Refund& candidate);
  absl::StatusOr<RefundResult> Report(const Order& o, const RefundReport& report);

 private:
  std::unique_ptr<StoreHarness> harness_;
  int orders_ = 0;
};

}  // namespace paymesh::order::testing
