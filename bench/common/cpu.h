#pragma once

// CPU time of the processes under test, read from /proc around a measured phase: a process's
// user + system time, its children's included (PostgreSQL's backends are the postmaster's
// children), and the machine's busy time.

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace paymesh::bench {

struct WatchedProcess {
  std::string name;  // as printed
  int pid = 0;
};

// "name=pid"; false when malformed.
bool ParseWatch(const std::string& text, WatchedProcess* out);

struct CpuSample {
  std::map<std::string, double> seconds;  // by name: the process and its children
  double machine_busy_seconds = 0;        // every core, everything
};

CpuSample SampleCpu(const std::vector<WatchedProcess>& processes);

// CPU milliseconds per unit of work (e.g. per notification) between two samples, one line per
// process, then the machine's, aligned.
void PrintCpuPerUnit(std::ostream& out, const CpuSample& before, const CpuSample& after,
                     double units, const std::string& unit_name);

}  // namespace paymesh::bench
