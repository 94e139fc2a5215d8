#pragma once

// Strict readers of JSON fields for WeChat Pay bodies (notification.cpp, certificates.cpp):
// a bounded parse into an object, and typed, size-limited fields.

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace paymesh::wechatpay::json_fields {

namespace json = boost::json;

constexpr size_t kMaxBody = 1024 * 1024 + 4096;

inline absl::StatusOr<json::object> ParseObject(std::string_view text, std::string_view what) {
  if (text.size() > kMaxBody) return absl::InvalidArgumentError(std::string(what) + " too large");
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec || !v.is_object()) {
    return absl::InvalidArgumentError(std::string(what) + " is not a JSON object");
  }
  return std::move(v.as_object());
}

// Reads a string field into *out. Missing is allowed unless `required`; anything else must be a
// string of at most `max` bytes.
inline absl::Status Str(const json::object& o, std::string_view key, size_t max, bool required,
                        std::string* out) {
  const json::value* v = o.if_contains(json::string_view(key.data(), key.size()));
  if (v == nullptr || v->is_null()) {
    if (required) return absl::InvalidArgumentError("missing field " + std::string(key));
    return absl::OkStatus();
  }
  if (!v->is_string()) return absl::InvalidArgumentError(std::string(key) + " is not a string");
  const json::string& s = v->as_string();
  if (s.size() > max) return absl::InvalidArgumentError(std::string(key) + " is too long");
  if (required && s.empty()) return absl::InvalidArgumentError(std::string(key) + " is empty");
  out->assign(s.data(), s.size());
  return absl::OkStatus();
}

inline absl::Status Int(const json::object& o, std::string_view key, bool required, int64_t* out) {
  const json::value* v = o.if_contains(json::string_view(key.data(), key.size()));
  if (v == nullptr || v->is_null()) {
    if (required) return absl::InvalidArgumentError("missing field " + std::string(key));
    return absl::OkStatus();
  }
  if (v->is_int64()) {
    *out = v->as_int64();
  } else if (v->is_uint64() && v->as_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    *out = static_cast<int64_t>(v->as_uint64());
  } else {
    return absl::InvalidArgumentError(std::string(key) + " is not an integer");
  }
  if (*out < 0) return absl::InvalidArgumentError(std::string(key) + " is negative");
  return absl::OkStatus();
}

}  // namespace paymesh::wechatpay::json_fields
