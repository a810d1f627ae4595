#include "service_host.h"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>

#include "accounting_service.h"
#include "consumer_service.h"
#include "kitchen_service.h"
#include "ticket_acceptance_desk.h"

namespace ftgo {

std::string_view to_string(ServiceKind kind) {
  switch (kind) {
    case ServiceKind::kConsumer:
      return "consumer";
    case ServiceKind::kKitchen:
      return "kitchen";
    case ServiceKind::kAccounting:
      return "accounting";
  }
  return "?";
}

std::optional<ServiceKind> parse_service_kind(std::string_view name) {
  for (ServiceKind kind : kParticipantServices) {
    if (to_string(kind) == name) return kind;
  }
  return std::nullopt;
}

saga::Result<std::unique_ptr<saga::Participant>> open_service(ServiceKind kind,
                                                              const ServiceOptions& options) {
  switch (kind) {
    case ServiceKind::kConsumer:
      return open_consumer_service(options);
    case ServiceKind::kKitchen:
      return open_kitchen_service(options);
    case ServiceKind::kAccounting:
      return open_accounting_service(options);
  }
  return saga::invalid_argument("unknown service");
}

std::string ServiceThreads::run(std::unique_ptr<saga::Participant> participant) {
  saga::Participant* p = participant.get();
  participants_.push_back(std::move(participant));
  threads_.emplace_back([p] { p->run(); });
  return p->endpoint();
}

std::string ServiceThreads::run(ServiceKind kind, std::unique_ptr<saga::Participant> participant,
                                const ServiceOptions& options) {
  if (kind == ServiceKind::kKitchen) {
    if (std::unique_ptr<AcceptanceDesk> desk = AcceptanceDesk::start(options)) {
      desks_.push_back(std::move(desk));
    }
  }
  return run(std::move(participant));
}

void ServiceThreads::stop() {
  for (auto& d : desks_) d->stop();
  desks_.clear();
  for (auto& p : participants_) p->stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  participants_.clear();
}

namespace {
std::atomic<saga::Participant*> g_service{nullptr};
extern "C" void on_stop_signal(int) {
  if (saga::Participant* p = g_service.load()) p->stop();  // stop() only sets a flag
}
}  // namespace

int run_service_process(ServiceKind kind, ServiceOptions options) {
  if (options.endpoint.size() > 2 && options.endpoint.ends_with(":0")) {
    options.endpoint.replace(options.endpoint.size() - 1, 1, "*");
  }
  auto service = open_service(kind, options);
  if (!service) {
    std::fprintf(stderr, "%s: %s\n", std::string(to_string(kind)).c_str(),
                 service.status().to_string().c_str());
    return 1;
  }
  // The Kitchen's restaurant, when it sends TicketAccepted events (ticket_acceptance_desk.h).
  std::unique_ptr<AcceptanceDesk> desk =
      kind == ServiceKind::kKitchen ? AcceptanceDesk::start(options) : nullptr;
  g_service = service.value().get();
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  std::printf("READY %s\n", service.value()->endpoint().c_str());
  std::fflush(stdout);
  service.value()->run();
  g_service = nullptr;
  return 0;
}

saga::Result<ChildProcess> spawn_service(const std::string& program,
                                         const std::vector<std::string>& args,
                                         saga::Millis ready_timeout) {
  int fds[2];
  if (pipe(fds) != 0) return saga::unavailable(std::string("pipe: ") + std::strerror(errno));
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return saga::unavailable(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    execv(program.c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);
  ChildProcess child;
  child.pid = pid;
  std::string line;
  char c = 0;
  pollfd pfd{fds[0], POLLIN, 0};
  // One byte at a time: the child prints nothing else on stdout, and the line is short.
  while (line.size() < 512 && poll(&pfd, 1, static_cast<int>(ready_timeout.count())) > 0 &&
         read(fds[0], &c, 1) == 1 && c != '\n') {
    line += c;
  }
  close(fds[0]);
  if (!line.starts_with("READY ")) {
    stop_child(child, SIGKILL);
    return saga::unavailable("service " + args.front() + " did not start ('" + line + "')");
  }
  child.endpoint = line.substr(6);
  return child;
}

int stop_child(const ChildProcess& child, int signal) {
  int status = 0;
  if (child.pid <= 0) return status;
  kill(child.pid, signal);
  while (waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// The value of "--service" in a child's arguments.
std::string ServiceSupervisor::service_name(const std::vector<std::string>& args) {
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--service") return args[i + 1];
  }
  return "service";
}

saga::Result<std::string> ServiceSupervisor::spawn(std::vector<std::string> args,
                                                   std::string program) {
  if (program.empty()) program = program_;
  auto child = spawn_service(program, args);
  if (!child) return child.status();
  // From now on the child binds the endpoint it got, so a restart lands on the same one.
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--bind") args[i + 1] = child.value().endpoint;
  }
  std::lock_guard lock(mutex_);
  children_.push_back(Child{std::move(program), std::move(args), child.value()});
  return child.value().endpoint;
}

void ServiceSupervisor::watch() {
  watcher_ = std::thread([this] {
    while (!stopping_.load()) {
      std::this_thread::sleep_for(saga::Millis{20});
      std::lock_guard lock(mutex_);
      for (Child& c : children_) {
        int status = 0;
        if (stopping_.load() || waitpid(c.process.pid, &status, WNOHANG) != c.process.pid) {
          continue;
        }
        std::fprintf(stderr, "[supervisor] %s (pid %d) died (%s %d); restarting it on %s\n",
                     service_name(c.args).c_str(), static_cast<int>(c.process.pid),
                     WIFEXITED(status) ? "exit" : "signal",
                     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
                     c.process.endpoint.c_str());
        ++restarts_;
        auto again = spawn_service(c.program, c.args);
        if (again) {
          c.process = again.value();
        } else {
          std::fprintf(stderr, "[supervisor] restart failed: %s\n",
                       again.status().to_string().c_str());
          c.process.pid = -1;
        }
      }
    }
  });
}

void ServiceSupervisor::stop() {
  stopping_ = true;
  if (watcher_.joinable()) watcher_.join();
  std::lock_guard lock(mutex_);
  for (const Child& c : children_) stop_child(c.process, SIGTERM);
  children_.clear();
}

}  // namespace ftgo
