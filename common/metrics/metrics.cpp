#include "common/metrics/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <stdexcept>
#include <utility>

namespace paymesh::metrics {
namespace {

// Prometheus float syntax: shortest round-trip decimal, and +Inf/-Inf/NaN spelled its way.
std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, end);
}

std::string EscapeLabelValue(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string EscapeHelp(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// `{a="x",b="y"}` plus an optional extra pair (the histogram's `le`); "" when there are none.
std::string LabelSet(const std::vector<std::string>& names, const std::vector<std::string>& values,
                     const char* extra_name = nullptr, const std::string& extra_value = "") {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    out += out.empty() ? "{" : ",";
    out += names[i] + "=\"" + EscapeLabelValue(values[i]) + "\"";
  }
  if (extra_name != nullptr) {
    out += out.empty() ? "{" : ",";
    out += std::string(extra_name) + "=\"" + EscapeLabelValue(extra_value) + "\"";
  }
  if (!out.empty()) out += "}";
  return out;
}

void RenderHeader(std::string& out, const std::string& name, const std::string& help,
                  const char* type) {
  out += "# HELP " + name + " " + EscapeHelp(help) + "\n";
  out += "# TYPE " + name + " " + type + "\n";
}

void CheckArity(const std::string& name, const std::vector<std::string>& labels,
                const std::vector<std::string>& values) {
  if (labels.size() != values.size()) {
    throw std::invalid_argument("metric " + name + " takes " + std::to_string(labels.size()) +
                                " label values, got " + std::to_string(values.size()));
  }
}

// A metric without labels shows a zero sample before its first update, as Prometheus clients do.
template <typename Map>
Map WithDefaultSeries(const Map& series, const std::vector<std::string>& labels,
                      typename Map::mapped_type empty) {
  Map out = series;
  if (labels.empty() && out.empty()) out.emplace(std::vector<std::string>{}, std::move(empty));
  return out;
}

}  // namespace

std::vector<double> DefaultLatencyBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

// ---- Counter ---------------------------------------------------------------------------------

Counter::Counter(std::string name, std::string help, std::vector<std::string> labels)
    : name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)) {}

void Counter::Inc(const std::vector<std::string>& label_values, double by) {
  CheckArity(name_, labels_, label_values);
  if (!(by >= 0)) throw std::invalid_argument("counter " + name_ + " can only go up");
  std::lock_guard<std::mutex> lock(mu_);
  values_[label_values] += by;
}

double Counter::Value(const std::vector<std::string>& label_values) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = values_.find(label_values);
  return it == values_.end() ? 0 : it->second;
}

void Counter::Render(std::string& out) const {
  RenderHeader(out, name_, help_, "counter");
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [values, v] : WithDefaultSeries(values_, labels_, 0.0)) {
    out += name_ + LabelSet(labels_, values) + " " + FormatValue(v) + "\n";
  }
}

// ---- Gauge -----------------------------------------------------------------------------------

Gauge::Gauge(std::string name, std::string help, std::vector<std::string> labels)
    : name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)) {}

void Gauge::Set(double v, const std::vector<std::string>& label_values) {
  CheckArity(name_, labels_, label_values);
  std::lock_guard<std::mutex> lock(mu_);
  values_[label_values] = v;
}

void Gauge::Add(double v, const std::vector<std::string>& label_values) {
  CheckArity(name_, labels_, label_values);
  std::lock_guard<std::mutex> lock(mu_);
  values_[label_values] += v;
}

double Gauge::Value(const std::vector<std::string>& label_values) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = values_.find(label_values);
  return it == values_.end() ? 0 : it->second;
}

void Gauge::Render(std::string& out) const {
  RenderHeader(out, name_, help_, "gauge");
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [values, v] : WithDefaultSeries(values_, labels_, 0.0)) {
    out += name_ + LabelSet(labels_, values) + " " + FormatValue(v) + "\n";
  }
}

// ---- Histogram -------------------------------------------------------------------------------

Histogram::Histogram(std::string name, std::string help, std::vector<std::string> labels,
                     std::vector<double> bounds)
    : name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)) {
  // +Inf is implicit; the rest must be sorted and distinct for cumulative counts to make sense.
  std::erase_if(bounds, [](double b) { return std::isnan(b) || std::isinf(b); });
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
  bounds_ = std::move(bounds);
}

