// SagaHarness: drives one saga of a definition with no sockets, no database and no engine.
//
// The harness holds one SagaInstance and calls `decide` (decide.h) directly, with a virtual
// time it moves only when told. A test gives the saga data, then alternates "expect the next
// command" and "answer it":
//
//   SagaHarness h(definition);
//   h.start_with(CreateOrderData{...});
//   EXPECT_TRUE(h.expect_command("kitchen", CreateTicket{...}));
//   h.reply_success(TicketCreated{...});
//   h.advance(Millis{5'000});                 // fires reply deadlines and retry delays
//   EXPECT_TRUE(h.expect_phase(Phase::kCompleted));
//
// Commands are compared on participant, name and payload. A typed expectation decodes the
// actual payload as the expected type and compares with operator==; on a mismatch the message
// shows both payloads as JSON and the header fields that differ.
//
// Failures: `expect_*` functions return ::testing::AssertionResult (wrap them in EXPECT_TRUE).
// Actions that cannot be carried out (a reply with no command outstanding, an error from
// decide) are reported through the harness's error sink: ADD_FAILURE() by default, or a
// callback (HarnessOptions::on_error) for drivers such as the scenario matrix. Every error is
// also kept in errors().
//
// Not thread-safe; one harness per test.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "saga/body_codec.h"
#include "saga/decide.h"
#include "saga/definition.h"
#include "saga/event_delivery.h"
#include "saga/message.h"
#include "saga/store_records.h"

namespace saga::testing {

struct HarnessOptions {
  std::string saga_id = "saga-1";
  std::string trace_id = "trace-1";
  Millis start_time{1'000'000};
  // The random word handed to decide (it only spreads retry delays with jitter).
  std::uint32_t random = 0x7fffffff;
  // Where errors go; default: ADD_FAILURE() with the message.
  std::function<void(const std::string& error)> on_error;
  // Semantic locks (LockDeclaration): the harness drives one saga, so no other saga can hold a
  // key; true grants every lock request at once, as the engine would (history kLockAcquired).
  // False leaves the saga waiting (Wait::kLock) for the test to feed kLockGranted,
  // kLockWaiting or kLockRefused itself.
  bool grant_locks = true;
  // Start options (StartOptions in engine.h), as times of the harness clock (0: none): a
  // not_before later than start_time schedules the saga; a deadline arms the saga deadline.
  Millis not_before{0};
  Millis deadline{0};
  // A child saga (docs/dsl.md, "Child sagas"): its parent's id. Its steps done, it waits for
  // parent_ended() or parent_compensates().
  std::string parent_id;
};

// One command the saga sent, as the harness saw it.
struct SentCommand {
  std::string participant;
  Envelope envelope;
  // "participant:Name", with "(c)" appended for a compensation: the form of command_names().
  std::string label() const;
};

// What happened to one input given to decide.
struct Delivery {
  bool applied = false;        // false: decide ignored it (stale reply, timer not due)
  std::string ignored_reason;  // when not applied
};

class SagaHarness {
 public:
  explicit SagaHarness(std::shared_ptr<const SagaDefinition> definition,
                       HarnessOptions options = {});

  // --- starting ---------------------------------------------------------------------------------
  // Starts the saga with `data` (the bytes the definition expects).
  void start(std::string data);
  // Starts the saga with `data` encoded as cereal portable binary.
  template <typename T>
  void start_with(const T& data) {
    Result<std::string> bytes = encode_body(data);
    if (!bytes) return error("start_with: " + bytes.status().to_string());
    start(std::move(bytes).value());
  }

  // --- commands ---------------------------------------------------------------------------------
  // Takes the oldest command not yet expected and checks its participant and name (and, when
  // given, its raw body bytes). Resends count: a resent command is expected again.
  ::testing::AssertionResult expect_command(const std::string& participant, const std::string& name,
                                            std::optional<std::string> body = std::nullopt);
  // Takes the oldest command not yet expected and checks participant, name (T::kMessageName)
  // and payload: the body decoded as T must equal `payload`.
  template <Message T>
  ::testing::AssertionResult expect_command(const std::string& participant, const T& payload);
  // No command is waiting to be expected.
  ::testing::AssertionResult expect_no_command() const;
  // Skips every command not yet expected.
  void drain_commands() { unexpected_.clear(); }

