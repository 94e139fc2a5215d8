#pragma once

// A child process for end-to-end tests: one of the project's binaries started with an explicit
// environment, its stdout and stderr appended to a log file that the test polls.
//
// Not thread-safe: one test thread owns a ChildProcess.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace paymesh::testing {

class ChildProcess {
 public:
  // Spawns `binary` with `args` (argv[1..]). The environment is PATH (inherited) plus `env`;
  // nothing else leaks in from the test's own environment. Output is appended to `log_path`,
  // which is created if needed. The child gets SIGKILL if the thread that started it exits, so
  // a crashed or timed-out test leaves nothing running: start children from the test's main
  // thread. Errors: the binary cannot be spawned or the log not opened.
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(
      const std::string& binary, const std::vector<std::string>& args,
      const std::map<std::string, std::string>& env, const std::string& log_path);

  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();  // Terminate()

  // Polls the log (only what this run wrote, not earlier runs appending to the same file) until
  // a line contains `substring`, and returns that line. DEADLINE_EXCEEDED after `timeout`,
  // FAILED_PRECONDITION as soon as the child has exited; both messages carry the log tail.
  absl::StatusOr<std::string> WaitForLogLine(std::string_view substring,
                                             std::chrono::milliseconds timeout);

  // SIGTERM, up to 10 s for the child to exit, then SIGKILL. No-op once it has exited.
  void Terminate();
  // SIGKILL at once and reap (a crash).
  void Kill();

  // True until the child has exited (reaps it without blocking).
  bool Running();
  // The exit status once the child has exited: its exit code, or 128 + signal number.
  std::optional<int> ExitCode();

  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }
  // The last `lines` lines this run wrote, for failure messages.
  std::string LogTail(size_t lines = 40) const;

 private:
  ChildProcess(pid_t pid, std::string log_path, uint64_t log_offset)
      : pid_(pid), log_path_(std::move(log_path)), log_offset_(log_offset) {}
  // Waits up to `timeout` for the child to exit; true if it has.
  bool WaitExit(std::chrono::milliseconds timeout);
  std::string ReadLog() const;

  pid_t pid_;
  std::string log_path_;
  uint64_t log_offset_;  // size of the log file when this run started
  std::optional<int> exit_code_;
};

// The integer value of the top-level field `name` in a JSON-object log line, or nullopt when the
// line is not a JSON object or the field is missing or not an integer.
std::optional<int64_t> IntField(std::string_view json_line, std::string_view name);

}  // namespace paymesh::testing
