#include "bench/common/cpu.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace paymesh::bench {
namespace {

struct ProcStat {
  int ppid = 0;
  uint64_t ticks = 0;  // utime + stime
};

// Fields 4 (ppid), 14 (utime) and 15 (stime) of /proc/PID/stat; the command name (field 2) may
// hold spaces, so parsing starts after its closing parenthesis.
bool ReadStat(int pid, ProcStat* out) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return false;
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  uint64_t utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 4) out->ppid = std::stoi(field);
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  out->ticks = utime + stime;
  return true;
}

std::map<int, ProcStat> AllProcesses() {
  std::map<int, ProcStat> all;
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return all;
  while (dirent* e = readdir(dir)) {
    const int pid = std::atoi(e->d_name);
    ProcStat s;
    if (pid > 0 && ReadStat(pid, &s)) all[pid] = s;
  }
  closedir(dir);
  return all;
}

double MachineBusySeconds() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  return static_cast<double>(user + nice + system + irq + softirq + steal) /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace

bool ParseWatch(const std::string& text, WatchedProcess* out) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  char* end = nullptr;
  const long pid = std::strtol(text.c_str() + eq + 1, &end, 10);
  if (end == nullptr || *end != '\0' || pid <= 0) return false;
  *out = WatchedProcess{text.substr(0, eq), static_cast<int>(pid)};
  return true;
}

CpuSample SampleCpu(const std::vector<WatchedProcess>& processes) {
  const std::map<int, ProcStat> all = AllProcesses();
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  CpuSample sample;
  for (const WatchedProcess& p : processes) {
    uint64_t ticks = 0;
    for (const auto& [pid, stat] : all) {
      if (pid == p.pid || stat.ppid == p.pid) ticks += stat.ticks;
    }
    sample.seconds[p.name] += static_cast<double>(ticks) / tick;
  }
  sample.machine_busy_seconds = MachineBusySeconds();
  return sample;
}

void PrintCpuPerUnit(std::ostream& out, const CpuSample& before, const CpuSample& after,
                     double units, const std::string& unit_name) {
  if (units <= 0) return;
  char line[160];
  for (const auto& [name, seconds] : after.seconds) {
    const auto it = before.seconds.find(name);
    const double used = seconds - (it == before.seconds.end() ? 0 : it->second);
    std::snprintf(line, sizeof(line), "cpu          %-16s %7.3f ms per %s (%.2f s)\n", name.c_str(),
                  used * 1000 / units, unit_name.c_str(), used);
    out << line;
  }
  const double busy = after.machine_busy_seconds - before.machine_busy_seconds;
  std::snprintf(line, sizeof(line), "cpu          %-16s %7.3f ms per %s (%.2f s)\n", "machine",
                busy * 1000 / units, unit_name.c_str(), busy);
  out << line;
}

}  // namespace paymesh::bench
