#include "saga/testing/harness.h"

#include <sstream>
#include <utility>

namespace saga::testing {

std::string SentCommand::label() const {
  return participant + ":" + envelope.name + (envelope.compensation ? "(c)" : "");
}

SagaHarness::SagaHarness(std::shared_ptr<const SagaDefinition> definition, HarnessOptions options)
    : definition_(std::move(definition)), options_(std::move(options)), now_(options_.start_time) {
  if (Status s = validate(*definition_); !s) error("definition: " + s.to_string());
}

void SagaHarness::error(const std::string& message) {
  errors_.push_back(message);
  if (options_.on_error) {
    options_.on_error(message);
  } else {
    ADD_FAILURE() << "SagaHarness: " << message;
  }
}

void SagaHarness::start(std::string data) {
  if (instance_.phase != Phase::kNotStarted) return error("start: the saga has already started");
  instance_.id = options_.saga_id;
  instance_.type = definition_->name;
  instance_.version = definition_->version;
  instance_.fingerprint = fingerprint(*definition_);
  instance_.trace_id = options_.trace_id;
  instance_.data = data;
  instance_.saga_deadline = options_.deadline;
  instance_.parent_id = options_.parent_id;
  start_data_ = std::move(data);
  Input input;
  input.kind = InputKind::kStart;
  input.not_before = options_.not_before;
  feed(std::move(input));
}

Delivery SagaHarness::feed(Input input, Status* refused) {
  input.now = now_;
  input.random = options_.random;
  RecordedInput recorded{input.kind, now_, std::nullopt, input.reason, history_.size()};
  if (input.reply != nullptr) recorded.reply = *input.reply;
  if (input.event != nullptr) {  // kept like a reply, so that a history export has its body
    Envelope e;
    e.kind = MessageKind::kEvent;
    e.message_id = std::string(input.event->event_id);
    e.name = std::string(input.event->name);
    e.content_type = input.event->content_type;
    e.body = std::string(input.event->body);
    recorded.reply = std::move(e);
  }
  Result<Decision> decision = decide(*definition_, instance_, input);
  if (!decision) {
    if (refused != nullptr) {
      *refused = decision.status();
    } else {
      error("decide: " + decision.status().to_string());
    }
    return {};
  }
  if (!decision->applied) {
    ++ignored_;
    return {false, decision->ignored_reason};
  }
  inputs_.push_back(std::move(recorded));
  instance_ = std::move(decision->next);
  for (HistoryEntry& h : decision->history) history_.push_back(std::move(h));
  if (decision->command) {
    SentCommand sent{decision->command->participant, std::move(decision->command->envelope)};
    sent_.push_back(sent);
    unexpected_.push_back(std::move(sent));
  }
  if (decision->child_start) child_start_ = std::move(decision->child_start);
  if (!decision->child_compensate.empty()) child_compensate_ = decision->child_compensate;
  for (OutgoingCommand& c : decision->branch_commands) {  // a parallel group's, in step order
    SentCommand sent{c.participant, std::move(c.envelope)};
    sent_.push_back(sent);
    unexpected_.push_back(std::move(sent));
  }
  if (decision->lock_request && options_.grant_locks && instance_.wait == Wait::kLock) {
    // Granted at once: nobody else holds a key. The reason lists the keys, as the engine's.
    Input granted;
    granted.kind = InputKind::kLockGranted;
    for (const LockClaim& claim : decision->lock_request->claims) {
      granted.reason += (granted.reason.empty() ? "" : " ") + claim.key;
    }
    feed(std::move(granted));
  }
  if (instance_.wait == Wait::kEvent && !pending_events_.empty()) take_pending_event();
  return {true, {}};
}

std::optional<SentCommand> SagaHarness::take_command(std::string& why) {
  if (unexpected_.empty()) {
    why = "no command was sent (phase " + std::string(to_string(instance_.phase)) + ", " +
          std::to_string(sent_.size()) + " commands so far)";
    return std::nullopt;
  }
  SentCommand c = std::move(unexpected_.front());
  unexpected_.pop_front();
  return c;
}

::testing::AssertionResult SagaHarness::check_header(const SentCommand& actual,
                                                     const std::string& participant,
                                                     const std::string& name) const {
  std::ostringstream diff;
  if (actual.participant != participant) {
    diff << "\n  participant: expected '" << participant << "', actual '" << actual.participant
         << "'";
  }
  if (actual.envelope.name != name) {
    diff << "\n  name: expected '" << name << "', actual '" << actual.envelope.name << "'";
  }
  if (diff.str().empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "command header differs (step '" << actual.envelope.step << "', "
         << (actual.envelope.compensation ? "compensation" : "action") << ", attempt "
         << actual.envelope.attempt << ")" << diff.str();
}

::testing::AssertionResult SagaHarness::expect_command(const std::string& participant,
                                                       const std::string& name,
                                                       std::optional<std::string> body) {
  std::string why;
  std::optional<SentCommand> actual = take_command(why);
  if (!actual) {
    return ::testing::AssertionFailure()
           << "expected command " << participant << ":" << name << ", but " << why;
  }
  ::testing::AssertionResult header = check_header(*actual, participant, name);
  if (!header) return header;
  if (body && *body != actual->envelope.body) {
    return ::testing::AssertionFailure()
           << "command " << actual->label() << ": body differs\n  expected: '" << *body
           << "'\n  actual:   '" << actual->envelope.body << "'";
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult SagaHarness::expect_no_command() const {
  if (unexpected_.empty()) return ::testing::AssertionSuccess();
  ::testing::AssertionResult failure = ::testing::AssertionFailure();
  failure << "expected no command, but " << unexpected_.size() << " not yet expected:";
  for (const SentCommand& c : unexpected_) failure << " " << c.label();
  return failure;
}

ContentType SagaHarness::reply_content_type() const {
  for (auto it = sent_.rbegin(); it != sent_.rend(); ++it) {
    if (it->envelope.message_id == instance_.last_request_id) return it->envelope.content_type;
  }
  return ContentType::kCerealBinary;
}

Envelope SagaHarness::make_reply(Outcome outcome, std::string name, std::string reason,
                                 std::string body) const {
  Envelope command;
  for (auto it = sent_.rbegin(); it != sent_.rend(); ++it) {
    if (it->envelope.message_id == instance_.last_request_id) {
      command = it->envelope;
      break;
    }
  }
  command.message_id = instance_.last_request_id;
  command.saga_id = instance_.id;
  Envelope reply = make_reply_to(command);
  reply.message_id = "harness-reply-" + std::to_string(reply_seq_ + 1);
  reply.name = std::move(name);
  reply.outcome = outcome;
  reply.reason = std::move(reason);
  reply.body = std::move(body);
  return reply;
}

Delivery SagaHarness::deliver(const Envelope& reply) {
  ++reply_seq_;
  last_reply_ = reply;
  Input input;
  input.kind = InputKind::kReply;
  input.reply = &reply;
  return feed(std::move(input));
}

Delivery SagaHarness::reply_success(std::string name, std::string body) {
  if (instance_.last_request_id.empty()) {
    error("reply_success(" + name + "): the saga is not waiting for a reply (phase " +
          std::string(to_string(instance_.phase)) + ")");
    return {};
  }
  return deliver(make_reply(Outcome::kSuccess, std::move(name), {}, std::move(body)));
}

Delivery SagaHarness::reply_failure(const std::string& reason, std::string name, std::string body) {
  if (instance_.last_request_id.empty()) {
    error("reply_failure(" + reason + "): the saga is not waiting for a reply (phase " +
          std::string(to_string(instance_.phase)) + ")");
    return {};
  }
  return deliver(make_reply(Outcome::kFailure, std::move(name), reason, std::move(body)));
}

Delivery SagaHarness::reply_for(const std::string& step, Outcome outcome, std::string name,
                                std::string reason, std::string body) {
  for (auto it = sent_.rbegin(); it != sent_.rend(); ++it) {
    if (it->envelope.step != step || !awaits(instance_, it->envelope.message_id)) continue;
    Envelope reply = make_reply_to(it->envelope);
    reply.message_id = "harness-reply-" + std::to_string(reply_seq_ + 1);
    reply.name = std::move(name);
    reply.outcome = outcome;
    reply.reason = std::move(reason);
    reply.body = std::move(body);
    return deliver(reply);
  }
  error("reply_for(" + step + "): the saga waits for no command of that step (phase " +
        std::string(to_string(instance_.phase)) + ")");
  return {};
}

Delivery SagaHarness::reply_again() {
  if (!last_reply_) {
    error("reply_again: no reply was delivered yet");
    return {};
  }
  Envelope copy = *last_reply_;
  return deliver(copy);
}

std::optional<std::pair<Millis, InputKind>> SagaHarness::next_timer() const {
  std::optional<std::pair<Millis, InputKind>> next;
  // A lock wait has no timer: only the engine's answer ends it.
  if (instance_.wait != Wait::kNone && instance_.wait != Wait::kLock) {
    const InputKind kind = instance_.wait == Wait::kReply || instance_.wait == Wait::kEvent
                               ? InputKind::kDeadline
                           : instance_.wait == Wait::kStart ? InputKind::kScheduledStart
                                                            : InputKind::kRetryDue;
    next = std::pair(instance_.deadline, kind);
  }
  const bool deadline_acts =
      instance_.phase == Phase::kExecuting || instance_.phase == Phase::kScheduled;
  if (instance_.saga_deadline.count() > 0 && deadline_acts &&
      (!next || instance_.saga_deadline <= next->first)) {
    next = std::pair(instance_.saga_deadline, InputKind::kSagaDeadline);
  }
  return next;
}

bool SagaHarness::fire_timer() {
  std::optional<std::pair<Millis, InputKind>> next = next_timer();
  if (!next) return false;
  if (next->first > now_) now_ = next->first;
  Input input;
  input.kind = next->second;
  return feed(std::move(input)).applied;
}

Status SagaHarness::cancel(std::string reason) {
  Input input;
  input.kind = InputKind::kCancel;
  input.reason = std::move(reason);
  Status refused = Status::ok();
  feed(std::move(input), &refused);
  return refused;
}

int SagaHarness::advance(Millis by) {
  const Millis until = now_ + by;
  int fired = 0;
  // Bounded: each timer moves the deadline forward or ends the wait.
  for (int guard = 0; guard < 100'000; ++guard) {
    std::optional<std::pair<Millis, InputKind>> next = next_timer();
    if (!next || next->first > until) break;
    if (!fire_timer()) {
      error("advance: a due timer was not applied");
      break;
    }
    ++fired;
  }
  now_ = until;
  return fired;
}

Delivery SagaHarness::operator_retry(std::string reason) {
  Input input;
  input.kind = InputKind::kOperatorRetry;
  input.reason = std::move(reason);
  return feed(std::move(input));
}

Delivery SagaHarness::operator_compensate(std::string reason) {
  Input input;
  input.kind = InputKind::kOperatorCompensate;
  input.reason = std::move(reason);
  return feed(std::move(input));
}

Delivery SagaHarness::operator_skip(std::string reason) {
  Input input;
  input.kind = InputKind::kOperatorSkip;
  input.reason = std::move(reason);
  return feed(std::move(input));
}

::testing::AssertionResult SagaHarness::expect_phase(Phase phase) const {
  if (instance_.phase == phase) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "phase: expected " << to_string(phase) << ", actual " << to_string(instance_.phase)
         << " (step " << instance_.step << ", last reason '" << instance_.last_reason << "')";
}

std::vector<std::string> SagaHarness::command_labels() const {
  std::vector<std::string> out;
  for (const SentCommand& c : sent_) out.push_back(c.label());
  return out;
}

::testing::AssertionResult SagaHarness::expect_commands(
    const std::vector<std::string>& labels) const {
  const std::vector<std::string> actual = command_labels();
  if (actual == labels) return ::testing::AssertionSuccess();
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const std::string& x : v) s += (s.empty() ? "" : ", ") + x;
    return "[" + s + "]";
  };
  std::size_t first = 0;
  while (first < actual.size() && first < labels.size() && actual[first] == labels[first]) ++first;
  return ::testing::AssertionFailure()
         << "command sequence differs at index " << first << "\n  expected: " << join(labels)
         << "\n  actual:   " << join(actual);
}

std::vector<Event> SagaHarness::events() const {
  std::vector<Event> out;
  for (const HistoryEntry& h : history_) out.push_back(h.event);
  return out;
}

}  // namespace saga::testing
