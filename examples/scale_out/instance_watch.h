// Watching several orchestrator instances on one PostgreSQL database from outside, by SQL on
// saga_instances (docs/scale-out.md), and killing one of them mid-run to show a failover. Used
// by scale_out_demo and by the Create Order demo's --store mode
// (examples/create_order/scale_out_runner.h).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "saga/status.h"

namespace saga::pg {
class Connection;
}

namespace saga::scale_out {

class SagaWatch {
 public:
  static Result<std::unique_ptr<SagaWatch>> open(const std::string& url);
  ~SagaWatch();

  // Every saga in the database (0 before an engine created the tables).
  std::int64_t total();
  // Sagas completed or compensated; -1 when the query fails.
  std::int64_t ended();
  // Of the sagas `owner` owns: ended ones, or unfinished ones.
  std::int64_t ended_of(const std::string& owner);
  std::int64_t running_of(const std::string& owner);
  // Sagas in `phase` (saga::Phase's number).
  std::int64_t in_phase(int phase);
  // "  engine-0: 12 ended, 3 running  engine-1: ..." by owner.
  std::string owners_line();

 private:
  explicit SagaWatch(std::unique_ptr<pg::Connection> c);
  std::int64_t count(const std::string& where, const std::string& owner);
  std::unique_ptr<pg::Connection> c_;
};

// Kills one instance process with SIGKILL once it has placed its starts (its `started` marker
// file exists), ended at least `min_ended` sagas and still owns unfinished ones; then notices
// when none is left with it (the others took them over). Prints one line for each, on stdout.
class Failover {
 public:
  Failover(pid_t pid, std::string owner, std::string started_marker, std::int64_t min_ended = 3)
      : pid_(pid),
        owner_(std::move(owner)),
        marker_(std::move(started_marker)),
        min_ended_(min_ended) {}

  // One look: kills, or reports the takeover, when it is time.
  void tick(SagaWatch& watch);
  bool killed() const { return killed_at_.has_value(); }
  bool taken_over() const { return taken_over_; }
  const std::string& owner() const { return owner_; }

 private:
  pid_t pid_;
  std::string owner_;
  std::string marker_;
  std::int64_t min_ended_;
  std::optional<std::chrono::steady_clock::time_point> killed_at_;
  bool taken_over_ = false;
};

// A command-line number above 0 (the demos' and the bench's flags); false for anything else.
bool positive_number(const char* text, std::int64_t& out);

}  // namespace saga::scale_out
