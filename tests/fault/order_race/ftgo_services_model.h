// In-memory models of the Create Order example's four participant services (Order, Consumer,
// Kitchen, Accounting) for the order race simulation (order_race_simulation.h).
//
// Each model applies the same domain rules, with the same failure reasons, as the example's
// SQLite services (examples/create_order/*_service.cpp, order_changes.cpp, seed_data.h):
//   order     APPROVAL_PENDING -> APPROVED | REJECTED; APPROVED -> CANCEL_PENDING -> CANCELLED
//             or back; APPROVED -> REVISION_PENDING -> APPROVED (new items, version + 1) or
//             back; Begin* only from APPROVED ("order_locked" while *_PENDING); the reread of
//             ConfirmReviseOrder ("order_changed").
//   consumer  ValidateOrderByConsumer: consumer_invalid / consumer_disabled /
//             consumer_limit_exceeded.
//   kitchen   tickets CREATE_PENDING -> AWAITING_ACCEPTANCE -> ACCEPTED -> PREPARING, or
//             CREATE_REJECTED; CANCEL_PENDING / REVISION_PENDING with the state to go back to;
//             "ticket_being_prepared" once PREPARING; the restaurant's accept/start_preparing.
//   accounting authorizations AUTHORIZED -> REVERSED, revised amounts under the card's limit
//             (CardDeclined), and each consumer's balance kept by deltas.
// Commands and replies are the example's message types, decoded and encoded with
// saga::decode_body / encode_body in the command's content type (JSON for accounting).
//
// Delivery semantics are the participant library's: an idempotent inbox per service
// (message_id -> stored reply: a duplicate gets the same reply and changes nothing) and a
// barrier per (saga, step): a compensation whose action never succeeded is a null
// compensation, an action after its compensation is refused with "compensated", RejectOrder
// runs without a barrier (BarrierMode::kNone).
//
// `Breakage` switches one rule off, so a test can check that the simulation catches it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ftgo/messages.h"
#include "saga/envelope.h"

namespace ftgo_model {

using ftgo::LineItem;

struct Order {
  std::int64_t consumer_id = 0;
  std::int64_t restaurant_id = 0;
  std::int64_t total_cents = 0;
  std::vector<LineItem> items;
  std::string state;
  std::int64_t version = 1;
  std::string locked_by;  // the Cancel/Revise saga holding the order, or empty
};

struct Ticket {
  std::int64_t id = 0;
  std::string state;
  std::vector<LineItem> items;
  std::string locked_by;  // the Cancel/Revise saga holding the ticket, or empty
  std::string previous_state;
};

struct Authorization {
  std::int64_t consumer_id = 0;
  std::int64_t amount_cents = 0;
  std::string state;
};

// Rules a test may break on purpose (the simulation must notice).
enum class Breakage {
  kNone,
  kKitchenCancelsPreparingTicket,  // BeginCancelTicket accepts a PREPARING ticket
  kReviseSkipsBalance,             // ReviseAuthorization forgets the balance delta
  kOrderIgnoresLock,               // BeginCancel/BeginRevise also take a *_PENDING order
};

// The example's seed data (seed_data.h): menu prices of restaurant 1, card limits.
std::int64_t price_cents(const std::string& menu_item);  // 0 for an unknown item
std::int64_t total_cents(const std::vector<LineItem>& items);
std::int64_t card_limit_cents(std::int64_t consumer_id);

class FtgoServices {
 public:
  explicit FtgoServices(Breakage breakage = Breakage::kNone) : breakage_(breakage) {}

  // OrderService::create_order's first transaction: the order, APPROVAL_PENDING.
  void insert_order(std::int64_t order_id, const ftgo::CreateOrderData& data);
  // KitchenService: the restaurant's local transactions; false when the rule refuses.
  bool accept_ticket(std::int64_t order_id);
  bool start_preparing(std::int64_t order_id);

  // One delivery of `command` to `participant` ("order", "consumer", "kitchen", "accounting"):
  // the reply, from the inbox or from running the handler behind the barrier.
  saga::Envelope handle(const std::string& participant, const saga::Envelope& command);

  std::map<std::int64_t, Order> orders;
  std::map<std::int64_t, Ticket> tickets;                // by order id
  std::map<std::int64_t, Authorization> authorizations;  // by order id
  std::map<std::int64_t, std::int64_t> balances;         // accounting's consumer_balances
  std::map<std::int64_t, std::string> validations;
  std::set<std::int64_t> prepared;  // orders whose food the restaurant started cooking
  std::uint64_t duplicates = 0;
  std::uint64_t null_compensations = 0;
  std::uint64_t refused_compensated = 0;

  struct Reply {
    saga::Outcome outcome = saga::Outcome::kSuccess;
    std::string name;
    std::string reason;
    std::function<saga::Result<std::string>(saga::ContentType)> body;  // absent: empty
  };

 private:
  struct Handler {
    bool compensation = false;
    bool barrier = true;
    // Nothing: the body does not decode (malformed_command, not stored).
    std::function<std::optional<Reply>(const saga::Envelope&)> run;
  };
  struct Barrier {
    bool action_done = false;
    bool compensation_done = false;
  };
  struct Service {
    std::map<std::string, Handler> handlers;
    std::map<std::string, saga::Envelope> inbox;
    std::map<std::pair<std::string, std::string>, Barrier> barrier;
  };

  template <typename Cmd, typename F>
  void on(const std::string& service, F handler, bool compensation = false, bool barrier = true);
  void register_handlers();
  Reply run(const Handler& handler, const saga::Envelope& command, bool* malformed);

  // The handlers, as in the example.
  Reply reject_order(const ftgo::RejectOrder& c);
  Reply approve_order(const ftgo::ApproveOrder& c);
  Reply begin_cancel(const ftgo::BeginCancelOrder& c, const std::string& saga);
  Reply undo_begin_cancel(const ftgo::UndoBeginCancelOrder& c, const std::string& saga);
  Reply confirm_cancel(const ftgo::ConfirmCancelOrder& c, const std::string& saga);
  Reply begin_revise(const ftgo::BeginReviseOrder& c, const std::string& saga);
  Reply undo_begin_revise(const ftgo::UndoBeginReviseOrder& c, const std::string& saga);
  Reply confirm_revise(const ftgo::ConfirmReviseOrder& c, const std::string& saga);
  Reply validate(const ftgo::ValidateOrderByConsumer& c);
  Reply create_ticket(const ftgo::CreateTicket& c);
  Reply cancel_create_ticket(const ftgo::CancelCreateTicket& c);
  Reply confirm_create_ticket(const ftgo::ConfirmCreateTicket& c);
  Reply begin_ticket_change(std::int64_t order_id, const std::string& pending,
                            const std::string& saga, const std::vector<LineItem>* items,
                            std::int64_t restaurant_id);
  Reply undo_ticket_change(std::int64_t order_id, const std::string& pending,
                           const std::string& saga);
  Reply confirm_cancel_ticket(const ftgo::ConfirmCancelTicket& c, const std::string& saga);
  Reply confirm_revise_ticket(const ftgo::ConfirmReviseTicket& c, const std::string& saga);
  Reply authorize(const ftgo::AuthorizeCard& c);
  Reply reverse(const ftgo::ReverseAuthorization& c);
  Reply revise(const ftgo::ReviseAuthorization& c);

  Breakage breakage_;
  std::map<std::string, Service> services_;
  std::int64_t next_ticket_id_ = 1;
  std::uint64_t reply_seq_ = 0;
};

}  // namespace ftgo_model
