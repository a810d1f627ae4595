// The order race driver: the example's three definitions, the services' models and a scenario
// per order in a SimWorld (saga/testing/sim_world.h: one thread, time moved only by the loop,
// every random choice from one SimRandom in a fixed order, ordered containers). The invariants
// are in order_race_checks.cpp. See order_race_simulation.h.
#include "order_race_simulation.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <sstream>
#include <utility>

#include "ftgo/cancel_order_saga.h"
#include "ftgo/revise_order_saga.h"
#include "race.h"
#include "saga/body_codec.h"
#include "saga/engine.h"
#include "saga/transactional_start.h"

namespace order_race {

void OrderRaceStats::add(const OrderRaceStats& o) {
  sagas += o.sagas;
  completed += o.completed;
  compensated += o.compensated;
  cancels_completed += o.cancels_completed;
  revises_completed += o.revises_completed;
  orders_rejected += o.orders_rejected;
  lock_waits += o.lock_waits;
  lock_held_refusals += o.lock_held_refusals;
  refused_preparing += o.refused_preparing;
  revises_declined += o.revises_declined;
  orchestrator_crashes += o.orchestrator_crashes;
  participant_crashes += o.participant_crashes;
  dropped += o.dropped;
  duplicated += o.duplicated;
  operator_retries += o.operator_retries;
  starts_pending_while_down += o.starts_pending_while_down;
}

std::string OrderRaceResult::summary() const {
  std::ostringstream out;
  out << "seed " << seed << ": " << (ok() ? "ok" : "FAILED") << " (sagas " << stats.sagas
      << ", completed " << stats.completed << ", compensated " << stats.compensated
      << ", cancels completed " << stats.cancels_completed << ", revises completed "
      << stats.revises_completed << ", lock waits " << stats.lock_waits << ", lock_held "
      << stats.lock_held_refusals << ", orchestrator crashes " << stats.orchestrator_crashes
      << ", participant crashes " << stats.participant_crashes << ", starts pending while down "
      << stats.starts_pending_while_down << ", dropped " << stats.dropped << ", trace " << std::hex
      << trace_hash << std::dec << ")";
  for (const std::string& v : violations) out << "\n  violation: " << v;
  if (!ok()) out << "\n" << final_state;
  return out.str();
}

namespace {

saga::testing::SimWorldOptions world_options(const OrderRaceConfig& config) {
  saga::testing::SimWorldOptions o = saga::testing::world_options_of(config);
  o.database_file = "orchestrator.db";
  o.trace_crash_points = true;
  return o;
}

}  // namespace

using ftgo::LineItem;
using saga::Envelope;
using saga::Millis;
using saga::SagaDefinition;

Race::~Race() = default;

Race::Race(const OrderRaceConfig& config, std::uint64_t seed)
    : SimWorld(seed, world_options(config)), config_(config), services_(config.breakage) {
  result_.seed = seed;
  for (const char* name : {"order", "consumer", "kitchen", "accounting"}) add_participant(name);
}

OrderRaceResult Race::run() {
  const bool ran = run_world();
  const saga::testing::SimWorldStats& w = world_stats();
  stats_.orchestrator_crashes = w.orchestrator_crashes;
  stats_.participant_crashes = w.participant_crashes;
  stats_.dropped = w.dropped;
  stats_.duplicated = w.duplicated;
  stats_.operator_retries = w.operator_retries;
  result_.violations = violations();
  if (ran) result_.trace_hash = trace_value();
  return result_;
}

bool Race::prepare() {
  if (!load_definitions()) return false;
  plan();
  return true;
}

bool Race::load_definitions() {
  const saga::DefinitionResult made[] = {ftgo::create_order_definition(),
                                         ftgo::cancel_order_definition(),
                                         ftgo::revise_order_definition()};
  for (const saga::DefinitionResult& d : made) {
    if (!d) {
      violation("definition: " + d.status().to_string());
      return false;
    }
    if (!config_.modify_definition) {
      definitions_.push_back(d.value());
      add_definition(d.value());
      continue;
    }
    auto copy = std::make_shared<SagaDefinition>(*d.value());
    config_.modify_definition(*copy);
    add_definition(copy);
    definitions_.push_back(std::move(copy));
  }
  return true;
}

std::vector<LineItem> Race::random_items(bool allow_big) {
  static const char* const kMenu[] = {"vindaloo", "naan", "samosa"};
  std::vector<LineItem> items;
  const std::uint64_t n = 1 + rng().below(3);
  for (std::uint64_t i = 0; i < n; ++i) {
    items.push_back(LineItem{kMenu[rng().below(3)], static_cast<std::int32_t>(1 + rng().below(3))});
  }
  if (allow_big && rng().chance(config_.revise_waits)) {
    items.push_back(LineItem{"vindaloo", 8});  // 103.60: at or over 100.00, the Revise waits
  }
  if (allow_big && rng().chance(config_.revise_over_limit)) {
    items.push_back(LineItem{"vindaloo", 40});  // 518.00: over Ada's card limit of 500.00
  }
  if (allow_big && rng().chance(config_.revise_unknown_item)) {
    items.push_back(LineItem{"burger", 1});  // restaurant 2's: the kitchen refuses it
  }
  return items;
}

// The scenario, drawn before anything runs: orders, their Cancels and Revises, the kitchen.
void Race::plan() {
  auto due = [&](Millis t, const std::string& id) { schedule_start(t, id); };
  for (int i = 0; i < config_.orders; ++i) {
    const std::int64_t order_id = i + 1;
    const Millis created = t0() + Millis{static_cast<std::int64_t>(rng().below(1'000))};
    SagaRecord create;
    create.id = ftgo::saga_id_of_order(order_id);
    create.kind = Kind::kCreate;
    create.order_id = order_id;
    create.items = random_items(false);
    ftgo::CreateOrderData data;
    data.order_id = order_id;
    data.consumer_id = rng().chance(config_.low_limit_consumer) ? 2 : 1;
    data.restaurant_id = 1;
    data.line_items = create.items;
    data.order_total_cents = ftgo_model::total_cents(create.items);
    create.data = saga::encode_body(data).value();
    due(created, create.id);
    sagas_[create.id] = std::move(create);

    auto request_time = [&] {
      return created + Millis{static_cast<std::int64_t>(rng().below(
                           static_cast<std::uint64_t>(config_.request_window.count())))};
    };
    const int cancels = static_cast<int>(rng().below(config_.max_cancels + 1));
    for (int n = 1; n <= cancels; ++n) {
      SagaRecord cancel;
      cancel.id = ftgo::cancel_saga_id(order_id, n);
      cancel.kind = Kind::kCancel;
      cancel.order_id = order_id;
      due(request_time(), cancel.id);
      sagas_[cancel.id] = std::move(cancel);
    }
    const int revises = static_cast<int>(rng().below(config_.max_revises + 1));
    for (int n = 1; n <= revises; ++n) {
      SagaRecord revise;
      revise.id = ftgo::revise_saga_id(order_id, n);
      revise.kind = Kind::kRevise;
      revise.order_id = order_id;
      revise.items = random_items(true);
      due(request_time(), revise.id);
      sagas_[revise.id] = std::move(revise);
    }
    if (rng().chance(500)) {
      kitchen_.emplace(std::make_pair(request_time(), ++seq_),
                       std::make_pair(order_id, KitchenAct::kAccept));
    }
    if (rng().chance(config_.kitchen_prepares)) {
      kitchen_.emplace(std::make_pair(request_time(), ++seq_),
                       std::make_pair(order_id, KitchenAct::kPrepare));
    }
  }
}

void Race::on_send(const Envelope& command) {
  sends_[command.saga_id].push_back(Send{now(), command.step, command.compensation});
}

Envelope Race::handle(const std::string& participant, const Envelope& command) {
  Envelope reply = services_.handle(participant, command);
  trace().add(reply.outcome == saga::Outcome::kSuccess ? "ok" : reply.reason);
  return reply;
}

// Before the first start attempt: the saga's lock mode, and whether another saga holds its key
// now. In manual mode the start is decided and committed inside start_saga(), so this is the
// lock table the start meets.
void Race::note_lock_state(SagaRecord& record, const SagaDefinition& definition) {
  saga::Result<std::vector<saga::LockInfo>> held = engine()->locks();
  for (const saga::LockDeclaration& lock : definition.locks) {
    record.has_lock = true;
    if (lock.mode) record.mode = lock.mode(record.data);
    for (const std::string& key : lock.keys(record.data)) {
      if (!held) continue;
      for (const saga::LockInfo& info : held.value()) {
        if (info.key == key && info.saga_id != record.id) record.key_held_by_other = true;
      }
    }
  }
}

// One request of the Order service (OrderService::create_order / cancel_order / revise_order):
// the saga data comes from the order as it is now; the order change and the saga's start commit
// together (start_in_transaction). True: done with it.
bool Race::start(const std::string& id) {
  SagaRecord& record = sagas_.at(id);
  const ftgo_model::Order* order = nullptr;
  if (auto it = services_.orders.find(record.order_id); it != services_.orders.end()) {
    order = &it->second;
  }
  if (record.kind == Kind::kCancel && record.data.empty()) {
    ftgo::CancelOrderData data;
    data.order_id = record.order_id;
    data.consumer_id = order->consumer_id;
    data.order_total_cents = order->total_cents;
    record.data = saga::encode_body(data).value();
  } else if (record.kind == Kind::kRevise && record.data.empty()) {
    ftgo::ReviseOrderData data;
    data.order_id = record.order_id;
    data.consumer_id = order->consumer_id;
    data.restaurant_id = order->restaurant_id;
    data.line_items = record.items;
    data.order_total_cents = ftgo_model::total_cents(record.items);
    data.previous_total_cents = order->total_cents;  // for the lock's mode (by value)
    record.data = saga::encode_body(data).value();
  }
  const SagaDefinition& d = definition(record.kind);
  // Starts an engine left in the file when it crashed go first (they are ahead in the queue),
  // so that the lock table noted here is the one this start meets.
  if (starts_pending()) {
    engine()->notify_starts();
    if (!engine()->run_once(Millis{0})) {
      crash_engine(true);
      return false;
    }
  }
  note_lock_state(record, d);
  if (!start_in_transaction(record, d)) return true;
  if (record.kind == Kind::kCreate) {
    // The order row: committed with its saga's start (no crash can come between here).
    ftgo::CreateOrderData data = saga::decode_body<ftgo::CreateOrderData>(record.data).value();
    services_.insert_order(record.order_id, data);
  }
  trace().add("start");
  trace().add(record.id);
  record.started = true;
  // The engine takes it at once (a start is staged before the replies of its batch), so the
  // lock table noted above is the one the start meets, and the next start sees its lock. A
  // crash at a crash point of that commit leaves the start in the file for the next engine.
  engine()->notify_starts();
  if (!engine()->run_once(Millis{0})) crash_engine(true);
  return true;
}

// The Order service's transaction: the start row, committed on the service's own connection.
bool Race::start_in_transaction(SagaRecord& record, const SagaDefinition& definition) {
  try {
    if (!orders_db_) {
      orders_db_ =
          std::make_unique<SQLite::Database>(database_path(), SQLite::OPEN_READWRITE, 5'000);
    }
    SQLite::Transaction tx(*orders_db_, SQLite::TransactionBehavior::IMMEDIATE);
    saga::StartOptions options;
    options.id = record.id;
    saga::Result<std::string> started =
        saga::start_saga_in_transaction(*orders_db_, definition.name, record.data, options);
    if (!started) {
      violation("start " + record.id + ": " + started.status().to_string());
      return false;
    }
    tx.commit();
    return true;
  } catch (const std::exception& e) {
    violation("start " + record.id + ": " + e.what());
    return false;
  }
}

// Whether the file holds starts that no engine has taken yet.
bool Race::starts_pending() {
  if (!orders_db_) return false;
  try {
    return orders_db_->execAndGet("SELECT count(*) FROM saga_start_requests").getInt64() > 0;
  } catch (const std::exception& e) {
    violation(std::string("pending starts: ") + e.what());
    return false;
  }
}

// While the orchestrator is down: every placed order has its Create Order saga in the file, as
// an instance or as a pending start (one query), and the pending starts are counted.
void Race::check_orders_while_down() {
  if (engine() != nullptr || !orders_db_) return;
  try {
    SQLite::Statement q(*orders_db_,
                        "SELECT (SELECT count(*) FROM saga_instances WHERE id = ?1), "
                        "(SELECT count(*) FROM saga_start_requests WHERE saga_id = ?1)");
    for (const auto& [id, record] : sagas_) {
      if (!record.started) continue;
      q.bind(1, id);
      if (!q.executeStep()) continue;
      const std::int64_t instances = q.getColumn(0).getInt64();
      const std::int64_t pending = q.getColumn(1).getInt64();
      q.reset();
      if (instances + pending != 1) {
        violation("while the orchestrator is down, saga " + id + " has " +
                  std::to_string(instances) + " instances and " + std::to_string(pending) +
                  " pending starts (want exactly one)");
      }
      stats_.starts_pending_while_down += static_cast<std::uint64_t>(pending);
    }
  } catch (const std::exception& e) {
    violation(std::string("orders check: ") + e.what());
  }
}

Millis Race::next_event(Millis next) const {
  return kitchen_.empty() ? next : std::min(next, kitchen_.begin()->first.first);
}

// The restaurant's staff: accept the ticket, or start preparing it. A refusal (no ticket yet,
// not confirmed yet, a saga holds it) is tried again a little later, while it can still work.
void Race::on_turn() {
  check_orders_while_down();
  while (!kitchen_.empty() && kitchen_.begin()->first.first <= now()) {
    const auto [order_id, act] = kitchen_.begin()->second;
    kitchen_.erase(kitchen_.begin());
    const bool done = act == KitchenAct::kAccept ? services_.accept_ticket(order_id)
                                                 : services_.start_preparing(order_id);
    trace().add(act == KitchenAct::kAccept ? "accept" : "prepare");
    trace().add(done ? 1 : 0);
    if (done) continue;
    auto ticket = services_.tickets.find(order_id);
    const std::string state = ticket == services_.tickets.end() ? "" : ticket->second.state;
    const bool hopeless = state == "CANCELLED" || state == "CREATE_REJECTED" ||
                          state == "PREPARING" ||
                          (act == KitchenAct::kAccept && state == "ACCEPTED");
    if (!hopeless && faulty()) {
      kitchen_.emplace(std::make_pair(now() + Millis{300}, ++seq_), std::make_pair(order_id, act));
    }
  }
}

OrderRaceResult simulate_order_race(const OrderRaceConfig& config, std::uint64_t seed) {
  Race race(config, seed);
  return race.run();
}

}  // namespace order_race