void Histogram::Observe(double v, const std::vector<std::string>& label_values) {
  CheckArity(name_, labels_, label_values);
  std::lock_guard<std::mutex> lock(mu_);
  Series& s = series_[label_values];
  if (s.buckets.empty()) s.buckets.assign(bounds_.size(), 0);
  // Buckets are stored per interval and summed when rendered; le means "<=".
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  if (it != bounds_.end()) ++s.buckets[static_cast<size_t>(it - bounds_.begin())];
  ++s.count;
  s.sum += v;
}

uint64_t Histogram::Count(const std::vector<std::string>& label_values) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = series_.find(label_values);
  return it == series_.end() ? 0 : it->second.count;
}

void Histogram::Render(std::string& out) const {
  RenderHeader(out, name_, help_, "histogram");
  std::lock_guard<std::mutex> lock(mu_);
  Series empty;
  empty.buckets.assign(bounds_.size(), 0);
  for (const auto& [values, s] : WithDefaultSeries(series_, labels_, empty)) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i < bounds_.size(); ++i) {
      cumulative += s.buckets[i];
      out += name_ + "_bucket" + LabelSet(labels_, values, "le", FormatValue(bounds_[i])) + " " +
             std::to_string(cumulative) + "\n";
    }
    out += name_ + "_bucket" + LabelSet(labels_, values, "le", "+Inf") + " " +
           std::to_string(s.count) + "\n";
    out += name_ + "_sum" + LabelSet(labels_, values) + " " + FormatValue(s.sum) + "\n";
    out += name_ + "_count" + LabelSet(labels_, values) + " " + std::to_string(s.count) + "\n";
  }
}

// ---- Registry --------------------------------------------------------------------------------

Registry& Registry::Default() {
  static Registry* registry = new Registry();  // never destroyed: used until exit
  return *registry;
}

namespace {

template <typename A, typename B>
void CheckUnusedBy(const std::string& name, const A& a, const B& b) {
  if (a.count(name) > 0 || b.count(name) > 0) {
    throw std::invalid_argument("metric " + name + " is already registered with another type");
  }
}

}  // namespace

Counter& Registry::AddCounter(const std::string& name, const std::string& help,
                              std::vector<std::string> labels) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = counters_.find(name);
  if (it != counters_.end()) return *it->second;
  CheckUnusedBy(name, gauges_, histograms_);
  auto& slot = counters_[name];
  slot.reset(new Counter(name, help, std::move(labels)));
  return *slot;
}

Gauge& Registry::AddGauge(const std::string& name, const std::string& help,
                          std::vector<std::string> labels) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = gauges_.find(name);
  if (it != gauges_.end()) return *it->second;
  CheckUnusedBy(name, counters_, histograms_);
  auto& slot = gauges_[name];
  slot.reset(new Gauge(name, help, std::move(labels)));
  return *slot;
}

Histogram& Registry::AddHistogram(const std::string& name, const std::string& help,
                                  std::vector<std::string> labels, std::vector<double> bounds) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = histograms_.find(name);
  if (it != histograms_.end()) return *it->second;
  CheckUnusedBy(name, counters_, gauges_);
  auto& slot = histograms_[name];
  slot.reset(new Histogram(name, help, std::move(labels), std::move(bounds)));
  return *slot;
}

std::string Registry::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  // One listing sorted by name, whatever the type.
  std::map<std::string, std::function<void(std::string&)>> renderers;
  for (const auto& [name, m] : counters_) renderers[name] = [&m](std::string& o) { m->Render(o); };
  for (const auto& [name, m] : gauges_) renderers[name] = [&m](std::string& o) { m->Render(o); };
  for (const auto& [name, m] : histograms_) {
    renderers[name] = [&m](std::string& o) { m->Render(o); };
  }
  std::string out;
  for (const auto& [name, render] : renderers) render(out);
  return out;
}

}  // namespace paymesh::metrics

namespace paymesh::metrics {

const char* ResultLabel(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return "ok";
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kOutOfRange:
      return "rejected";
    default:
      return "error";
  }
}

}  // namespace paymesh::metrics
