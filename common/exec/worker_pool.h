#pragma once

// A fixed set of worker threads with a bounded queue. Blocking work (libpqxx, hiredis) runs
// here so that no gRPC or Asio thread ever waits on a database.
//
// TrySubmit never blocks: it returns false when the queue is full, and the caller answers
// RESOURCE_EXHAUSTED/UNAVAILABLE instead of piling up work. Shutdown() finishes queued work
// and joins the threads; the destructor calls it.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace paymesh::exec {

class WorkerPool {
 public:
  WorkerPool(size_t threads, size_t max_queue);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  bool TrySubmit(std::function<void()> task);
  void Shutdown();
  size_t queued() const;

 private:
  void Run();

  const size_t max_queue_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace paymesh::exec
