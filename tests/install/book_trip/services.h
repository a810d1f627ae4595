// The saga's four participants: hotel, airline, payments, mailer.
#pragma once

#include <saga/participant.h>

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace trip {

// A trip over this price is declined by the payments service.
inline constexpr std::int64_t kCardLimitCents = 500'000;

// Opens the four services, each with its own SQLite file in `dir` and its own ZeroMQ socket
// on a free local port, and serves each on a thread until destroyed. In production each is
// a process of its own (docs/participants.md).
class Services {
 public:
  explicit Services(const std::string& dir);
  ~Services();
  // Where the service named `name` listens ("tcp://127.0.0.1:40123").
  std::string endpoint(const std::string& name) const;

 private:
  std::map<std::string, std::unique_ptr<saga::Participant>> services_;
  std::vector<std::thread> threads_;
};

}  // namespace trip
