// VersionFile: the version-file countermeasure (Garcia-Molina and Salem's; Richardson,
// Microservices Patterns §4.3) for operations on one entity that do not commute.
//
// A participant may receive the operations on one entity out of order: Accounting gets "cancel
// authorization" for order 16 before "authorize card" for order 16, because the authorize was
// delayed on the wire and nothing orders the two senders (sagas without a semantic lock on the
// order, or services that react to each other's events: choreography). Applied as they come,
// the late authorize makes an authorization that nobody will ever reverse.
//
// A VersionFile declares the order in which the operations on one kind of entity take effect
// ({"authorize", "cancel"}) and records, in the participant's SQLite file (table
// `saga_version_file`), every operation a handler receives for an entity: which operation,
// for which saga and step, with which message id, and whether it was applied. record() is
// called by the handler, first, inside the command's transaction:
//   - no operation that comes LATER in the declared order has been recorded for the entity:
//     the verdict is apply(); the handler makes the operation's effect. Operations that arrive
//     in the declared order are all applied, in that order.
//   - a later operation has been recorded already (the cancel came first): the verdict is a
//     no-op; superseded_by() names the later operation, and the handler must change nothing
//     (and, typically, answer failure(kReasonSuperseded)). The later operation's handler ran
//     when nothing earlier had happened ("cancel" of an authorization that does not exist:
//     nothing to reverse), so the entity ends as the declared order would have left it
//     (authorize, then cancel: no authorization) -- the two operations commute.
// Operations of the same place in the order never supersede each other; operations on other
// entities never interact. The record is a row written in the handler's savepoint: it commits
// if and only if the handler's effects do (a handler that throws leaves no record, and a
// resend is judged afresh). A resend of the same message id never reaches the handler (the
// inbox answers it), so it is not recorded twice.
//
// The trade-off: every operation on the entity leaves a row (the file grows with the traffic
// and is never pruned by the library), each handler reads the entity's rows first, and the
// declared order is domain knowledge the participant must get right. A late operation is
// dropped, not replayed after the later one: this fits operations that the later one cancels
// out (authorize / reverse), not two effects that must both happen in any order (those need
// commutative updates).
//
// Errors: define() fails with kInvalidArgument for an empty entity kind, no operations, an
// empty or repeated operation name. record() with an operation not in the declared order
// throws std::invalid_argument (a programming error: the handler fails with handler_error).
// A database error in record() or history() from a handler behaves as in
// HandlerContext::lock(): it throws HandlerInterrupted, the whole batch is rolled back and gets
// no reply (stats().store_errors), and the orchestrator's resend is handled afresh.
//
// A VersionFile is an immutable value: define it once and share it between handlers and
// threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "saga/participant.h"
#include "saga/participant_sql.h"
#include "saga/status.h"

namespace saga {

// The reason a handler answers a superseded operation with (failure(kReasonSuperseded, ...)).
inline constexpr std::string_view kReasonSuperseded = "superseded";

// One operation recorded for an entity, as stored in saga_version_file.
struct VersionRecord {
  std::string entity;     // "<entity kind>:<entity id>", "authorization:16"
  std::string operation;  // "cancel"
  std::int64_t rank = 0;  // its place in the declared order, 0 first
  std::string saga_id;    // the command's saga and step
  std::string step;
  std::string message_id;
  bool applied = false;  // false: a no-op, superseded by a later operation
  friend bool operator==(const VersionRecord&, const VersionRecord&) = default;
};

// What record() decided for the operation just received.
class [[nodiscard]] VersionVerdict {
 public:
  // True: make the operation's effect. False: a no-op; change nothing.
  bool apply() const { return !superseded_by_; }
  explicit operator bool() const { return apply(); }
  // A no-op's reason: the later operation recorded first (its first arrival).
  const std::optional<VersionRecord>& superseded_by() const { return superseded_by_; }

 private:
  friend class VersionFile;
  explicit VersionVerdict(std::optional<VersionRecord> superseded_by)
      : superseded_by_(std::move(superseded_by)) {}
  std::optional<VersionRecord> superseded_by_;
};

class VersionFile {
 public:
  // `entity_kind` names the entity ("authorization"); `order` lists its operations in the
  // order they take effect ({"authorize", "cancel"}).
  static Result<VersionFile> define(std::string entity_kind, std::vector<std::string> order);

  const std::string& entity_kind() const { return entity_kind_; }
  const std::vector<std::string>& order() const { return order_; }

  // Records `operation` on entity `entity_id` for the command `context` handles (its saga,
  // step and message id) and returns the verdict (see above). Call it before making any
  // effect, in the handler.
  VersionVerdict record(HandlerContext& context, std::string_view entity_id,
                        std::string_view operation) const;

  // Every operation recorded for `entity_id`, in arrival order (inside the handler's
  // transaction when `context` is a handler's).
  std::vector<VersionRecord> history(HandlerContext& context, std::string_view entity_id) const;

  // Creates saga_version_file when missing. Participant::open() does it for its database; for
  // a database a Participant never opened (tests, tools).
  static Status create_table(Sql& db);

 private:
  VersionFile(std::string entity_kind, std::vector<std::string> order)
      : entity_kind_(std::move(entity_kind)), order_(std::move(order)) {}

  std::string entity_kind_;
  std::vector<std::string> order_;
};

}  // namespace saga
