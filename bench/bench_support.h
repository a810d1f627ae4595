// What the benchmarks share: CPU seconds (getrusage, /proc/<pid>/stat), the memory of this
// process (/proc/self/status) and the parsing of a list option.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <vector>

namespace bench {

// utime + stime of this process, in seconds.
double self_cpu_seconds();
// utime + stime of a live child, in seconds.
double child_cpu_seconds(pid_t pid);
// What a process's threads did in the kernel's view, summed over its live threads: the
// hand-offs between threads (a voluntary context switch is a thread that blocked: a wait for a
// message, a lock, a condition or an fsync) and its read- and write-class system calls
// (/proc/<pid>/io syscr and syscw: file reads and writes, eventfd wake-ups; not socket sendmsg).
struct KernelCounters {
  double voluntary_switches = 0;
  double involuntary_switches = 0;
  double read_calls = 0;
  double write_calls = 0;
  double written_bytes = 0;  // wchar: bytes handed to write-class calls (WAL, database files)
  KernelCounters& operator+=(const KernelCounters& o);
  KernelCounters operator-(const KernelCounters& o) const;
};
// Of this process (pid 0) or of a live child; zeros where /proc does not tell.
KernelCounters kernel_counters(pid_t pid = 0);
// utime + stime of this process's live threads named `name` (/proc/self/task/*/comm; the
// engine's thread is "saga-engine"), in seconds.
double thread_cpu_seconds(const std::string& name);
// VmRSS or VmHWM of this process, in KiB; 0 if unknown.
long status_kib(const char* field);
// "1,16,256": the numbers of a comma-separated list (std::stoul throws on anything else).
std::vector<std::size_t> parse_list(const std::string& text);

}  // namespace bench
