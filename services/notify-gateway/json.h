#pragma once

// Strict JSON request bodies and the JSON shapes of responses. Strings are data: they are
// passed on verbatim (length-capped), never interpreted.
//
//   ASSIGN_OR_RETURN(JsonObject body, ParseObject(req.body, {"username", "password"}));
//   ASSIGN_OR_RETURN(std::string username, RequiredString(body, "username", 256));
//
// Every error is INVALID_ARGUMENT with a message naming the field.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "paymesh/auth/v1/auth.pb.h"
#include "paymesh/order/v1/order.pb.h"
#include "paymesh/payment/v1/payment.pb.h"

namespace paymesh::gateway {

using JsonObject = boost::json::object;

// The body must be one JSON object whose keys are all in `allowed`: malformed JSON, another
// JSON type, unknown fields ("unknown field 'x'") and a field named twice at any depth
// ("duplicate field 'x'") are errors.
absl::StatusOr<JsonObject> ParseObject(std::string_view body,
                                       std::initializer_list<std::string_view> allowed);
// Same rule for a nested object (`where` names it in messages, e.g. "items[0]").
absl::Status CheckFields(const JsonObject& object, std::string_view where,
                         std::initializer_list<std::string_view> allowed);

// A string field of at most `max_bytes`. Required: missing or null is an error. Optional:
// missing or null gives "".
absl::StatusOr<std::string> RequiredString(const JsonObject& object, std::string_view name,
                                           size_t max_bytes);
absl::StatusOr<std::string> OptionalString(const JsonObject& object, std::string_view name,
                                           size_t max_bytes);
// A required JSON integer (a number written with a fraction or exponent is not one) in
// [min, max].
absl::StatusOr<int64_t> RequiredInt(const JsonObject& object, std::string_view name, int64_t min,
                                    int64_t max);
// A required array of at most `max_items` elements.
absl::StatusOr<const boost::json::array*> RequiredArray(const JsonObject& object,
                                                        std::string_view name, size_t max_items);

// The API's names of the contract's enums: "PAID", "native", "APPLIED"; "" for unspecified.
std::string StateName(order::v1::OrderState state);
std::string ChannelName(order::v1::Channel channel);
std::optional<order::v1::Channel> ParseChannelName(std::string_view name);
std::string OutcomeName(order::v1::PaymentOutcome outcome);

// Response shapes (docs/architecture.md "REST API"). Times are RFC 3339 UTC: orders with
// milliseconds, the rest in whole seconds.
// {id, username, mobile, created_at}; mobile is the masked number, or null when none.
boost::json::object UserObject(const auth::v1::User& user);
std::string UserJson(const auth::v1::User& user);
std::string TokenJson(const auth::v1::TokenPair& pair);  // login / refresh answer
// The order without user_id, prepay and flag_reason; transaction_id and paid_at are null until
// paid.
boost::json::object OrderObject(const order::v1::Order& order);
std::string OrderJson(const order::v1::Order& order);
std::string ProductsJson(const order::v1::ListProductsResponse& products);
std::string OrdersJson(const order::v1::ListOrdersResponse& orders);
// {"events":[{type, from_state (null for "created"), to_state, at, channel?, reason?,
// refund_fen?}]}, oldest first.
std::string OrderEventsJson(const order::v1::ListOrderEventsResponse& events);
// {order_id, out_trade_no, channel, code_url, expires_at, reused}
std::string PaymentJson(const payment::v1::CreatePaymentResponse& payment);
// {trade_state, outcome, order_state}; outcome is null when nothing was applied.
std::string SyncJson(const payment::v1::QueryPaymentResponse& sync);

}  // namespace paymesh::gateway