  // --- replies to the outstanding command
  // ---------------------------------------------------------- Answers the command the saga is
  // waiting for (instance().last_request_id) with success.
  template <Message T>
  Delivery reply_success(const T& body) {
    return reply_typed(Outcome::kSuccess, {}, std::string(T::kMessageName), body);
  }
  Delivery reply_success(std::string name = "Done", std::string body = {});
  // Answers with a business failure, with or without a typed body.
  template <Message T>
  Delivery reply_failure(const std::string& reason, const T& body) {
    return reply_typed(Outcome::kFailure, reason, std::string(T::kMessageName), body);
  }
  Delivery reply_failure(const std::string& reason, std::string name = "Failed",
                         std::string body = {});
  // Parallel groups: answers the command of step `step` the saga still waits for (a branch in
  // flight, or the single outstanding command), in any order the test chooses.
  template <Message T>
  Delivery reply_success_for(const std::string& step, const T& body) {
    ContentType type = ContentType::kCerealBinary;  // the awaited command's, as replies use
    for (const SentCommand& c : sent_) {
      if (c.envelope.step == step && awaits(instance_, c.envelope.message_id)) {
        type = c.envelope.content_type;
      }
    }
    Result<std::string> bytes = encode_body(body, type);
    if (!bytes) {
      error("reply " + step + ": " + bytes.status().to_string());
      return {};
    }
    return reply_for(step, Outcome::kSuccess, std::string(T::kMessageName), {}, *bytes);
  }
  Delivery reply_for(const std::string& step, Outcome outcome, std::string name = "Done",
                     std::string reason = {}, std::string body = {});
  // Delivers the last reply again (a duplicate from the network).
  Delivery reply_again();
  // Delivers any envelope as a reply (stale ids, wrong saga, ...).
  Delivery deliver(const Envelope& reply);
  // A reply to the outstanding command, correlation and ids filled in, for deliver().
  Envelope make_reply(Outcome outcome, std::string name, std::string reason = {},
                      std::string body = {}) const;

  // --- time and operators
  // ------------------------------------------------------------------------- Moves time forward by
  // `by`, firing on the way every reply deadline and retry delay that falls due, each at its own
  // time, in order. Returns the number of timers fired.
  int advance(Millis by);
  // Moves time to the instance's deadline and fires that one timer. False when none is armed.
  bool fire_timer();
  Millis now() const { return now_; }

  // --- external events (wait steps; harness_events.cpp) ---------------------------------------
  // Delivers the event as Engine::deliver_event does for this one saga: taken at once when the
  // saga waits for it (kConsumed), kept and taken when the saga reaches its wait step
  // (kPending), nothing at all for an event id seen before (kDuplicate). kFailedPrecondition,
  // as the engine's, when the saga ended, compensates or is past its wait for the event.
  Result<EventDisposition> deliver_event(const std::string& name, const std::string& event_id,
                                         ContentType content_type, std::string body);
  // The same with a typed payload (cereal portable binary); event_id defaults to "event-<n>".
  template <Message E>
  Result<EventDisposition> event(const E& payload, std::string event_id = {}) {
    Result<std::string> body = encode_body(payload);
    if (!body) return body.status();
    if (event_id.empty()) event_id = "event-" + std::to_string(++event_seq_);
    return deliver_event(std::string(E::kMessageName), event_id, ContentType::kCerealBinary,
                         std::move(body).value());
  }
  // Events delivered and not taken yet, oldest first.
  const std::vector<StoredEvent>& pending_events() const { return pending_events_; }

  // --- child sagas (child steps; harness_children.cpp) -----------------------------------------
  // The harness drives one saga: the test plays the child a child step starts, and the parent
  // of a child saga (HarnessOptions::parent_id), with the engine's inputs.
  // The child the saga started last (Decision::child_start), and the child it last asked to
  // compensate (Decision::child_compensate); empty before any.
  const std::optional<ChildStart>& child_started() const { return child_start_; }
  const std::string& child_compensate_requested() const { return child_compensate_; }
  // kChildEnded for the child step the saga waits in: the child's steps are done with
  // `child_data` (kChildDone), or the child compensated with `reason`.
  Delivery child_done(std::string child_data);
  Delivery child_compensated(std::string reason);
  // A child saga's parent ended (kParentEnded), or compensates the child step
  // (kParentCompensates).
  Delivery parent_ended();
  Delivery parent_compensates();

  Delivery operator_retry(std::string reason = "operator: retry");
  Delivery operator_compensate(std::string reason = "operator: compensate");
  Delivery operator_skip(std::string reason = "operator: skip");
  // Engine::cancel: kCancel with `reason` ("who: why"). A refusal (past the pivot, not
  // executing) is returned, not reported as a harness error; nothing changes then.
  Status cancel(std::string reason = "operator: cancel");

  // --- assertions
  // ----------------------------------------------------------------------------------
  ::testing::AssertionResult expect_phase(Phase phase) const;
  // The saga data decoded as T (cereal portable binary); a default T and an error otherwise.
  template <typename T>
  T data() {
    Result<T> value = decode_body<T>(instance_.data);
    if (!value) {
      error("data(): " + value.status().to_string());
      return T{};
    }
    return std::move(value).value();
  }
  template <typename T>
  ::testing::AssertionResult expect_data(const T& expected) const;
  // Every command sent so far, resends included, as labels: {"kitchen:CreateTicket", ...}.
  ::testing::AssertionResult expect_commands(const std::vector<std::string>& labels) const;
  std::vector<std::string> command_labels() const;

