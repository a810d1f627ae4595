// Runs sagactl as a real process (SAGACTL_PATH) and collects its exit code and output; shared
// by the sagactl and on-call tests.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace saga::testing {

struct SagactlOutput {
  int code = -1;
  std::string out;
  std::string err;
};

inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

inline std::string slurp_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// sagactl [--db `db`] `args`, its stdout and stderr kept in `out_file` and `err_file`.
inline SagactlOutput run_sagactl(const std::string& db, const std::vector<std::string>& args,
                                 const std::string& out_file, const std::string& err_file) {
  std::string command = shell_quote(SAGACTL_PATH);
  if (!db.empty()) command += " --db " + shell_quote(db);
  for (const std::string& a : args) command += " " + shell_quote(a);
  command += " >" + shell_quote(out_file) + " 2>" + shell_quote(err_file);
  const int status = std::system(command.c_str());
  SagactlOutput r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp_file(out_file);
  r.err = slurp_file(err_file);
  return r;
}

}  // namespace saga::testing
