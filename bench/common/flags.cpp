#include "bench/common/flags.h"

#include <charconv>

namespace paymesh::bench {

int64_t IntegerFlag(std::string_view flag, std::string_view text, int64_t min, int64_t max,
                    FlagProblems& problems) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    problems.Add(std::string(flag) + " must be an integer in [" + std::to_string(min) + ", " +
                 std::to_string(max) + "], got \"" + std::string(text) + "\"");
    return min;
  }
  return value;
}

double RatioFlag(std::string_view flag, std::string_view text, FlagProblems& problems) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !(value >= 0 && value <= 1)) {
    problems.Add(std::string(flag) + " must be a number in [0, 1], got \"" + std::string(text) +
                 "\"");
    return 0;
  }
  return value;
}

void HostPortFlag(std::string_view flag, std::string_view text, std::string* host, int* port,
                  FlagProblems& problems) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    problems.Add(std::string(flag) + " must be HOST:PORT, got \"" + std::string(text) + "\"");
    return;
  }
  *host = std::string(text.substr(0, colon));
  *port = static_cast<int>(
      IntegerFlag(std::string(flag) + " port", text.substr(colon + 1), 1, 65535, problems));
}

void WatchFlag(std::string_view flag, const std::string& text, std::vector<WatchedProcess>* out,
               FlagProblems& problems) {
  WatchedProcess watched;
  if (ParseWatch(text, &watched)) {
    out->push_back(std::move(watched));
  } else {
    problems.Add(std::string(flag) + " must be NAME=PID, got \"" + text + "\"");
  }
}

}  // namespace paymesh::bench