  const SagaInstance& instance() const { return instance_; }
  const std::vector<SentCommand>& commands() const { return sent_; }
  const std::vector<HistoryEntry>& history() const { return history_; }
  // The events of history(), for compact assertions.
  std::vector<Event> events() const;
  const std::vector<std::string>& errors() const { return errors_; }
  const SagaDefinition& definition() const { return *definition_; }
  int ignored_inputs() const { return ignored_; }

  // The inputs given to decide so far, in order (replies with their bodies): what a history
  // export from the harness needs to re-drive the same saga.
  struct RecordedInput {
    InputKind kind = InputKind::kStart;
    Millis now{0};
    std::optional<Envelope> reply;
    std::string reason;
    std::size_t first_entry = 0;  // index in history() of the first entry it produced
  };
  const std::vector<RecordedInput>& inputs() const { return inputs_; }
  const std::string& start_data() const { return start_data_; }

 private:
  template <Message T>
  Delivery reply_typed(Outcome outcome, std::string reason, std::string name, const T& body);
  Delivery feed(Input input, Status* refused = nullptr);
  // The next timer: the instance's wait deadline or its saga deadline, whichever comes first.
  std::optional<std::pair<Millis, InputKind>> next_timer() const;
  ::testing::AssertionResult check_header(const SentCommand& actual, const std::string& participant,
                                          const std::string& name) const;
  std::optional<SentCommand> take_command(std::string& why);
  ContentType reply_content_type() const;
  void error(const std::string& message);

  std::shared_ptr<const SagaDefinition> definition_;
  HarnessOptions options_;
  SagaInstance instance_;
  Millis now_;
  std::string start_data_;
  std::deque<SentCommand> unexpected_;
  std::vector<SentCommand> sent_;
  std::vector<HistoryEntry> history_;
  std::vector<RecordedInput> inputs_;
  std::optional<Envelope> last_reply_;
  std::vector<std::string> errors_;
  int ignored_ = 0;
  int reply_seq_ = 0;
  // External events: every id seen, those not taken yet, and the default id counter.
  void take_pending_event();
  std::vector<std::string> event_ids_;
  std::vector<StoredEvent> pending_events_;
  int event_seq_ = 0;
  // Child sagas: what the last decisions asked of a child, and kChildEnded as the engine gives it.
  Delivery child_ended(Phase phase, std::string data, std::string reason);
  std::optional<ChildStart> child_start_;
  std::string child_compensate_;
};

// A typed payload as one line of JSON, for messages ("<not encodable: ...>" on error).
template <typename T>
std::string to_json(const T& value) {
  Result<std::string> json = encode_body(value, ContentType::kJson);
  if (!json) return "<not encodable: " + json.status().to_string() + ">";
  std::string line;  // one line: raw newlines are formatting only (strings escape theirs)
  for (char c : json.value()) {
    if (c != '\n') line += c;
  }
  return line;
}

// --- template definitions
// -------------------------------------------------------------------------

template <Message T>
::testing::AssertionResult SagaHarness::expect_command(const std::string& participant,
                                                       const T& payload) {
  std::string why;
  std::optional<SentCommand> actual = take_command(why);
  if (!actual) {
    return ::testing::AssertionFailure()
           << "expected command " << participant << ":" << T::kMessageName << " "
           << to_json(payload) << ", but " << why;
  }
  ::testing::AssertionResult header =
      check_header(*actual, participant, std::string(T::kMessageName));
  if (!header) return header;
  Result<T> decoded = decode_body<T>(actual->envelope.body, actual->envelope.content_type);
  if (!decoded) {
    return ::testing::AssertionFailure()
           << "command " << actual->label() << ": payload does not decode as " << T::kMessageName
           << ": " << decoded.status().to_string();
  }
  if (!(decoded.value() == payload)) {
    return ::testing::AssertionFailure()
           << "command " << actual->label() << " (step '" << actual->envelope.step
           << "'): payload differs\n  expected: " << to_json(payload)
           << "\n  actual:   " << to_json(decoded.value());
  }
  return ::testing::AssertionSuccess();
}

template <typename T>
::testing::AssertionResult SagaHarness::expect_data(const T& expected) const {
  Result<T> value = decode_body<T>(instance_.data);
  if (!value) {
    return ::testing::AssertionFailure()
           << "saga data does not decode: " << value.status().to_string();
  }
  if (value.value() == expected) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "saga data differs\n  expected: " << to_json(expected)
                                       << "\n  actual:   " << to_json(value.value());
}

template <Message T>
Delivery SagaHarness::reply_typed(Outcome outcome, std::string reason, std::string name,
                                  const T& body) {
  Result<std::string> bytes = encode_body(body, reply_content_type());
  if (!bytes) {
    error("reply " + name + ": " + bytes.status().to_string());
    return {};
  }
  if (instance_.last_request_id.empty()) {
    error("reply " + name + ": the saga is not waiting for a reply (phase " +
          std::string(to_string(instance_.phase)) + ")");
    return {};
  }
  return deliver(make_reply(outcome, std::move(name), std::move(reason), std::move(bytes).value()));
}

}  // namespace saga::testing
