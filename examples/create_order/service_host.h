// Running the example's services: on threads of this process, or as child processes.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "saga/participant.h"
#include "service_options.h"

namespace ftgo {

class AcceptanceDesk;

enum class ServiceKind : std::uint8_t { kConsumer = 1, kKitchen = 2, kAccounting = 3 };

inline constexpr ServiceKind kParticipantServices[] = {
    ServiceKind::kConsumer, ServiceKind::kKitchen, ServiceKind::kAccounting};

// "consumer", "kitchen", "accounting" (also their registry names).
std::string_view to_string(ServiceKind kind);
std::optional<ServiceKind> parse_service_kind(std::string_view name);

// Opens the service's participant (endpoint, database, seed data, handlers).
saga::Result<std::unique_ptr<saga::Participant>> open_service(ServiceKind kind,
                                                              const ServiceOptions& options);

// Participants each running run() on its own thread until stop() (or destruction).
class ServiceThreads {
 public:
  ServiceThreads() = default;
  ~ServiceThreads() { stop(); }
  ServiceThreads(const ServiceThreads&) = delete;
  ServiceThreads& operator=(const ServiceThreads&) = delete;

  // Takes the participant and starts its thread; returns its endpoint.
  std::string run(std::unique_ptr<saga::Participant> participant);
  // The same, and for the Kitchen the restaurant's AcceptanceDesk when `options` turns events
  // on (ticket_acceptance_desk.h): stopped before the participants.
  std::string run(ServiceKind kind, std::unique_ptr<saga::Participant> participant,
                  const ServiceOptions& options);
  void stop();

 private:
  std::vector<std::shared_ptr<AcceptanceDesk>> desks_;
  std::vector<std::unique_ptr<saga::Participant>> participants_;
  std::vector<std::thread> threads_;
};

// The main of a service child process: opens the service, prints "READY <endpoint>" on stdout,
// and serves until SIGINT/SIGTERM. A bind address ending in ":0" takes any free port.
int run_service_process(ServiceKind kind, ServiceOptions options);

// A child process started by spawn_service().
struct ChildProcess {
  pid_t pid = -1;
  std::string endpoint;  // from its READY line
};

// Starts `program args...` and waits (at most `ready_timeout`) for its "READY <endpoint>" line
// on stdout, read through a pipe. kUnavailable when it exits or says nothing in time.
saga::Result<ChildProcess> spawn_service(const std::string& program,
                                         const std::vector<std::string>& args,
                                         saga::Millis ready_timeout = saga::Millis{10'000});

// Sends `signal` and waits for the child; returns its wait status.
int stop_child(const ChildProcess& child, int signal);

// Keeps service child processes alive: a child that dies (say of --crash-after) is started
// again with the same arguments on the endpoint it had bound, so the orchestrator's connection
// finds it again and resends what was lost. Stops (SIGTERM) every child on stop().
class ServiceSupervisor {
 public:
  explicit ServiceSupervisor(std::string program) : program_(std::move(program)) {}
  ~ServiceSupervisor() { stop(); }
  ServiceSupervisor(const ServiceSupervisor&) = delete;
  ServiceSupervisor& operator=(const ServiceSupervisor&) = delete;

  // Spawns `args` (which hold "--bind X") with the supervisor's program, or with `program`
  // when given (the Python Accounting service: python3 and its script); returns the endpoint
  // it bound.
  saga::Result<std::string> spawn(std::vector<std::string> args, std::string program = {});
  // Starts watching the children.
  void watch();
  // How many restarts so far.
  int restarts() const { return restarts_.load(); }
  void stop();

 private:
  static std::string service_name(const std::vector<std::string>& args);
  struct Child {
    std::string program;
    std::vector<std::string> args;
    ChildProcess process;
  };
  std::string program_;
  std::mutex mutex_;
  std::vector<Child> children_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> restarts_{0};
  std::thread watcher_;
};

}  // namespace ftgo
