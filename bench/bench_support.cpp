// See bench_support.h.
#include "bench_support.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace bench {
namespace {

double cpu_seconds(const rusage& r) {
  return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
         static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

}  // namespace

double self_cpu_seconds() {
  rusage r{};
  getrusage(RUSAGE_SELF, &r);
  return cpu_seconds(r);
}

namespace {

// utime + stime from a /proc/.../stat file (fields 14 and 15, in clock ticks).
double stat_cpu_seconds(const std::string& path) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string skip;
  for (int i = 3; i < 14; ++i) fields >> skip;  // state .. cmajflt
  double utime = 0;
  double stime = 0;
  fields >> utime >> stime;
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace

double child_cpu_seconds(pid_t pid) {
  return stat_cpu_seconds("/proc/" + std::to_string(pid) + "/stat");
}

double thread_cpu_seconds(const std::string& name) {
  double total = 0;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    std::ifstream comm(task.path() / "comm");
    std::string line;
    if (std::getline(comm, line) && line == name) {
      total += stat_cpu_seconds((task.path() / "stat").string());
    }
  }
  return total;
}

KernelCounters& KernelCounters::operator+=(const KernelCounters& o) {
  voluntary_switches += o.voluntary_switches;
  involuntary_switches += o.involuntary_switches;
  read_calls += o.read_calls;
  write_calls += o.write_calls;
  written_bytes += o.written_bytes;
  return *this;
}

KernelCounters KernelCounters::operator-(const KernelCounters& o) const {
  KernelCounters d = *this;
  d.voluntary_switches -= o.voluntary_switches;
  d.involuntary_switches -= o.involuntary_switches;
  d.read_calls -= o.read_calls;
  d.write_calls -= o.write_calls;
  d.written_bytes -= o.written_bytes;
  return d;
}

namespace {

// The value of "<key>:" or "<key> " lines in a /proc file, summed into `value`.
void add_field(const std::string& path, const std::string& key, double& value) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > key.size() && line.compare(0, key.size(), key) == 0 &&
        line[key.size()] == ':') {
      value += std::stod(line.substr(key.size() + 1));
      return;
    }
  }
}

}  // namespace

KernelCounters kernel_counters(pid_t pid) {
  const std::string proc = "/proc/" + (pid == 0 ? std::string("self") : std::to_string(pid));
  KernelCounters c;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator(proc + "/task", ec)) {
    const std::string status = task.path().string() + "/status";
    add_field(status, "voluntary_ctxt_switches", c.voluntary_switches);
    add_field(status, "nonvoluntary_ctxt_switches", c.involuntary_switches);
  }
  add_field(proc + "/io", "syscr", c.read_calls);
  add_field(proc + "/io", "syscw", c.write_calls);
  add_field(proc + "/io", "wchar", c.written_bytes);
  return c;
}

// VmRSS or VmHWM of this process, in KiB (/proc/self/status).
long status_kib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(field) + ":";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) return std::stol(line.substr(prefix.size()));
  }
  return 0;
}

std::vector<std::size_t> parse_list(const std::string& text) {
  std::vector<std::size_t> values;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) values.push_back(std::stoul(item));
  return values;
}

}  // namespace bench
