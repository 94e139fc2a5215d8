#include "tests/support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace paymesh::testing {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(10);

uint64_t FileSize(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  return in ? static_cast<uint64_t>(in.tellg()) : 0;
}

std::vector<std::string> EnvironmentFor(const std::map<std::string, std::string>& env) {
  std::vector<std::string> out;
  if (const char* path = std::getenv("PATH"); path != nullptr && env.count("PATH") == 0) {
    out.push_back(absl::StrCat("PATH=", path));
  }
  for (const auto& [k, v] : env) out.push_back(absl::StrCat(k, "=", v));
  return out;
}

std::vector<char*> CPointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Start(
    const std::string& binary, const std::vector<std::string>& args,
    const std::map<std::string, std::string>& env, const std::string& log_path) {
  if (access(binary.c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot execute ", binary, ": ", std::strerror(errno)));
  }
  int log_fd = open(log_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    return absl::InternalError(absl::StrCat("open ", log_path, ": ", std::strerror(errno)));
  }
  const uint64_t offset = FileSize(log_path);

  // Everything the child needs is prepared before fork(): between fork() and execve() only
  // async-signal-safe calls are allowed in a multithreaded parent.
  std::vector<std::string> argv_strings = {binary};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<std::string> env_strings = EnvironmentFor(env);
  std::vector<char*> argv = CPointers(argv_strings);
  std::vector<char*> envp = CPointers(env_strings);
  const pid_t parent = getpid();

  // fork + execve rather than posix_spawn: only the child itself can ask for a parent-death
  // signal, which keeps a crashed or timed-out test from leaving services running behind it.
  const pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execve(binary.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  close(log_fd);
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid, log_path, offset));
}

ChildProcess::~ChildProcess() { Terminate(); }

std::string ChildProcess::ReadLog() const {
  std::ifstream in(log_path_, std::ios::binary);
  if (!in) return "";
  in.seekg(static_cast<std::streamoff>(log_offset_));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string ChildProcess::LogTail(size_t lines) const {
  const std::string log = ReadLog();
  // Walk back over `lines` newlines, ignoring the one that ends the file.
  size_t start = log.size();
  if (start > 0 && log[start - 1] == '\n') --start;
  for (size_t n = 0; n < lines && start > 0; ++n) {
    size_t nl = log.rfind('\n', start - 1);
    start = nl == std::string::npos ? 0 : nl;
  }
  if (start > 0) ++start;  // skip the newline that ends the previous line
  std::string tail = log.substr(start);
  if (!tail.empty() && tail.back() != '\n') tail += '\n';
  return absl::StrCat("--- last lines of ", log_path_, " ---\n", tail, "---");
}

absl::StatusOr<std::string> ChildProcess::WaitForLogLine(std::string_view substring,
                                                         std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    // Checked before reading, so that a line written just before exiting is still found.
    const bool running = Running();
    const std::string log = ReadLog();
    size_t begin = 0;
    for (size_t end = log.find('\n'); end != std::string::npos;
         begin = end + 1, end = log.find('\n', begin)) {
      std::string_view line(log.data() + begin, end - begin);
      if (line.find(substring) != std::string_view::npos) return std::string(line);
    }
    if (!running) {
      return absl::FailedPreconditionError(
          absl::StrCat(log_path_, ": the process exited with status ", exit_code_.value_or(-1),
                       " before logging a line with '", std::string(substring), "'\n", LogTail()));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat(log_path_, ": no line with '",
                                                      std::string(substring), "' within ",
                                                      timeout.count(), " ms\n", LogTail()));
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

bool ChildProcess::Running() {
  if (exit_code_.has_value()) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  if (r == pid_) {
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  } else {
    exit_code_ = -1;  // not our child any more (ECHILD): nothing left to wait for
  }
  return false;
}

std::optional<int> ChildProcess::ExitCode() {
  Running();
  return exit_code_;
}

bool ChildProcess::WaitExit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (Running()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(kPollInterval);
  }
  return true;
}

void ChildProcess::Terminate() {
  if (!Running()) return;
  kill(pid_, SIGTERM);
  if (WaitExit(std::chrono::seconds(10))) return;
  Kill();
}

void ChildProcess::Kill() {
  if (!Running()) return;
  kill(pid_, SIGKILL);
  WaitExit(std::chrono::seconds(10));
}

std::optional<int64_t> IntField(std::string_view json_line, std::string_view name) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json_line, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const boost::json::value* field = v.as_object().if_contains(name);
  if (field == nullptr) return std::nullopt;
  if (field->is_int64()) return field->as_int64();
  if (field->is_uint64() && field->as_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(field->as_uint64());
  }
  return std::nullopt;
}

}  // namespace paymesh::testing
