// Wait steps (EventWait in saga/definition.h): their rules for validate() and fingerprint(),
// their part of the state machine, and the pure questions the engine asks about a delivered
// event. Internal to the engine; decide.cpp calls the hooks below through DecideOps.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "saga/decide.h"
#include "saga/definition.h"
#include "saga/instance.h"

namespace saga {
namespace events {

// --- definition --------------------------------------------------------------------------------

// Checks the wait of step `index` (when it has one): see validate() in definition.h.
Status check_wait(const SagaDefinition& definition, std::size_t index);

// The wait's part of a step's fingerprint text: empty for a step without a wait, so that the
// fingerprints of definitions without waits stay as they were.
std::string fingerprint_text(const StepDefinition& step);

// --- the state machine -------------------------------------------------------------------------

// What the event hooks need of the decision being built (implemented by decide.cpp's Decider).
class DecideOps {
 public:
  virtual ~DecideOps() = default;
  virtual SagaInstance& state() = 0;
  virtual const SagaDefinition& definition() const = 0;
  virtual const Input& input() const = 0;
  // Records `event` (checked against the transition table) and moves the phase.
  virtual void record(Event event, std::int32_t step_index, std::string reason,
                      std::string reply_name) = 0;
  virtual void advance_from(std::int32_t from) = 0;
  virtual void step_failed(std::int32_t i, FailureCause cause, const std::string& reason,
                           const std::string& reply_name, bool run_own_compensation,
                           bool retry_allowed) = 0;
};

// Step `j` is a wait step that applies and whose locks are held: the saga starts waiting.
void begin_wait(DecideOps& ops, std::int32_t j);
// InputKind::kEvent. Nothing when applied; otherwise why the event was ignored.
std::optional<std::string> event_arrived(DecideOps& ops);
// InputKind::kDeadline while the saga waits for an event. Same answer as event_arrived.
std::optional<std::string> wait_timed_out(DecideOps& ops);

// --- questions of the engine -------------------------------------------------------------------

// Whether a saga can take the event named `name`.
enum class EventFit : std::uint8_t {
  kNow = 1,    // it waits for it now
  kLater = 2,  // it has not reached (or may run again) a wait step for it: keep the event
  kNever = 3,  // it ended, compensates, is past every wait for it, or waits for no such event
};
// `why` gets the reason for kNever ("saga o-1 is compensating").
EventFit event_fit(const SagaDefinition& definition, const SagaInstance& instance,
                   std::string_view name, std::string* why);

// The (event name, correlation key) pairs of a saga with `data`: one per keyed wait step whose
// key function gives a non-empty key (a key function that throws gives none).
std::vector<std::pair<std::string, std::string>> event_keys(const SagaDefinition& definition,
                                                            std::string_view data);

// The name of the event the instance waits for now; empty when it waits for none.
std::string awaited_event(const SagaDefinition& definition, const SagaInstance& instance);

}  // namespace events
}  // namespace saga
