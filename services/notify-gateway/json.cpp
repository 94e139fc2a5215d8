#include "services/notify-gateway/json.h"

#include <algorithm>
#include <boost/json.hpp>
#include <string>

#include "absl/strings/ascii.h"
#include "common/rpc/timestamp.h"
#include "common/time/rfc3339.h"
#include "services/notify-gateway/json_keys.h"

namespace paymesh::gateway {
namespace {

namespace json = boost::json;

// A client-supplied key is echoed only when it is short printable ASCII.
std::string Quoted(std::string_view name) {
  const bool printable = name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
                           return c >= 0x20 && c < 0x7f;
                         });
  return printable ? "'" + std::string(name) + "'" : "(unprintable name)";
}

absl::Status FieldError(std::string_view name, std::string_view problem) {
  return absl::InvalidArgumentError("field " + Quoted(name) + " " + std::string(problem));
}

absl::StatusOr<std::string> StringField(const JsonObject& object, std::string_view name,
                                        size_t max_bytes, bool required) {
  const json::value* v = object.if_contains(name);
  if (v == nullptr || v->is_null()) {
    if (required) return FieldError(name, "is required");
    return std::string();
  }
  if (!v->is_string()) return FieldError(name, "must be a string");
  const json::string& s = v->get_string();
  if (s.size() > max_bytes) {
    return FieldError(name, "is too long (max " + std::to_string(max_bytes) + " bytes)");
  }
  return std::string(s.data(), s.size());
}

json::value StringOrNull(const std::string& s) {
  return s.empty() ? json::value(nullptr) : json::value(s);
}

// RFC 3339 UTC at `precision`, or null when unset or out of range.
json::value TimeOrNull(bool has, const google::protobuf::Timestamp& t, time::Precision precision) {
  if (!has) return nullptr;
  absl::StatusOr<time::Timestamp> v = rpc::FromProto(t);
  if (!v.ok()) return nullptr;
  return json::value(time::FormatUtc(*v, precision));
}

// A contract enum's value name without its type prefix: ORDER_STATE_PAID → "PAID"; "" for the
// unspecified value.
template <typename Enum>
std::string EnumName(Enum value, const std::string& (*name)(Enum), std::string_view prefix) {
  if (static_cast<int>(value) == 0) return "";
  std::string_view full = name(value);
  if (full.substr(0, prefix.size()) == prefix) full.remove_prefix(prefix.size());
  return std::string(full);
}

}  // namespace

std::string StateName(order::v1::OrderState state) {
  return EnumName(state, order::v1::OrderState_Name<order::v1::OrderState>, "ORDER_STATE_");
}

std::string ChannelName(order::v1::Channel channel) {
  return absl::AsciiStrToLower(
      EnumName(channel, order::v1::Channel_Name<order::v1::Channel>, "CHANNEL_"));
}

std::optional<order::v1::Channel> ParseChannelName(std::string_view name) {
  for (order::v1::Channel c : {order::v1::CHANNEL_NATIVE, order::v1::CHANNEL_JSAPI,
                               order::v1::CHANNEL_MINIPROGRAM, order::v1::CHANNEL_H5}) {
    if (ChannelName(c) == name) return c;
  }
  return std::nullopt;
}

std::string OutcomeName(order::v1::PaymentOutcome outcome) {
  return EnumName(outcome, order::v1::PaymentOutcome_Name<order::v1::PaymentOutcome>,
                  "PAYMENT_OUTCOME_");
}

absl::StatusOr<JsonObject> ParseObject(std::string_view body,
                                       std::initializer_list<std::string_view> allowed) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return absl::InvalidArgumentError("malformed JSON body");
  if (!v.is_object()) return absl::InvalidArgumentError("request body must be a JSON object");
  if (std::optional<std::string> twice = FirstDuplicateKey(body)) {
    return absl::InvalidArgumentError("duplicate field " + Quoted(*twice));
  }
  JsonObject object = std::move(v.get_object());
  absl::Status fields = CheckFields(object, "", allowed);
  if (!fields.ok()) return fields;
  return object;
}

