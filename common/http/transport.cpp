#include "common/http/transport.h"

namespace paymesh::http {

absl::StatusOr<ClientResponse> ClientTransport::Send(const ClientRequest& request) {
  return client_.Send(request);
}

}  // namespace paymesh::http
