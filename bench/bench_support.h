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
// VmRSS or VmHWM of this process, in KiB; 0 if unknown.
long status_kib(const char* field);
// "1,16,256": the numbers of a comma-separated list (std::stoul throws on anything else).
std::vector<std::size_t> parse_list(const std::string& text);

}  // namespace bench
