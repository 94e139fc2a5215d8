#pragma once

// An HttpTransport that answers from a queue of canned responses (or transport errors) and
// keeps every request it was sent.

#include <deque>
#include <mutex>
#include <vector>

#include "services/payment/http_transport.h"

namespace paymesh::payment::testing {

class FakeHttpTransport final : public HttpTransport {
 public:
  void Enqueue(absl::StatusOr<http::ClientResponse> answer) {
    std::lock_guard<std::mutex> lock(mu_);
    answers_.push_back(std::move(answer));
  }
  std::vector<http::ClientRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

  // With nothing queued: UNAVAILABLE, like a refused connection.
  absl::StatusOr<http::ClientResponse> Send(const http::ClientRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(request);
    if (answers_.empty()) return absl::UnavailableError("connection refused");
    absl::StatusOr<http::ClientResponse> answer = std::move(answers_.front());
    answers_.pop_front();
    return answer;
  }

 private:
  mutable std::mutex mu_;
  std::deque<absl::StatusOr<http::ClientResponse>> answers_;
  std::vector<http::ClientRequest> requests_;
};

}  // namespace paymesh::payment::testing
