#pragma once

// The whole simulator in one object, for main.cpp and in-process tests: keys from the state
// directory, the order store, fault registry, notifier and the HTTP server.
//
//   ASSIGN_OR_RETURN(auto sim, Simulator::Create(cfg));
//   ASSIGN_OR_RETURN(int port, sim->Start());
//   ...
//   sim->Stop();   // also done by the destructor
//
// Start/Stop from one thread; the rest is internally synchronized.

#include <memory>

#include "absl/status/statusor.h"
#include "tools/wechat-sim/config.h"
#include "tools/wechat-sim/keys.h"

namespace paymesh::wechatsim {

class Simulator {
 public:
  // Loads or creates the keys (see keys.h) and builds everything; nothing listens yet.
  static absl::StatusOr<std::unique_ptr<Simulator>> Create(const SimConfig& config);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Listens on the configured address; returns the bound port.
  absl::StatusOr<int> Start();
  // Stops serving and abandons pending deliveries. Idempotent.
  void Stop();

  const SimKeys& keys() const;

 private:
  struct Impl;
  explicit Simulator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace paymesh::wechatsim
