#pragma once

// W3C Trace Context (`traceparent: 00-<trace-id>-<parent-id>-<flags>`) for paymesh's request ids:
// a request's id is its trace id (32 lowercase hex, what NewRequestId makes), so one id follows a
// request through the gateway, every gRPC hop (metadata `traceparent` and `x-request-id`), every
// log line (RequestScope) and the calls to WeChat.

#include <optional>
#include <string>
#include <string_view>

namespace paymesh::log {

inline constexpr char kTraceparentHeader[] = "traceparent";

// The trace id of a well-formed version-00 traceparent (trace and parent ids not all zeros),
// else nullopt.
std::optional<std::string> TraceIdOf(std::string_view traceparent);

// A traceparent naming `request_id` as the trace (when it is 32 lowercase hex and not all
// zeros; "" otherwise) with a fresh parent id, sampled.
std::string TraceparentFor(std::string_view request_id);

}  // namespace paymesh::log
