// FtgoWorld: the real engine (manual mode, a real SQLite file, a virtual clock) with small
// in-memory models of the FTGO services, for the workshop's checks of exercises 10 and 11.
//
// The services answer with the example's typed replies (examples/ftgo/include/ftgo/messages.h)
// and keep the state a check asserts on: each order's state, total and version (with the Order
// service's own semantic lock: Begin{Cancel,Revise}Order take the order only from APPROVED, else
// fail "order_locked"), each ticket's state, and each card authorization. Every service keeps an
// inbox by message_id, so a resent command is answered again without being applied again.
//
// Accounting can be told to hold the AuthorizeCard of one order (a slow authorization the test
// releases), to go silent (commands arrive, no reply), or to be slow (each reply arrives
// `delay` of virtual time after its command). run() moves the virtual clock and lets the engine
// work: replies that fall due are delivered in order, each at its own time.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ftgo/messages.h"
#include "saga/engine.h"
#include "saga/testing/in_memory_transport.h"
#include "saga/testing/temp_dir.h"

namespace workshop {

struct OrderState {
  std::string state;  // APPROVAL_PENDING, APPROVED, REJECTED, CANCEL_PENDING, CANCELLED, ...
  std::int64_t total_cents = 0;
  std::int64_t version = 1;
  std::string locked_by;  // the saga holding a CANCEL_PENDING / REVISION_PENDING lock
};

struct Authorization {
  std::int64_t amount_cents = 0;
  bool reversed = false;
  int applied = 0;  // times the business effect ran (never more than once if idempotent)
};

enum class AccountingMode : std::uint8_t { kNormal, kSilent, kSlow };

class FtgoWorld {
 public:
  // Opens the engine with `definitions` registered and `limits` for the participants named.
  explicit FtgoWorld(std::vector<std::shared_ptr<const saga::SagaDefinition>> definitions,
                     std::map<std::string, saga::ParticipantLimits> limits = {});
  ~FtgoWorld();
  FtgoWorld(const FtgoWorld&) = delete;
  FtgoWorld& operator=(const FtgoWorld&) = delete;

  saga::Status status() const { return status_; }  // of opening the engine

  // Starts Create Order for a new order (Ada's vindaloo, `total_cents`): saga "order-<id>".
  std::string create_order(std::int64_t order_id, std::int64_t total_cents = 2'940);
  // Starts Cancel Order (saga "cancel-<id>-1") and Revise Order (saga "revise-<id>-1").
  std::string cancel_order(std::int64_t order_id);
  std::string revise_order(std::int64_t order_id, std::int64_t new_total_cents);

  // AuthorizeCard for this order gets no reply until release_authorization(): Create Order is
  // still running while the test asks for a change.
  void hold_authorization(std::int64_t order_id) { held_order_ = order_id; }
  void release_authorization();
  void set_accounting(AccountingMode mode, saga::Millis delay = saga::Millis{0});

  // Moves virtual time forward by `by`, `step` at a time, delivering due replies and letting
  // the engine fire its timers after each step.
  void run(saga::Millis by, saga::Millis step = saga::Millis{10});
  // run() until every listed saga ended or `limit` passed; true when they all ended.
  bool run_until_ended(const std::vector<std::string>& ids, saga::Millis limit);

  saga::SagaInstance saga(const std::string& id);
  std::vector<saga::HistoryEntry> history(const std::string& id);
  // "started", "lock_waiting", ... of the saga's history.
  std::vector<std::string> events(const std::string& id);
  // Commands sent to saga `id`, by name, in order (resends included).
  std::vector<std::string> commands_of(const std::string& id);
  int deliveries(const std::string& command) const;
  bool breaker_ever_opened(const std::string& participant) const;
  saga::Millis now() const;

  const std::map<std::int64_t, OrderState>& orders() const { return orders_; }
  const std::map<std::int64_t, Authorization>& authorizations() const { return authorizations_; }
  const std::map<std::int64_t, std::string>& tickets() const { return tickets_; }
  saga::Engine& engine() { return *engine_; }

 private:
  struct Pending {
    saga::Millis due;
    saga::Envelope reply;
  };
  std::vector<saga::Envelope> handle(const saga::Envelope& command);
  std::optional<saga::Envelope> apply(const saga::Envelope& command);
  std::optional<saga::Envelope> order_service(const saga::Envelope& c);
  std::optional<saga::Envelope> kitchen_service(const saga::Envelope& c);
  std::optional<saga::Envelope> accounting_service(const saga::Envelope& c);
  void pump();

  saga::testing::TempDir dir_;
  std::shared_ptr<saga::testing::InMemoryTransport> transport_;
  std::shared_ptr<saga::VirtualClock> clock_;
  std::unique_ptr<saga::Engine> engine_;
  saga::Status status_;
  std::map<std::int64_t, OrderState> orders_;
  std::map<std::int64_t, std::string> tickets_;  // by order id
  std::map<std::int64_t, Authorization> authorizations_;
  std::map<std::string, saga::Envelope> inbox_;  // message_id -> reply
  std::map<std::string, int> deliveries_;
  std::vector<Pending> pending_;
  std::optional<saga::Envelope> held_;
  std::int64_t held_order_ = 0;
  AccountingMode accounting_ = AccountingMode::kNormal;
  saga::Millis accounting_delay_{0};
  std::set<std::string> breaker_opened_;  // participants whose breaker was ever open
  int replies_ = 0;
};

}  // namespace workshop
