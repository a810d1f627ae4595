// What the benchmarks read about processes: CPU seconds (getrusage, /proc/<pid>/stat) and the
// memory of this one (/proc/self/status).
#pragma once

#include <sys/types.h>

namespace bench {

// utime + stime of this process, in seconds.
double self_cpu_seconds();
// utime + stime of a live child, in seconds.
double child_cpu_seconds(pid_t pid);
// VmRSS or VmHWM of this process, in KiB; 0 if unknown.
long status_kib(const char* field);

}  // namespace bench
