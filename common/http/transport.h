#pragma once

// How a partner's API client (WeChat Pay, WeChat's Official Account API) reaches the network:
// one blocking HTTP exchange. The real transport is the Beast client; unit tests feed canned
// responses (testing/fake_transport.h).

#include "absl/status/statusor.h"
#include "common/http/client.h"

namespace paymesh::http {

class Transport {
 public:
  virtual ~Transport() = default;
  // Any HTTP status is a response. Errors are transport failures, with http::Client's codes
  // (UNAVAILABLE, DEADLINE_EXCEEDED, INVALID_ARGUMENT, RESOURCE_EXHAUSTED). Blocks: worker
  // threads only. Thread-safe.
  virtual absl::StatusOr<ClientResponse> Send(const ClientRequest& request) = 0;
};

// The production transport over an http::Client, which must outlive it.
class ClientTransport final : public Transport {
 public:
  explicit ClientTransport(Client& client) : client_(client) {}
  absl::StatusOr<ClientResponse> Send(const ClientRequest& request) override;

 private:
  Client& client_;
};

}  // namespace paymesh::http
