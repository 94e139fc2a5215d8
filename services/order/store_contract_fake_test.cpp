// The store contract (testing/store_contract.cpp) against FakeOrderStore.

#include "common/time/testing/fake_clock.h"
#include "services/order/testing/fake_order_store.h"
#include "services/order/testing/store_contract.h"

namespace paymesh::order::testing {
namespace {

class FakeHarness final : public StoreHarness {
 public:
  OrderStore& store() override { return store_; }

  std::vector<AuditEvent> Events(const std::string& order_id) override {
    std::vector<AuditEvent> out;
    for (const FakeOrderStore::Event& e : store_.events()) {
      if (e.order_id == order_id) out.push_back({e.event_type, e.from_state, e.to_state, e.detail});
    }
    return out;
  }

  std::optional<PaymentOutcome> InboxOutcome(const std::string& notification_id) override {
    return store_.inbox_outcome(notification_id);
  }

  std::optional<std::string> PaymentOrder(const std::string& transaction_id) override {
    std::optional<FakeOrderStore::RecordedPayment> p = store_.payment(transaction_id);
    if (!p.has_value()) return std::nullopt;
    return p->order_id;
  }

 private:
  time::testing::FakeClock clock_;
  FakeOrderStore store_{clock_};
};

std::unique_ptr<StoreHarness> MakeFakeHarness() { return std::make_unique<FakeHarness>(); }

INSTANTIATE_TEST_SUITE_P(Fake, StoreContractTest, ::testing::Values(&MakeFakeHarness));

}  // namespace
}  // namespace paymesh::order::testing
