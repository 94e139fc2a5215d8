#include "services/payment/http_transport.h"

namespace paymesh::payment {

absl::StatusOr<http::ClientResponse> HttpClientTransport::Send(const http::ClientRequest& request) {
  return client_.Send(request);
}

}  // namespace paymesh::payment
