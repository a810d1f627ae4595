// SagaWatch and Failover (instance_watch.h).
#include "instance_watch.h"

#include <signal.h>
#include <sys/wait.h>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "saga/phase.h"
#include "store/pg_connection.h"

namespace saga::scale_out {
namespace {

std::vector<pg::Param> ended_phases() {
  return {pg::number(static_cast<int>(Phase::kCompleted)),
          pg::number(static_cast<int>(Phase::kCompensated))};
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

Result<std::unique_ptr<SagaWatch>> SagaWatch::open(const std::string& url) {
  Result<std::unique_ptr<pg::Connection>> c = pg::Connection::open(url);
  if (!c) return c.status();
  return std::unique_ptr<SagaWatch>(new SagaWatch(std::move(c).value()));
}

SagaWatch::SagaWatch(std::unique_ptr<pg::Connection> c) : c_(std::move(c)) {}
SagaWatch::~SagaWatch() = default;

std::int64_t SagaWatch::count(const std::string& where, const std::string& owner) {
  std::vector<pg::Param> params = ended_phases();
  std::string sql = "SELECT count(*) FROM saga_instances WHERE " + where;
  if (!owner.empty()) {
    params.push_back(pg::text(owner));
    sql += " AND owner = $3";
  }
  auto rows = c_->exec("watch", sql, params);
  return rows && rows->size() > 0 ? rows->get_int(0, 0) : -1;
}

std::int64_t SagaWatch::total() {
  auto rows = c_->exec("watch", "SELECT count(*) FROM saga_instances");
  return rows && rows->size() > 0 ? rows->get_int(0, 0) : 0;
}

std::int64_t SagaWatch::ended() { return count("phase IN ($1, $2)", ""); }
std::int64_t SagaWatch::ended_of(const std::string& owner) {
  return count("phase IN ($1, $2)", owner);
}
std::int64_t SagaWatch::running_of(const std::string& owner) {
  return count("phase NOT IN ($1, $2)", owner);
}

std::int64_t SagaWatch::in_phase(int phase) {
  auto rows = c_->exec("watch", "SELECT count(*) FROM saga_instances WHERE phase = $1",
                       {pg::number(phase)});
  return rows && rows->size() > 0 ? rows->get_int(0, 0) : -1;
}

std::string SagaWatch::owners_line() {
  auto rows = c_->exec("watch",
                       "SELECT owner, count(*) FILTER (WHERE phase IN ($1, $2)), "
                       "count(*) FILTER (WHERE phase NOT IN ($1, $2)) FROM saga_instances "
                       "GROUP BY owner ORDER BY owner",
                       ended_phases());
  std::string out;
  for (int r = 0; rows && r < rows->size(); ++r) {
    out +=
        "  " + rows->get(r, 0) + ": " + rows->get(r, 1) + " ended, " + rows->get(r, 2) + " running";
  }
  return out;
}

void Failover::tick(SagaWatch& watch) {
  if (taken_over_) return;
  const std::int64_t running = watch.running_of(owner_);
  if (!killed_at_) {
    if (!std::filesystem::exists(marker_) || running < 1 || watch.ended_of(owner_) < min_ended_) {
      return;
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    killed_at_ = std::chrono::steady_clock::now();
    std::printf("killed %s with SIGKILL while it owned %lld unfinished sagas\n", owner_.c_str(),
                static_cast<long long>(running));
  } else if (running == 0) {
    taken_over_ = true;
    std::printf("failover: %s's sagas were taken over %.1f s after the kill:%s\n", owner_.c_str(),
                seconds_since(*killed_at_), watch.owners_line().c_str());
  }
  std::fflush(stdout);
}

bool positive_number(const char* text, std::int64_t& out) {
  const std::string_view v(text);
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return ec == std::errc() && ptr == v.data() + v.size() && out > 0;
}

}  // namespace saga::scale_out
