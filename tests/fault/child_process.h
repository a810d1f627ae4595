// A forked child process for the real-file fault tests: it can drop to an unprivileged user
// (so file modes stop its writes even when the tests run as root) and run under a file size
// limit (RLIMIT_FSIZE with SIGXFSZ ignored: a write past the limit fails with EFBIG, which
// SQLite reports as a full disk, instead of killing the process). The two sides talk in lines
// over two pipes; the child's body returns its exit code.
//
// Fork rules: the parent must hold no SQLite connection on a file the child opens (POSIX locks
// and SQLite's per-process lock table do not survive fork), and the child creates its own
// ZeroMQ context. The child never returns into GoogleTest: it leaves with _exit.
#pragma once

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <exception>
#include <functional>
#include <optional>
#include <string>

namespace saga::test {

// "nobody" on Debian: owns nothing the tests create.
constexpr uid_t kUnprivilegedId = 65534;

struct ChildLimits {
  bool unprivileged = false;              // as root: setgroups/setresgid/setresuid first
  std::optional<rlim_t> file_size_limit;  // the soft RLIMIT_FSIZE, in bytes
};

// One end of the two pipes: lines of text, each ended by '\n'.
class LineChannel {
 public:
  LineChannel() = default;
  LineChannel(int read_fd, int write_fd) : in_(read_fd), out_(write_fd) {}

  void send(const std::string& line) const {
    const std::string text = line + "\n";
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(out_, text.data() + done, text.size() - done);
      if (n <= 0) return;
      done += static_cast<std::size_t>(n);
    }
  }

  // The next line, or "<eof>" when the other side closed its end.
  std::string receive() const {
    std::string line;
    char c = 0;
    while (::read(in_, &c, 1) == 1) {
      if (c == '\n') return line;
      line += c;
    }
    return "<eof>";
  }

  void close() {
    if (in_ >= 0) ::close(in_);
    if (out_ >= 0) ::close(out_);
    in_ = out_ = -1;
  }

 private:
  int in_ = -1;
  int out_ = -1;
};

// Sets the limits of the calling process (the child): false when the system refused.
inline bool apply_limits(const ChildLimits& limits) {
  if (limits.file_size_limit) {
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit r{};
    if (::getrlimit(RLIMIT_FSIZE, &r) != 0) return false;
    r.rlim_cur = *limits.file_size_limit;
    if (::setrlimit(RLIMIT_FSIZE, &r) != 0) return false;
  }
  if (limits.unprivileged && ::geteuid() == 0) {
    if (::setgroups(0, nullptr) != 0) return false;
    if (::setresgid(kUnprivilegedId, kUnprivilegedId, kUnprivilegedId) != 0) return false;
    if (::setresuid(kUnprivilegedId, kUnprivilegedId, kUnprivilegedId) != 0) return false;
  }
  return true;
}

// Lifts the soft file size limit again (the "disk" has room).
inline bool lift_file_size_limit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_FSIZE, &r) != 0) return false;
  r.rlim_cur = r.rlim_max;
  return ::setrlimit(RLIMIT_FSIZE, &r) == 0;
}

// Exit codes the helper itself uses (a body uses others).
constexpr int kChildLimitsRefused = 90;
constexpr int kChildThrew = 91;

class ChildProcess {
 public:
  // Forks; the child applies `limits`, runs body(channel) and exits with what it returns.
  ChildProcess(const ChildLimits& limits, const std::function<int(LineChannel&)>& body) {
    int to_child[2];
    int to_parent[2];
    if (::pipe(to_child) != 0 || ::pipe(to_parent) != 0) return;
    std::fflush(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(to_child[1]);
      ::close(to_parent[0]);
      LineChannel channel(to_child[0], to_parent[1]);
      int code = kChildLimitsRefused;
      if (apply_limits(limits)) {
        try {
          code = body(channel);
        } catch (const std::exception& e) {
          channel.send(std::string("exception: ") + e.what());
          code = kChildThrew;
        }
      }
      std::fflush(nullptr);
      ::_exit(code);
    }
    ::close(to_child[0]);
    ::close(to_parent[1]);
    channel_ = LineChannel(to_parent[0], to_child[1]);
  }
  ~ChildProcess() {
    if (pid_ > 0 && !waited_) {
      ::kill(pid_, SIGKILL);
      (void)wait();
    }
    channel_.close();
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  LineChannel& channel() { return channel_; }

  // The child's exit code; -1 when it did not exit normally (a signal).
  int wait() {
    if (pid_ <= 0) return -1;
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    waited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  bool waited_ = false;
  LineChannel channel_;
};

// Runs `body` in a child with `limits` and waits: its exit code and the first line it sent.
struct ChildResult {
  int exit_code = -1;
  std::string line;
};
inline ChildResult run_in_child(const ChildLimits& limits,
                                const std::function<std::string()>& body) {
  ChildProcess child(limits, [&](LineChannel& channel) {
    channel.send(body());
    return 0;
  });
  ChildResult result;
  result.line = child.channel().receive();
  result.exit_code = child.wait();
  return result;
}

}  // namespace saga::test
