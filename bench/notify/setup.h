#pragma once

// Set-up through the gateway's public API, as a shop's customers would do it: a fresh bench user
// registers and logs in, places `count` orders priced by the catalogue, and asks to pay each one
// natively, which registers it with the WeChat simulator and leaves it PAYING.

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/notify/notifications.h"

namespace paymesh::bench {

struct SetupOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  size_t count = 0;
  size_t connections = 8;
};

// The orders, each PAYING, with the amount the server computed. Any request that does not get
// its expected answer fails the whole set-up (INTERNAL, with the first such answer).
absl::StatusOr<std::vector<PaidOrder>> CreatePayingOrders(const SetupOptions& options);

}  // namespace paymesh::bench
