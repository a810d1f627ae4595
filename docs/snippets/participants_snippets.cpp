// docs/participants.md: CURVE keys for a participant; semantic locks in handlers.
// docs/operations.md: inbox retention.
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "saga/curve.h"
#include "saga/participant.h"

namespace snippets {

saga::ParticipantOptions curve_participant() {
  saga::CurveKeyPair server = saga::generate_curve_keypair().value();
  saga::CurveKeyPair orchestrator = saga::generate_curve_keypair().value();  // on the other side

  saga::ParticipantOptions options;
  options.endpoint = "tcp://0.0.0.0:7001";
  options.database_path = "kitchen.db";
  options.curve =
      saga::CurveServerKeys{server.public_key, server.secret_key, {orchestrator.public_key}};
  return options;
}

// docs/operations.md, "Participant inboxes": inbox retention.
saga::ParticipantOptions inbox_retention() {
  saga::ParticipantOptions options;
  options.inbox_keep = std::chrono::hours(24 * 7);
  // The longest resend horizon of the sagas that send here; from the orchestrator's definitions:
  //   saga::resend_horizon(definition)   (saga/resend_horizon.h; nothing when unlimited)
  options.resend_horizon = std::chrono::hours(1);
  return options;
}

// The Order service of a Revise Order saga: the order stays locked from the revision's first
// command to its last, so that a Cancel Order saga cannot change it in between.
struct BeginRevision {
  static constexpr std::string_view kMessageName = "BeginRevision";
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
};

struct UndoBeginRevision {
  static constexpr std::string_view kMessageName = "UndoBeginRevision";
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
};

struct ConfirmRevision {
  static constexpr std::string_view kMessageName = "ConfirmRevision";
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
};

struct BeginCancel {
  static constexpr std::string_view kMessageName = "BeginCancel";
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
};

struct Done {
  static constexpr std::string_view kMessageName = "Done";
  template <class A>
  void serialize(A&) {}
};

void set_state(saga::HandlerContext& context, std::int64_t order_id, const std::string& state) {
  auto updated = context.db().exec("UPDATE orders SET state = ? WHERE id = ?", {state, order_id});
  if (!updated) throw std::runtime_error(updated.status().to_string());
}

void lock_handlers(saga::Participant& orders) {
  // Revise Order, first step: lock the order, or fail with "locked" if another saga has it.
  orders.on<BeginRevision>([](const BeginRevision& command, saga::HandlerContext& context) {
    saga::LockResult lock = context.lock("order:" + std::to_string(command.order_id));
    if (!lock) return lock.refusal();  // failure "locked", payload LockRefused{key, holder}
    set_state(context, command.order_id, "revision_pending");
    return saga::success(Done{});
  });

  // Its compensation ends the saga here: release everything the saga holds.
  orders.on_compensation<UndoBeginRevision>(
      [](const UndoBeginRevision& command, saga::HandlerContext& context) {
        set_state(context, command.order_id, "approved");
        context.unlock_all();
        return saga::success(Done{});
      });

  // Its last step to this service: the order is free again.
  orders.on<ConfirmRevision>([](const ConfirmRevision& command, saga::HandlerContext& context) {
    set_state(context, command.order_id, "revised");
    context.unlock("order:" + std::to_string(command.order_id));
    return saga::success(Done{});
  });

  // Cancel Order waits for a revision in progress instead of failing: the command is held,
  // unanswered, and runs again from the start right after the revision releases the order.
  orders.on<BeginCancel>([](const BeginCancel& command, saga::HandlerContext& context) {
    (void)context.lock("order:" + std::to_string(command.order_id), saga::LockConflict::kHold);
    set_state(context, command.order_id, "cancel_pending");
    return saga::success(Done{});
  });
}

}  // namespace snippets
