#pragma once

// Prometheus metrics with the text exposition format (version 0.0.4).
// Names follow `<svc>_<thing>_<unit|total>`; outcomes use a `result` label (ok|rejected|error).
//
//   auto& calls = metrics::Registry::Default().AddCounter(
//       "order_rpc_total", "Order RPCs by method and result", {"method", "result"});
//   calls.Inc({"CreateOrder", "ok"});
//
// Thread-safe. Metric objects live as long as their registry; registering the same name twice
// returns the existing metric.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace paymesh::metrics {

class Counter {
 public:
  void Inc(const std::vector<std::string>& label_values = {}, double by = 1);
  double Value(const std::vector<std::string>& label_values = {}) const;

 private:
  friend class Registry;
  Counter(std::string name, std::string help, std::vector<std::string> labels);
  void Render(std::string& out) const;
  std::string name_, help_;
  std::vector<std::string> labels_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, double> values_;
};

class Gauge {
 public:
  void Set(double v, const std::vector<std::string>& label_values = {});
  void Add(double v, const std::vector<std::string>& label_values = {});
  double Value(const std::vector<std::string>& label_values = {}) const;

 private:
  friend class Registry;
  Gauge(std::string name, std::string help, std::vector<std::string> labels);
  void Render(std::string& out) const;
  std::string name_, help_;
  std::vector<std::string> labels_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, double> values_;
};

class Histogram {
 public:
  void Observe(double v, const std::vector<std::string>& label_values = {});
  uint64_t Count(const std::vector<std::string>& label_values = {}) const;

 private:
  friend class Registry;
  Histogram(std::string name, std::string help, std::vector<std::string> labels,
            std::vector<double> bounds);
  void Render(std::string& out) const;
  struct Series {
    std::vector<uint64_t> buckets;
    uint64_t count = 0;
    double sum = 0;
  };
  std::string name_, help_;
  std::vector<std::string> labels_;
  std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, Series> series_;
};

// The `result` label of an outcome (Envoy's trio): "ok"; "rejected" when the caller was at fault
// (INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, UNAUTHENTICATED,
// PERMISSION_DENIED, RESOURCE_EXHAUSTED, OUT_OF_RANGE); "error" for everything else.
const char* ResultLabel(absl::StatusCode code);

// Latency buckets in seconds, 1 ms .. 10 s.
std::vector<double> DefaultLatencyBuckets();

class Registry {
 public:
  static Registry& Default();

  Counter& AddCounter(const std::string& name, const std::string& help,
                      std::vector<std::string> labels = {});
  Gauge& AddGauge(const std::string& name, const std::string& help,
                  std::vector<std::string> labels = {});
  Histogram& AddHistogram(const std::string& name, const std::string& help,
                          std::vector<std::string> labels = {},
                          std::vector<double> bounds = DefaultLatencyBuckets());

  // The whole registry in text exposition format; label values are escaped.
  std::string Render() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Counter>> counters_;
  std::map<std::string, std::unique_ptr<Gauge>> gauges_;
  std::map<std::string, std::unique_ptr<Histogram>> histograms_;
};

}  // namespace paymesh::metrics
