#pragma once

// How the WeChat Pay client reaches the network: one blocking HTTP exchange. The real transport
// is the common Beast client; unit tests feed canned responses (testing/fake_http_transport.h).

#include "absl/status/statusor.h"
#include "common/http/client.h"

namespace paymesh::payment {

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Any HTTP status is a response. Errors are transport failures, with http::Client's codes
  // (UNAVAILABLE, DEADLINE_EXCEEDED, INVALID_ARGUMENT, RESOURCE_EXHAUSTED). Blocks: worker
  // threads only. Thread-safe.
  virtual absl::StatusOr<http::ClientResponse> Send(const http::ClientRequest& request) = 0;
};

// The production transport over an http::Client, which must outlive it.
class HttpClientTransport final : public HttpTransport {
 public:
  explicit HttpClientTransport(http::Client& client) : client_(client) {}
  absl::StatusOr<http::ClientResponse> Send(const http::ClientRequest& request) override;

 private:
  http::Client& client_;
};

}  // namespace paymesh::payment
