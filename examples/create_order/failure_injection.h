// Failure injection for the example's participant services: a thin wrapper around handlers.
//
// A FailurePlan says what goes wrong, by command name (and optionally for one saga only). It is
// built from command-line flags or in code (tests). A FailureInjector holds the plan and the
// counters, and wraps each handler of a service:
//
//   --fail CMD:N           the first N deliveries of CMD that reach the handler fail with reason
//                          "injected_failure" (no effects), then it succeeds. N = "always": every
//                          one fails. CMD:N@SAGA limits the rule to saga SAGA ("order-5").
//   --delay-ms CMD:MS      the handler waits MS milliseconds before it runs (slow service).
//                          CMD:MS@SAGA: only for saga SAGA.
//   --drop-replies CMD:N   the first N deliveries of CMD are handled and committed, but their
//                          reply is held back for `hold` (longer than the orchestrator's reply
//                          timeout), so the orchestrator sees no reply in time and resends the
//                          same command; the resend is answered from the participant's inbox.
//                          (A handler cannot stop the library from sending its reply after the
//                          commit; holding it past the deadline is the closest a wrapper gets.)
//   --crash-after N        the process exits at once (_exit(137), as kill -9 would) when the
//                          (N+1)-th command reaches a handler: that command and the uncommitted
//                          batch it is in are lost, the orchestrator resends them.
//
// Deliveries answered from the inbox (duplicates) never reach the handler and are not counted.
// Thread-safe: the counters are behind a mutex.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "saga/participant.h"
#include "saga/status.h"

namespace ftgo {

inline constexpr std::string_view kInjectedFailure = "injected_failure";

struct FailureRule {
  std::string command;     // wire name ("ConfirmCreateTicket")
  std::string saga_id;     // empty: every saga
  std::int64_t times = 0;  // kAlways: no limit
  static constexpr std::int64_t kAlways = -1;
};

struct FailurePlan {
  std::vector<FailureRule> fail;
  std::vector<FailureRule> drop_replies;
  std::map<std::string, saga::Millis, std::less<>> delay;  // by "CMD" or "CMD@SAGA"
  std::int64_t crash_after = 0;                            // 0: never
  saga::Millis drop_hold{2'500};  // how long a "dropped" reply is held back

  // Applies one flag ("--fail", "--delay-ms", "--drop-replies", "--drop-hold-ms",
  // "--crash-after") and its value.
  // kNotFound when `flag` is not a failure-injection flag; kInvalidArgument for a bad value.
  saga::Status apply_flag(std::string_view flag, std::string_view value);
  // The flags that rebuild this plan (to pass it on to a child process).
  std::vector<std::string> to_flags() const;
  bool empty() const;
};

class FailureInjector {
 public:
  explicit FailureInjector(FailurePlan plan = {}) : plan_(std::move(plan)) {}

  // `handler` with the plan applied in front of it.
  template <saga::Message Cmd>
  saga::Handler<Cmd> wrap(saga::Handler<Cmd> handler) {
    return [this, h = std::move(handler)](const Cmd& command, saga::HandlerContext& context) {
      const std::string_view name = Cmd::kMessageName;
      const Decision d = decide(name, context.saga_id());
      if (d.delay.count() > 0) std::this_thread::sleep_for(d.delay);
      if (d.fail) return saga::failure(std::string(kInjectedFailure));
      saga::Reply reply = h(command, context);
      if (d.hold.count() > 0) std::this_thread::sleep_for(d.hold);
      return reply;
    };
  }

  // Commands that reached a handler so far.
  std::int64_t commands_seen() const;

  // What the plan says of an event the service sends, named like a command (the Kitchen's
  // TicketAccepted, ticket_acceptance_desk.h): --fail NAME:always@SAGA it is never sent (the
  // restaurant does not answer), --delay-ms NAME:MS[@SAGA] it goes MS later, --drop-replies
  // NAME:N[@SAGA] its first N answers are lost (the same event is sent again: a duplicate).
  // Read-only: counts nothing (the service records what it did with each event).
  struct EventPlan {
    bool never = false;
    saga::Millis delay{0};
    std::int64_t lost_answers = 0;
  };
  EventPlan event_plan(std::string_view name, const std::string& saga_id) const;

 private:
  struct Decision {
    bool fail = false;
    saga::Millis delay{0};
    saga::Millis hold{0};
  };
  // Counts the delivery and says what to do with it; exits the process for --crash-after.
  Decision decide(std::string_view command, const std::string& saga_id);

  mutable std::mutex mutex_;
  FailurePlan plan_;
  std::int64_t commands_seen_ = 0;
  std::map<std::string, std::int64_t, std::less<>> used_;  // rule key -> times applied
};

}  // namespace ftgo
