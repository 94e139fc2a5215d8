#include "common/log/log.h"

#include <unistd.h>

#include <atomic>
#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>
#include <boost/json/value.hpp>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "common/time/rfc3339.h"

namespace paymesh::log {
namespace {

std::atomic<int> g_min_level{static_cast<int>(Level::kInfo)};
std::mutex g_service_mu;
std::string g_service;  // guarded by g_service_mu

thread_local std::string t_request_id;

const char* LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;  // overlong
    if (c == 0xED) hi = 0x9F;  // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;  // overlong
    if (c == 0xF4) hi = 0x8F;  // > U+10FFFF
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return len;
}

// Log input may carry arbitrary bytes; invalid UTF-8 would make the whole line invalid JSON,
// so such bytes become U+FFFD.
std::string ValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const size_t len = Utf8SequenceLength(s, i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  return out;
}

void AppendString(std::string& out, std::string_view s) {
  const std::string valid = ValidUtf8(s);
  out += boost::json::serialize(boost::json::string_view(valid.data(), valid.size()));
}

void AppendKey(std::string& out, std::string_view key) {
  out += ',';
  AppendString(out, key);
  out += ':';
}

void AppendValue(std::string& out, const Field& field) {
  if (const auto* s = std::get_if<std::string>(&field.value)) {
    AppendString(out, *s);
  } else if (const auto* i = std::get_if<int64_t>(&field.value)) {
    out += std::to_string(*i);
  } else if (const auto* d = std::get_if<double>(&field.value)) {
    // JSON has no NaN or infinity.
    out += std::isfinite(*d) ? boost::json::serialize(boost::json::value(*d)) : "null";
  } else if (const auto* b = std::get_if<bool>(&field.value)) {
    out += *b ? "true" : "false";
  }
}

void WriteAll(int fd, const std::string& line) {
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere left to report a failing stdout
    }
    done += static_cast<size_t>(n);
  }
}

std::string FormatAt(std::chrono::system_clock::time_point ts, Level level, std::string_view msg,
                     std::span<const Field> fields) {
  std::string service;
  {
    std::lock_guard<std::mutex> lock(g_service_mu);
    service = g_service;
  }
  std::string out = "{\"ts\":\"" + time::FormatUtc(ts, time::Precision::kMilliseconds) +
                    "\",\"level\":\"" + LevelName(level) + '"';
  AppendKey(out, "service");
  AppendString(out, service);
  AppendKey(out, "msg");
  AppendString(out, msg);
  if (!t_request_id.empty()) {
    AppendKey(out, "request_id");
    AppendString(out, t_request_id);
  }
  for (const Field& field : fields) {
    AppendKey(out, field.key);
    AppendValue(out, field);
  }
  out += '}';
  return out;
}

// Callers format their line and hand it over; one writer thread writes whatever has gathered
// with one write(2), so no caller (an I/O thread included) ever waits on stdout or on another
// caller's write. What is pending is bounded: past the cap lines are dropped, counted, and the
// count is written once the writer catches up. Pending lines are written at exit.
class Writer {
 public:
  static Writer& Get() {
    static Writer* writer = [] {
      auto* w = new Writer();  // never destroyed: logging stays valid during static destruction
      std::atexit([] { Get().Stop(); });
      return w;
    }();
    return *writer;
  }

  // Waits until every line handed over so far is written.
  void Flush() {
    std::unique_lock<std::mutex> lock(mu_);
    idle_cv_.wait(lock, [this] { return stopped_ || (pending_.empty() && !writing_); });
  }

