#pragma once

// A Transport that answers from a queue of canned responses (or transport errors) and
// keeps every request it was sent.

#include <deque>
#include <mutex>
#include <vector>

#include "common/http/transport.h"

namespace paymesh::http::testing {

class FakeTransport final : public Transport {
 public:
  void Enqueue(absl::StatusOr<ClientResponse> answer) {
    std::lock_guard<std::mutex> lock(mu_);
    answers_.push_back(std::move(answer));
  }
  std::vector<ClientRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

  // With nothing queued: UNAVAILABLE, like a refused connection.
  absl::StatusOr<ClientResponse> Send(const ClientRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(request);
    if (answers_.empty()) return absl::UnavailableError("connection refused");
    absl::StatusOr<ClientResponse> answer = std::move(answers_.front());
    answers_.pop_front();
    return answer;
  }

 private:
  mutable std::mutex mu_;
  std::deque<absl::StatusOr<ClientResponse>> answers_;
  std::vector<ClientRequest> requests_;
};

}  // namespace paymesh::http::testing
