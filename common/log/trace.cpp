#include "common/log/trace.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <random>

namespace paymesh::log {
namespace {

bool IsLowerHex(std::string_view s, size_t size) {
  return s.size() == size && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}
bool AllZeros(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '0'; });
}

}  // namespace

std::optional<std::string> TraceIdOf(std::string_view tp) {
  // 00-<32 hex>-<16 hex>-<2 hex>
  if (tp.size() != 55 || tp.substr(0, 3) != "00-" || tp[35] != '-' || tp[52] != '-') {
    return std::nullopt;
  }
  const std::string_view trace = tp.substr(3, 32), parent = tp.substr(36, 16),
                         flags = tp.substr(53, 2);
  if (!IsLowerHex(trace, 32) || !IsLowerHex(parent, 16) || !IsLowerHex(flags, 2) ||
      AllZeros(trace) || AllZeros(parent)) {
    return std::nullopt;
  }
  return std::string(trace);
}

std::string TraceparentFor(std::string_view request_id) {
  if (!IsLowerHex(request_id, 32) || AllZeros(request_id)) return "";
  thread_local std::mt19937_64 random{std::random_device{}()};
  uint64_t parent = 0;
  while (parent == 0) parent = random();
  char span[17];
  std::snprintf(span, sizeof(span), "%016llx", static_cast<unsigned long long>(parent));
  return "00-" + std::string(request_id) + "-" + span + "-01";
}

}  // namespace paymesh::log