  void Push(std::string line) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!stopped_) {
        if (pending_.size() + line.size() > kMaxPendingBytes) {
          ++dropped_;
          return;
        }
        const bool wake = pending_.empty();
        pending_ += line;
        if (wake) cv_.notify_one();
        return;
      }
    }
    WriteAll(STDOUT_FILENO, line);  // after exit began: write it ourselves
  }

 private:
  static constexpr size_t kMaxPendingBytes = 8 << 20;

  Writer() : thread_([this] { Run(); }) {}

  void Run() {
    std::string batch;
    while (true) {
      size_t dropped = 0;
      bool stop = false;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stop_requested_ || !pending_.empty(); });
        batch.swap(pending_);
        dropped = std::exchange(dropped_, 0);
        stop = stop_requested_ && pending_.empty();
        writing_ = true;
      }
      if (dropped > 0) {
        const Field count("count", static_cast<int64_t>(dropped));
        batch += FormatAt(std::chrono::system_clock::now(), Level::kWarn, "log lines dropped",
                          std::span<const Field>(&count, 1)) +
                 "\n";
      }
      WriteAll(STDOUT_FILENO, batch);
      batch.clear();
      {
        std::lock_guard<std::mutex> lock(mu_);
        writing_ = false;
      }
      idle_cv_.notify_all();
      if (stop) return;
    }
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_requested_) return;
      stop_requested_ = true;
    }
    cv_.notify_one();
    thread_.join();
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopped_ = true;
    }
    idle_cv_.notify_all();
  }

  std::mutex mu_;
  std::condition_variable cv_;       // the writer waits for lines
  std::condition_variable idle_cv_;  // Flush waits for the writer
  std::string pending_;              // guarded by mu_
  bool writing_ = false;             // guarded by mu_
  size_t dropped_ = 0;               // guarded by mu_
  bool stop_requested_ = false;      // guarded by mu_
  bool stopped_ = false;             // guarded by mu_
  std::thread thread_;
};

}  // namespace

bool ParseLevel(std::string_view text, Level* out) {
  static constexpr std::pair<std::string_view, Level> kLevels[] = {{"debug", Level::kDebug},
                                                                   {"info", Level::kInfo},
                                                                   {"warn", Level::kWarn},
                                                                   {"error", Level::kError}};
  for (const auto& [name, level] : kLevels) {
    if (text == name) {
      *out = level;
      return true;
    }
  }
  return false;
}

void Init(std::string service, Level min_level) {
  {
    std::lock_guard<std::mutex> lock(g_service_mu);
    g_service = std::move(service);
  }
  g_min_level.store(static_cast<int>(min_level));
}

std::string FormatLineAt(std::chrono::system_clock::time_point ts, Level level,
                         std::string_view msg, std::initializer_list<Field> fields) {
  return FormatAt(ts, level, msg, std::span<const Field>(fields.begin(), fields.size()));
}

std::string FormatLine(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  return FormatLineAt(std::chrono::system_clock::now(), level, msg, fields);
}

void Write(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  Write(level, msg, std::span<const Field>(fields.begin(), fields.size()));
}

void Write(Level level, std::string_view msg, std::span<const Field> fields) {
  if (static_cast<int>(level) < g_min_level.load(std::memory_order_relaxed)) return;
  std::string line = FormatAt(std::chrono::system_clock::now(), level, msg, fields);
  line += '\n';
  Writer::Get().Push(std::move(line));
}

void Flush() { Writer::Get().Flush(); }

RequestScope::RequestScope(std::string request_id) : previous_(std::move(t_request_id)) {
  t_request_id = std::move(request_id);
}

RequestScope::~RequestScope() { t_request_id = std::move(previous_); }

const std::string& CurrentRequestId() { return t_request_id; }

std::string MaskOpenid(std::string_view openid) {
  constexpr size_t kKeep = 3;
  if (openid.size() <= 2 * kKeep) return std::string(openid.size(), '*');
  return std::string(openid.substr(0, kKeep)) + "***" +
         std::string(openid.substr(openid.size() - kKeep));
}

std::string MaskMobile(std::string_view mobile) {
  constexpr size_t kHead = 3, kTail = 4;
  if (mobile.size() < kHead + kTail + 1) return std::string(mobile.size(), '*');
  return std::string(mobile.substr(0, kHead)) + "****" +
         std::string(mobile.substr(mobile.size() - kTail));
}

}  // namespace paymesh::log
