#pragma once

// Command-line values for the benchmark drivers. Problems are collected, not thrown, so that a
// driver reports every one at once, like the services' configuration.

#include <cstdint>
#include <string>
#include <string_view>

#include "bench/common/cpu.h"

namespace paymesh::bench {

class FlagProblems {
 public:
  void Add(std::string problem) { list_ += (list_.empty() ? "" : "; ") + std::move(problem); }
  bool empty() const { return list_.empty(); }
  const std::string& text() const { return list_; }

 private:
  std::string list_;
};

// An integer in [min, max]; otherwise a problem naming the flag, and `min`.
int64_t IntegerFlag(std::string_view flag, std::string_view text, int64_t min, int64_t max,
                    FlagProblems& problems);
// A number in [0, 1]; otherwise a problem naming the flag, and 0.
double RatioFlag(std::string_view flag, std::string_view text, FlagProblems& problems);
// HOST:PORT.
void HostPortFlag(std::string_view flag, std::string_view text, std::string* host, int* port,
                  FlagProblems& problems);
// NAME=PID, for --cpu.
void WatchFlag(std::string_view flag, const std::string& text, std::vector<WatchedProcess>* out,
               FlagProblems& problems);

}  // namespace paymesh::bench
