// What a benchmark asks of the machine it runs on: a free loopback port, the directory of its own
// binary (where coloniesd is built next to it), a process's RSS and thread count from
// /proc/<pid>/status, the load average, and a higher open-file limit. Linux only; no measuring.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace colonies::bench {

// A port that was free on 127.0.0.1 a moment ago (0 if none could be bound).
int free_port();

// The directory holding the running executable ("." if unknown).
std::string self_dir();

struct ProcStatus {
  std::int64_t rss_kb = 0;   // VmRSS
  std::int64_t hwm_kb = 0;   // VmHWM, the peak RSS
  int threads = 0;           // Threads
  int open_fds = 0;          // entries of /proc/<pid>/fd
};
// Zeroes when the process is gone.
ProcStatus proc_status(pid_t pid);

// The 1-minute load average, from /proc/loadavg (-1 if unreadable).
double load_average();

// Raises this process's soft RLIMIT_NOFILE to `wanted` (capped at the hard limit); children
// started afterwards inherit it. Returns the soft limit now in force.
std::int64_t raise_fd_limit(std::int64_t wanted);

}  // namespace colonies::bench