absl::Status CheckFields(const JsonObject& object, std::string_view where,
                         std::initializer_list<std::string_view> allowed) {
  for (const auto& entry : object) {
    const std::string_view key = entry.key();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string message = "unknown field " + Quoted(key);
      if (!where.empty()) message += " in " + std::string(where);
      return absl::InvalidArgumentError(message);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> RequiredString(const JsonObject& object, std::string_view name,
                                           size_t max_bytes) {
  return StringField(object, name, max_bytes, true);
}

absl::StatusOr<std::string> OptionalString(const JsonObject& object, std::string_view name,
                                           size_t max_bytes) {
  return StringField(object, name, max_bytes, false);
}

absl::StatusOr<int64_t> RequiredInt(const JsonObject& object, std::string_view name, int64_t min,
                                    int64_t max) {
  const json::value* v = object.if_contains(name);
  if (v == nullptr || v->is_null()) return FieldError(name, "is required");
  const std::string range =
      "must be an integer in " + std::to_string(min) + ".." + std::to_string(max);
  // Boost.JSON stores every integer up to INT64_MAX as int64; fractions are doubles.
  if (!v->is_int64() || v->get_int64() < min || v->get_int64() > max) {
    return FieldError(name, range);
  }
  return v->get_int64();
}

absl::StatusOr<const json::array*> RequiredArray(const JsonObject& object, std::string_view name,
                                                 size_t max_items) {
  const json::value* v = object.if_contains(name);
  if (v == nullptr || v->is_null()) return FieldError(name, "is required");
  if (!v->is_array()) return FieldError(name, "must be an array");
  if (v->get_array().size() > max_items) {
    return FieldError(name, "has too many elements (max " + std::to_string(max_items) + ")");
  }
  return &v->get_array();
}

json::object UserObject(const auth::v1::User& user) {
  json::object o;
  o["id"] = user.id();
  o["username"] = user.username();
  o["mobile"] = StringOrNull(user.mobile_masked());
  o["created_at"] = TimeOrNull(user.has_created_at(), user.created_at(), time::Precision::kSeconds);
  return o;
}

std::string UserJson(const auth::v1::User& user) { return json::serialize(UserObject(user)); }

std::string TokenJson(const auth::v1::TokenPair& pair) {
  json::object o;
  o["access_token"] = pair.access_token();
  o["token_type"] = "Bearer";
  o["expires_in"] = pair.access_expires_in();
  o["refresh_token"] = pair.refresh_token();
  o["refresh_expires_in"] = pair.refresh_expires_in();
  return json::serialize(o);
}

json::object OrderObject(const order::v1::Order& order) {
  json::array items;
  for (const auto& item : order.items()) {
    json::object i;
    i["sku"] = item.sku();
    i["name"] = item.name();
    i["quantity"] = item.quantity();
    i["unit_price_fen"] = item.unit_price_fen();
    i["line_total_fen"] = item.line_total_fen();
    items.push_back(std::move(i));
  }
  json::object o;
  o["id"] = order.id();
  o["out_trade_no"] = order.out_trade_no();
  o["state"] = StateName(order.state());
  o["total_fen"] = order.total_fen();
  o["currency"] = order.currency();
  o["items"] = std::move(items);
  o["created_at"] =
      TimeOrNull(order.has_created_at(), order.created_at(), time::Precision::kMilliseconds);
  o["updated_at"] =
      TimeOrNull(order.has_updated_at(), order.updated_at(), time::Precision::kMilliseconds);
  o["description"] = order.description();
  o["transaction_id"] = StringOrNull(order.transaction_id());
  o["paid_at"] = TimeOrNull(order.has_paid_at(), order.paid_at(), time::Precision::kMilliseconds);
  o["late_payment"] = order.late_payment();
  o["flagged"] = order.flagged();
  return o;
}

std::string OrderJson(const order::v1::Order& order) { return json::serialize(OrderObject(order)); }

std::string OrderEventsJson(const order::v1::ListOrderEventsResponse& events) {
  json::array list;
  for (const order::v1::OrderEvent& e : events.events()) {
    json::object o{{"type", e.event_type()},
                   {"from_state", StringOrNull(StateName(e.from_state()))},
                   {"to_state", StateName(e.to_state())},
                   {"at", TimeOrNull(e.has_at(), e.at(), time::Precision::kMilliseconds)}};
    if (e.channel() != order::v1::CHANNEL_UNSPECIFIED) o["channel"] = ChannelName(e.channel());
    if (!e.reason().empty()) o["reason"] = e.reason();
    if (e.refund_fen() > 0) o["refund_fen"] = e.refund_fen();
    list.push_back(std::move(o));
  }
  return json::serialize(json::object{{"events", std::move(list)}});
}

std::string ProductsJson(const order::v1::ListProductsResponse& products) {
  json::array list;
  for (const auto& p : products.products()) {
    json::object o;
    o["sku"] = p.sku();
    o["name"] = p.name();
    o["price_fen"] = p.price_fen();
    o["currency"] = p.currency();
    list.push_back(std::move(o));
  }
  json::object root;
  root["products"] = std::move(list);
  return json::serialize(root);
}

std::string OrdersJson(const order::v1::ListOrdersResponse& orders) {
  json::array list;
  for (const auto& order : orders.orders()) list.push_back(OrderObject(order));
  json::object root;
  root["orders"] = std::move(list);
  root["next_cursor"] = StringOrNull(orders.next_cursor());
  return json::serialize(root);
}

std::string PaymentJson(const payment::v1::CreatePaymentResponse& payment) {
  json::object o;
  o["order_id"] = payment.order_id();
  o["out_trade_no"] = payment.out_trade_no();
  o["channel"] = ChannelName(payment.channel());
  if (!payment.code_url().empty()) o["code_url"] = payment.code_url();
  if (!payment.h5_url().empty()) o["h5_url"] = payment.h5_url();
  if (payment.has_bridge()) {
    // Named as the clients take them: WeixinJSBridge getBrandWCPayRequest (all six) and
    // wx.requestPayment (all but appId).
    const payment::v1::PaymentBridge& b = payment.bridge();
    json::object params{{"timeStamp", b.time_stamp()},
                        {"nonceStr", b.nonce_str()},
                        {"package", b.package()},
                        {"signType", b.sign_type()},
                        {"paySign", b.pay_sign()}};
    if (payment.channel() == order::v1::CHANNEL_JSAPI) params["appId"] = b.app_id();
    o[payment.channel() == order::v1::CHANNEL_JSAPI ? "jsapi" : "miniprogram"] = std::move(params);
  }
  o["expires_at"] =
      TimeOrNull(payment.has_expires_at(), payment.expires_at(), time::Precision::kSeconds);
  o["reused"] = payment.reused();
  return json::serialize(o);
}

std::string SyncJson(const payment::v1::QueryPaymentResponse& sync) {
  json::object o;
  o["trade_state"] = sync.trade_state();
  o["outcome"] = StringOrNull(OutcomeName(sync.outcome()));
  o["order_state"] = StringOrNull(StateName(sync.order_state()));
  o["closed"] = sync.closed();
  return json::serialize(o);
}

}  // namespace paymesh::gateway
