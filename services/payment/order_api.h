#pragma once

// The order service as payment sees it: the only way payment reads or changes an order.
// GrpcOrderClient (grpc_order_client.h) is the real one, testing/fake_order_api.h the fake.
//
// Every call blocks (a gRPC call with a deadline, carrying the log RequestScope's request id):
// call it from worker threads. Codes: NOT_FOUND for an unknown or foreign order;
// FAILED_PRECONDITION for a state that refuses the change; UNAVAILABLE / DEADLINE_EXCEEDED when
// order cannot be reached in time (the caller must not assume anything was written).

#include <string>

#include "absl/status/statusor.h"
#include "services/payment/types.h"

namespace paymesh::payment {

class OrderApi {
 public:
  virtual ~OrderApi() = default;

  // The order, which must belong to `user_id`.
  virtual absl::StatusOr<Order> GetOrderForPayment(const std::string& user_id,
                                                   const std::string& order_id) = 0;
  // CREATED or PAYING → PAYING with this prepay. Idempotent.
  virtual absl::StatusOr<Order> RecordPrepay(const std::string& order_id, const Prepay& prepay) = 0;
  // Applies what WeChat reported, idempotently on the notification id and the transaction id.
  virtual absl::StatusOr<ApplyPaymentResult> ApplyPayment(const ApplyPaymentInput& input) = 0;
};

}  // namespace paymesh::payment
