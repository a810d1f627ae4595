// The order race driver: a seeded event loop around the real engine in manual mode, after
// tests/support/src/simulation.cpp (one thread, time moved only by the loop, every random
// choice from one SimRandom in a fixed order, ordered containers), with several definitions,
// stateful service models and a scenario per order. See order_race_simulation.h.
#include "order_race_simulation.h"

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <utility>

#include "ftgo/cancel_order_saga.h"
#include "ftgo/create_order_saga.h"
#include "ftgo/revise_order_saga.h"
#include "saga/body_codec.h"
#include "saga/engine.h"
#include "saga/testing/temp_dir.h"

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
}

std::string OrderRaceResult::summary() const {
  std::ostringstream out;
  out << "seed " << seed << ": " << (ok() ? "ok" : "FAILED") << " (sagas " << stats.sagas
      << ", completed " << stats.completed << ", compensated " << stats.compensated
      << ", cancels completed " << stats.cancels_completed << ", revises completed "
      << stats.revises_completed << ", lock waits " << stats.lock_waits << ", lock_held "
      << stats.lock_held_refusals << ", orchestrator crashes " << stats.orchestrator_crashes
      << ", participant crashes " << stats.participant_crashes << ", dropped " << stats.dropped
      << ", trace " << std::hex << trace_hash << std::dec << ")";
  for (const std::string& v : violations) out << "\n  violation: " << v;
  if (!ok()) out << "\n" << final_state;
  return out.str();
}

namespace {

using ftgo::LineItem;
using ftgo_model::Breakage;
using saga::Envelope;
using saga::Millis;
using saga::Phase;
using saga::SagaDefinition;

// FNV-1a over everything that happens, in order.
class TraceHash {
 public:
  void add(std::string_view s) {
    for (unsigned char c : s) mix(c);
    mix(0xff);
  }
  void add(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) mix(static_cast<unsigned char>(v >> (8 * i)));
  }
  std::uint64_t value() const { return h_; }

 private:
  void mix(unsigned char c) {
    h_ ^= c;
    h_ *= 0x100000001b3ULL;
  }
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

struct NetEvent {
  bool to_participant = true;  // a command; otherwise a reply to the orchestrator
  std::string participant;
  Envelope envelope;
  std::uint64_t participant_epoch = 0;
  std::uint64_t orchestrator_epoch = 0;
};

// A service process: its state lives in FtgoServices (durable); only replies in flight die.
struct ServiceNode {
  bool up = true;
  std::uint64_t epoch = 0;
  Millis restart_at{0};
};

enum class Kind { kCreate, kCancel, kRevise };

// One saga the scenario asks for, and what the driver learns about it.
struct SagaRecord {
  std::string id;
  Kind kind = Kind::kCreate;
  std::int64_t order_id = 0;
  std::vector<LineItem> items;  // Create: the order's; Revise: the revision's
  std::string data;             // encoded when first requested
  bool started = false;
  // At the first start attempt: the saga's lock mode and whether another saga held its key.
  bool has_lock = false;
  saga::LockMode mode = saga::LockMode::kWait;
  bool key_held_by_other = false;
};

struct Send {
  Millis at{0};
  std::string step;
  bool compensation = false;
};

enum class KitchenAct { kAccept, kPrepare };

class Race;

class RaceTransport final : public saga::Transport {
 public:
  explicit RaceTransport(Race& race) : race_(race) {}
  saga::Status send(std::string_view participant, const Envelope& command) override;
  void poll(Millis, std::vector<Envelope>& out, std::size_t max) override;
  void wake() override {}
  saga::TransportStats stats() const override { return stats_; }

 private:
  Race& race_;
  saga::TransportStats stats_;
};

class Race {
 public:
  Race(const OrderRaceConfig& config, std::uint64_t seed)
      : config_(config),
        rng_(seed),
        services_(config.breakage),
        clock_(std::make_shared<saga::VirtualClock>(Millis{1'000'000})),
        transport_(std::make_shared<RaceTransport>(*this)) {
    result_.seed = seed;
    for (const char* name : {"order", "consumer", "kitchen", "accounting"}) nodes_[name];
  }

  OrderRaceResult run();
  saga::Status on_send(std::string_view participant, const Envelope& command);
  void take_replies(std::vector<Envelope>& out, std::size_t max) {
    while (!inbox_.empty() && out.size() < max) {
      out.push_back(std::move(inbox_.front()));
      inbox_.pop_front();
    }
  }

 private:
  Millis now() const { return clock_->now(); }
  bool faulty() const { return now() < fault_end_; }
  std::string at(Millis t) const { return std::to_string((t - t0_).count()) + " ms"; }
  void violation(std::string v) { result_.violations.push_back(std::move(v)); }
  bool load_definitions();
  void plan();
  std::vector<LineItem> random_items(bool allow_big);
  void route(NetEvent event);
  void deliver(NetEvent event);
  bool open_engine();
  void crash_engine(bool at_crash_point);
  void start_due_sagas();
  bool start(SagaRecord& record);
  void note_lock_state(SagaRecord& record, const SagaDefinition& definition);
  void run_kitchen();
  void inject_faults();
  bool all_ended();
  void check();
  void check_order(std::int64_t order_id, const std::vector<const SagaRecord*>& sagas);
  const SagaDefinition& definition(Kind kind) const {
    return *definitions_[static_cast<std::size_t>(kind)];
  }

  const OrderRaceConfig& config_;
  saga::testing::SimRandom rng_;
  TraceHash trace_;
  OrderRaceResult result_;
  OrderRaceStats& stats_ = result_.stats;
  ftgo_model::FtgoServices services_;
  std::shared_ptr<saga::VirtualClock> clock_;
  std::shared_ptr<RaceTransport> transport_;
  saga::testing::TempDir dir_;
  std::vector<std::shared_ptr<const SagaDefinition>> definitions_;  // by Kind
  std::unique_ptr<saga::Engine> engine_;
  std::uint64_t orchestrator_epoch_ = 0;
  Millis t0_{0};
  Millis engine_restart_at_{0};
  Millis fault_end_{0};
  std::map<std::string, ServiceNode> nodes_;
  std::map<std::pair<Millis, std::uint64_t>, NetEvent> events_;
  std::uint64_t seq_ = 0;
  std::deque<Envelope> inbox_;               // replies that reached the orchestrator's socket
  std::map<std::string, SagaRecord> sagas_;  // by saga id
  std::map<std::pair<Millis, std::uint64_t>, std::string> starts_;  // due -> saga id
  std::map<std::pair<Millis, std::uint64_t>, std::pair<std::int64_t, KitchenAct>> kitchen_;
  std::map<std::string, std::vector<Send>> sends_;  // by saga id
  std::map<std::string, int> operator_retries_;
};

saga::Status RaceTransport::send(std::string_view participant, const Envelope& command) {
  return race_.on_send(participant, command);
}

void RaceTransport::poll(Millis, std::vector<Envelope>& out, std::size_t max) {
  const std::size_t before = out.size();
  race_.take_replies(out, max);
  stats_.received += out.size() - before;
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
      continue;
    }
    auto copy = std::make_shared<SagaDefinition>(*d.value());
    config_.modify_definition(*copy);
    definitions_.push_back(std::move(copy));
  }
  return true;
}

std::vector<LineItem> Race::random_items(bool allow_big) {
  static const char* const kMenu[] = {"vindaloo", "naan", "samosa"};
  std::vector<LineItem> items;
  const std::uint64_t n = 1 + rng_.below(3);
  for (std::uint64_t i = 0; i < n; ++i) {
    items.push_back(LineItem{kMenu[rng_.below(3)], static_cast<std::int32_t>(1 + rng_.below(3))});
  }
  if (allow_big && rng_.chance(config_.revise_waits)) {
    items.push_back(LineItem{"vindaloo", 8});  // 103.60: at or over 100.00, the Revise waits
  }
  if (allow_big && rng_.chance(config_.revise_over_limit)) {
    items.push_back(LineItem{"vindaloo", 40});  // 518.00: over Ada's card limit of 500.00
  }
  if (allow_big && rng_.chance(config_.revise_unknown_item)) {
    items.push_back(LineItem{"burger", 1});  // restaurant 2's: the kitchen refuses it
  }
  return items;
}

// The scenario, drawn before anything runs: orders, their Cancels and Revises, the kitchen.
void Race::plan() {
  auto due = [&](Millis t, const std::string& id) {
    starts_.emplace(std::make_pair(t, ++seq_), id);
  };
  for (int i = 0; i < config_.orders; ++i) {
    const std::int64_t order_id = i + 1;
    const Millis created = t0_ + Millis{static_cast<std::int64_t>(rng_.below(1'000))};
    SagaRecord create;
    create.id = ftgo::saga_id_of_order(order_id);
    create.kind = Kind::kCreate;
    create.order_id = order_id;
    create.items = random_items(false);
    ftgo::CreateOrderData data;
    data.order_id = order_id;
    data.consumer_id = rng_.chance(config_.low_limit_consumer) ? 2 : 1;
    data.restaurant_id = 1;
    data.line_items = create.items;
    data.order_total_cents = ftgo_model::total_cents(create.items);
    create.data = saga::encode_body(data).value();
    due(created, create.id);
    sagas_[create.id] = std::move(create);

    auto request_time = [&] {
      return created + Millis{static_cast<std::int64_t>(
                           rng_.below(static_cast<std::uint64_t>(config_.request_window.count())))};
    };
    const int cancels = static_cast<int>(rng_.below(config_.max_cancels + 1));
    for (int n = 1; n <= cancels; ++n) {
      SagaRecord cancel;
      cancel.id = ftgo::cancel_saga_id(order_id, n);
      cancel.kind = Kind::kCancel;
      cancel.order_id = order_id;
      due(request_time(), cancel.id);
      sagas_[cancel.id] = std::move(cancel);
    }
    const int revises = static_cast<int>(rng_.below(config_.max_revises + 1));
    for (int n = 1; n <= revises; ++n) {
      SagaRecord revise;
      revise.id = ftgo::revise_saga_id(order_id, n);
      revise.kind = Kind::kRevise;
      revise.order_id = order_id;
      revise.items = random_items(true);
      due(request_time(), revise.id);
      sagas_[revise.id] = std::move(revise);
    }
    if (rng_.chance(500)) {
      kitchen_.emplace(std::make_pair(request_time(), ++seq_),
                       std::make_pair(order_id, KitchenAct::kAccept));
    }
    if (rng_.chance(config_.kitchen_prepares)) {
      kitchen_.emplace(std::make_pair(request_time(), ++seq_),
                       std::make_pair(order_id, KitchenAct::kPrepare));
    }
  }
}

saga::Status Race::on_send(std::string_view participant, const Envelope& command) {
  auto it = nodes_.find(std::string(participant));
  if (it == nodes_.end()) return saga::not_found("no participant " + std::string(participant));
  trace_.add("send");
  trace_.add(command.message_id);
  trace_.add(command.attempt);
  sends_[command.saga_id].push_back(Send{now(), command.step, command.compensation});
  route(NetEvent{true, it->first, command, 0, orchestrator_epoch_});
  return saga::Status::ok();
}

void Race::route(NetEvent event) {
  const std::vector<Millis> times = delivery_times(rng_, config_.faults, faulty(), now());
  if (times.empty()) {
    ++stats_.dropped;
    trace_.add("drop");
    return;
  }
  if (times.size() > 1) ++stats_.duplicated;
  for (Millis when : times) events_.emplace(std::make_pair(when, ++seq_), event);
}

void Race::deliver(NetEvent event) {
  ServiceNode& node = nodes_.at(event.participant);
  if (event.to_participant) {
    trace_.add(node.up ? "deliver" : "lost-down");
    trace_.add(event.envelope.message_id);
    if (!node.up) return;
    Envelope reply = services_.handle(event.participant, event.envelope);
    trace_.add(reply.outcome == saga::Outcome::kSuccess ? "ok" : reply.reason);
    route(
        NetEvent{false, event.participant, std::move(reply), node.epoch, event.orchestrator_epoch});
    return;
  }
  // A reply dies with its sender's process, or with the orchestrator it was sent to.
  if (event.participant_epoch != node.epoch || event.orchestrator_epoch != orchestrator_epoch_ ||
      !engine_) {
    trace_.add("reply-lost");
    return;
  }
  trace_.add("reply");
  trace_.add(event.envelope.correlation_id);
  inbox_.push_back(std::move(event.envelope));
}

bool Race::open_engine() {
  saga::EngineOptions options;
  options.database_path = dir_.file("orchestrator.db");
  options.synchronous = saga::Synchronous::kOff;  // process crashes only, never power loss
  options.transport = transport_;
  options.clock = clock_;
  options.random_seed = rng_.next() | 1;
  options.manual = true;
  options.log = [](saga::LogLevel, std::string_view) {};
  if (faulty() && rng_.chance(config_.faults.crash_point)) {
    options.crash_at = static_cast<saga::CrashPoint>(1 + rng_.below(3));
  }
  trace_.add("open");
  trace_.add(static_cast<std::uint64_t>(options.crash_at));
  saga::Result<std::unique_ptr<saga::Engine>> engine = saga::Engine::open(std::move(options));
  if (!engine) {
    violation("engine open: " + engine.status().to_string());
    return false;
  }
  engine_ = std::move(engine).value();
  saga::Status s;
  for (const auto& d : definitions_) {
    if (s) s = engine_->register_definition(d);
  }
  if (s) s = engine_->start();
  if (!s) {
    violation("engine start: " + s.to_string());
    engine_.reset();
    return false;
  }
  return true;
}

void Race::crash_engine(bool at_crash_point) {
  trace_.add(at_crash_point ? "crash-point" : "crash");
  ++stats_.orchestrator_crashes;
  engine_.reset();
  ++orchestrator_epoch_;
  inbox_.clear();  // replies in the dead process's socket buffers
  engine_restart_at_ = now() + Millis{static_cast<std::int64_t>(rng_.below(1'000))};
}

// Before the first start attempt: the saga's lock mode, and whether another saga holds its key
// now. In manual mode the start is decided and committed inside start_saga(), so this is the
// lock table the start meets.
void Race::note_lock_state(SagaRecord& record, const SagaDefinition& definition) {
  saga::Result<std::vector<saga::LockInfo>> held = engine_->locks();
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
// the saga data comes from the order as it is now. False: the engine crashed; try again later.
bool Race::start(SagaRecord& record) {
  const ftgo_model::Order* order = nullptr;
  if (auto it = services_.orders.find(record.order_id); it != services_.orders.end()) {
    order = &it->second;
  }
  if (record.kind == Kind::kCreate && !order) {
    // The order row is committed before its saga starts (order_service.h, "atomic start").
    ftgo::CreateOrderData data = saga::decode_body<ftgo::CreateOrderData>(record.data).value();
    services_.insert_order(record.order_id, data);
  } else if (record.kind == Kind::kCancel && record.data.empty()) {
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
  if (!record.started) note_lock_state(record, d);
  saga::StartOptions options;
  options.id = record.id;
  saga::Result<std::string> started = engine_->start_saga(d.name, record.data, options);
  trace_.add("start");
  trace_.add(record.id);
  record.started = true;  // the lock state above is the first attempt's
  if (started || started.status().code() == saga::StatusCode::kAlreadyExists) return true;
  if (started.status().code() == saga::StatusCode::kUnavailable) {
    crash_engine(true);  // stopped at a crash point after committing the start
    return false;
  }
  violation("start " + record.id + ": " + started.status().to_string());
  return true;
}

void Race::start_due_sagas() {
  while (engine_ && !starts_.empty() && starts_.begin()->first.first <= now()) {
    if (!start(sagas_.at(starts_.begin()->second))) return;
    starts_.erase(starts_.begin());
  }
}

// The restaurant's staff: accept the ticket, or start preparing it. A refusal (no ticket yet,
// not confirmed yet, a saga holds it) is tried again a little later, while it can still work.
void Race::run_kitchen() {
  while (!kitchen_.empty() && kitchen_.begin()->first.first <= now()) {
    const auto [order_id, act] = kitchen_.begin()->second;
    kitchen_.erase(kitchen_.begin());
    const bool done = act == KitchenAct::kAccept ? services_.accept_ticket(order_id)
                                                 : services_.start_preparing(order_id);
    trace_.add(act == KitchenAct::kAccept ? "accept" : "prepare");
    trace_.add(done ? 1 : 0);
    if (done) continue;
    auto ticket = services_.tickets.find(order_id);
    const std::string state = ticket == services_.tickets.end() ? "" : ticket->second.state;
    const bool hopeless = state == "CANCELLED" || state == "CREATE_REJECTED" ||
                          state == "PREPARING" ||
                          (act == KitchenAct::kAccept && state == "ACCEPTED");
    if (!hopeless && now() < fault_end_) {
      kitchen_.emplace(std::make_pair(now() + Millis{300}, ++seq_), std::make_pair(order_id, act));
    }
  }
}

void Race::inject_faults() {
  for (auto& [name, node] : nodes_) {
    if (!node.up && now() >= node.restart_at) {
      node.up = true;
      trace_.add("restart");
    }
    if (node.up && faulty() && rng_.chance(config_.faults.participant_crash)) {
      node.up = false;
      ++node.epoch;
      ++stats_.participant_crashes;
      node.restart_at = now() + Millis{static_cast<std::int64_t>(
                                    1 + rng_.below(config_.faults.participant_down_max.count()))};
      trace_.add("participant-crash");
      trace_.add(name);
    }
  }
  if (engine_ && faulty() && rng_.chance(config_.faults.orchestrator_crash)) crash_engine(false);
}

bool Race::all_ended() {
  if (!starts_.empty() || !engine_) return false;
  saga::Result<std::vector<saga::SagaInstance>> sagas =
      engine_->list(std::nullopt, sagas_.size() + 16);
  if (!sagas) return false;
  bool ended = true;
  for (const saga::SagaInstance& s : sagas.value()) {
    if (saga::is_terminal(s.phase)) continue;
    ended = false;
    if (s.phase != Phase::kFailed) continue;
    // The operator, after the incident: retry what failed.
    if (++operator_retries_[s.id] > config_.operator_retries_max) continue;
    ++stats_.operator_retries;
    trace_.add("operator-retry");
    trace_.add(s.id);
    saga::Status r = engine_->retry(s.id, "sim: operator retry");
    if (r.code() == saga::StatusCode::kUnavailable) {
      --operator_retries_[s.id];
      --stats_.operator_retries;
      crash_engine(true);
      return false;
    }
    if (!r) violation("operator retry of " + s.id + ": " + r.to_string());
  }
  return ended;
}

OrderRaceResult Race::run() {
  t0_ = now();
  fault_end_ = t0_ + config_.fault_period;
  const Millis hard_end = fault_end_ + config_.quiet_limit;
  if (!load_definitions()) return result_;
  plan();
  if (!open_engine()) return result_;
  Millis next_check = fault_end_;
  for (;;) {
    Millis next = now() + config_.tick;
    if (!events_.empty()) next = std::min(next, events_.begin()->first.first);
    if (!starts_.empty()) next = std::min(next, starts_.begin()->first.first);
    if (!kitchen_.empty()) next = std::min(next, kitchen_.begin()->first.first);
    clock_->set(std::max(next, now() + Millis{1}));  // time always moves: every loop is bounded
    while (!events_.empty() && events_.begin()->first.first <= now()) {
      NetEvent event = std::move(events_.begin()->second);
      events_.erase(events_.begin());
      deliver(std::move(event));
    }
    run_kitchen();
    inject_faults();
    if (!engine_ && now() >= engine_restart_at_ && !open_engine()) break;
    start_due_sagas();
    if (engine_ && !engine_->run_once(Millis{0})) crash_engine(true);
    if (!faulty() && now() >= next_check) {
      if (all_ended()) break;
      next_check = now() + Millis{500};
    }
    if (now() > hard_end) {
      violation("sagas still running " + std::to_string(config_.quiet_limit.count()) +
                " ms after the faults stopped");
      break;
    }
  }
  if (engine_) check();
  result_.trace_hash = trace_.value();
  return result_;
}

// ---- The invariants --------------------------------------------------------------------------

std::string items_text(const std::vector<LineItem>& items) {
  std::string text;
  for (const LineItem& i : items) {
    text += (text.empty() ? "" : ",") + i.menu_item_id + ":" + std::to_string(i.quantity);
  }
  return text;
}

struct Observed {
  saga::SagaInstance instance;
  Millis first_send{-1};  // -1: sent nothing
  Millis end{-1};
  bool lock_held = false;  // refused "lock_held"
};

void Race::check() {
  saga::Result<std::vector<saga::LockInfo>> locks = engine_->locks();
  if (!locks) {
    violation("locks(): " + locks.status().to_string());
  } else {
    for (const saga::LockInfo& l : locks.value()) {
      violation("lock " + l.key + " still held by " + l.saga_id + " (" +
                std::to_string(l.waiting.size()) + " waiting)");
    }
  }
  std::map<std::int64_t, std::vector<const SagaRecord*>> by_order;
  for (const auto& [id, record] : sagas_) by_order[record.order_id].push_back(&record);
  for (const auto& [order_id, sagas] : by_order) check_order(order_id, sagas);
  // Accounting's balances are kept by deltas; they must add up to the live authorizations.
  std::map<std::int64_t, std::int64_t> authorized;
  for (const auto& [order, a] : services_.authorizations) {
    if (a.state == "AUTHORIZED") authorized[a.consumer_id] += a.amount_cents;
  }
  for (const auto& [consumer, balance] : services_.balances) authorized.try_emplace(consumer, 0);
  for (const auto& [consumer, cents] : authorized) {
    auto b = services_.balances.find(consumer);
    const std::int64_t balance = b == services_.balances.end() ? 0 : b->second;
    if (balance != cents) {
      violation("consumer " + std::to_string(consumer) + ": balance " + std::to_string(balance) +
                " but AUTHORIZED amounts add up to " + std::to_string(cents));
    }
  }
}

void Race::check_order(std::int64_t order_id, const std::vector<const SagaRecord*>& sagas) {
  const std::string where = "order " + std::to_string(order_id) + ": ";
  std::ostringstream state;
  // What the engine says about each saga.
  std::map<std::string, Observed> seen;
  for (const SagaRecord* r : sagas) {
    saga::Result<saga::SagaInstance> instance = engine_->get(r->id);
    saga::Result<std::vector<saga::HistoryEntry>> history = engine_->history(r->id);
    if (!instance || !history) {
      violation(r->id + ": cannot read: " + instance.status().to_string());
      continue;
    }
    Observed& o = seen[r->id];
    o.instance = instance.value();
    for (const saga::HistoryEntry& h : history.value()) {
      if (h.event == saga::Event::kCompleted || h.event == saga::Event::kCompensated)
        o.end = h.time;
      if (h.event == saga::Event::kLockWaiting) ++stats_.lock_waits;
      if (h.reason.starts_with("lock_held")) o.lock_held = true;
    }
    if (auto s = sends_.find(r->id); s != sends_.end() && !s->second.empty()) {
      o.first_send = s->second.front().at;
    }
    ++stats_.sagas;
    const Phase phase = o.instance.phase;
    if (phase == Phase::kCompleted) ++stats_.completed;
    if (phase == Phase::kCompensated) ++stats_.compensated;
    if (o.lock_held) ++stats_.lock_held_refusals;
    const std::string& reason = o.instance.last_reason;
    if (phase == Phase::kCompensated && reason.ends_with(": ticket_being_prepared")) {
      ++stats_.refused_preparing;
    }
    if (r->kind == Kind::kRevise && phase == Phase::kCompensated &&
        reason.find(": card_") != std::string::npos) {
      ++stats_.revises_declined;
    }
    trace_.add(r->id);
    trace_.add(static_cast<std::uint64_t>(phase));
    state << "  " << r->id << ": " << saga::to_string(phase) << " (" << reason << ")";
    if (o.first_send.count() >= 0) state << " active " << at(o.first_send);
    if (o.end.count() >= 0) state << " .. " << at(o.end);
    if (r->kind == Kind::kRevise) state << " items " << items_text(r->items);
    if (r->has_lock) {
      state << " lock " << saga::to_string(r->mode)
            << (r->key_held_by_other ? " (held at start)" : "");
    }
    state << "\n";
    if (!saga::is_terminal(phase)) {
      violation(r->id + ": ended " + std::string(saga::to_string(phase)) + " at step " +
                std::to_string(o.instance.step) + " (" + reason + ")");
    }
  }

  // The engine lock: the sagas of one order never overlapped, from first command to end.
  for (auto a = seen.begin(); a != seen.end(); ++a) {
    for (auto b = std::next(a); b != seen.end(); ++b) {
      const Observed& x = a->second;
      const Observed& y = b->second;
      if (x.first_send.count() < 0 || y.first_send.count() < 0) continue;
      if (x.end.count() < 0 || y.end.count() < 0) continue;
      if (x.first_send < y.end && y.first_send < x.end) {
        violation(where + a->first + " [" + at(x.first_send) + ", " + at(x.end) + "] and " +
                  b->first + " [" + at(y.first_send) + ", " + at(y.end) + "] ran at once");
      }
    }
  }
  // Fail fast: refused exactly when another saga held the key at the start; then no command.
  for (const SagaRecord* r : sagas) {
    auto o = seen.find(r->id);
    if (o == seen.end()) continue;
    const bool expect_refusal = r->mode == saga::LockMode::kFailFast && r->key_held_by_other;
    if (o->second.lock_held && !expect_refusal) {
      violation(r->id + ": refused lock_held, but " +
                (r->key_held_by_other ? "its mode is " + std::string(saga::to_string(r->mode))
                                      : std::string("nobody held its key at its start")));
    }
    if (expect_refusal && !o->second.lock_held) {
      violation(r->id + ": fail-fast and its key was held at its start, yet not refused (" +
                o->second.instance.last_reason + ")");
    }
    if (o->second.lock_held) {
      if (o->second.instance.phase != Phase::kCompensated ||
          o->second.instance.last_reason.find("lock_held: order:") == std::string::npos) {
        violation(r->id + ": refused lock_held but ended " +
                  std::string(saga::to_string(o->second.instance.phase)) + " (" +
                  o->second.instance.last_reason + ")");
      }
      if (o->second.first_send.count() >= 0) {
        violation(r->id + ": refused lock_held, yet sent a command at " + at(o->second.first_send));
      }
    }
  }

  // The services agree with the order.
  auto order_it = services_.orders.find(order_id);
  if (order_it == services_.orders.end()) {
    violation(where + "missing in the Order service");
    return;
  }
  const ftgo_model::Order& order = order_it->second;
  auto ticket_it = services_.tickets.find(order_id);
  const ftgo_model::Ticket* ticket =
      ticket_it == services_.tickets.end() ? nullptr : &ticket_it->second;
  auto auth_it = services_.authorizations.find(order_id);
  const ftgo_model::Authorization* auth =
      auth_it == services_.authorizations.end() ? nullptr : &auth_it->second;
  const std::string ticket_state = ticket ? ticket->state : "none";
  const std::string auth_state = auth ? auth->state : "none";
  state << "  order " << order_id << ": " << order.state << " v" << order.version << " "
        << order.total_cents << " [" << items_text(order.items) << "]"
        << (order.locked_by.empty() ? "" : " locked by " + order.locked_by) << "; ticket "
        << ticket_state << (ticket ? " [" + items_text(ticket->items) + "]" : "")
        << "; authorization " << auth_state << " " << (auth ? auth->amount_cents : 0) << "\n";
  result_.final_state += state.str();

  const std::string summary =
      " (order " + order.state + ", ticket " + ticket_state + ", authorization " + auth_state + ")";
  if (order.state.ends_with("_PENDING") || !order.locked_by.empty()) {
    violation(where + "left " + order.state + " locked by '" + order.locked_by + "'");
  }
  if (ticket && (ticket->state.ends_with("_PENDING") || !ticket->locked_by.empty())) {
    violation(where + "ticket left " + ticket->state + " locked by '" + ticket->locked_by + "'");
  }
  const bool cancelled = order.state == "CANCELLED";
  if (cancelled != (ticket_state == "CANCELLED") || cancelled != (auth_state == "REVERSED")) {
    violation(where + "CANCELLED <=> ticket CANCELLED and authorization REVERSED broken" + summary);
  }
  if (cancelled && services_.prepared.contains(order_id)) {
    violation(where + "CANCELLED after the kitchen started preparing its food" + summary);
  }
  if (order.state == "APPROVED") {
    if (ticket_state != "AWAITING_ACCEPTANCE" && ticket_state != "ACCEPTED" &&
        ticket_state != "PREPARING") {
      violation(where + "APPROVED, but the ticket is not confirmed" + summary);
    } else if (ticket->items != order.items) {
      violation(where + "ticket items [" + items_text(ticket->items) + "] but order items [" +
                items_text(order.items) + "]");
    }
    if (auth_state != "AUTHORIZED" || auth->amount_cents != order.total_cents) {
      violation(where + "APPROVED with total " + std::to_string(order.total_cents) +
                ", but authorization " + auth_state + " " +
                std::to_string(auth ? auth->amount_cents : 0));
    }
    if (order.total_cents != ftgo_model::total_cents(order.items)) {
      violation(where + "total " + std::to_string(order.total_cents) + " is not its items' price");
    }
  }
  if (order.state == "REJECTED") {
    ++stats_.orders_rejected;
    if (ticket && ticket->state != "CREATE_REJECTED") {
      violation(where + "REJECTED with a live ticket" + summary);
    }
    if (auth) violation(where + "REJECTED with an authorization" + summary);
  }

  // The sagas agree with the order.
  int cancels = 0;
  int revises = 0;
  const SagaRecord* create = nullptr;
  const SagaRecord* last_revise = nullptr;
  Millis last_revise_end{-1};
  for (const SagaRecord* r : sagas) {
    auto o = seen.find(r->id);
    if (o == seen.end()) continue;
    const Phase phase = o->second.instance.phase;
    if (r->kind == Kind::kCreate) create = r;
    if (r->kind == Kind::kCreate && (phase == Phase::kCompleted) == (order.state == "REJECTED")) {
      violation(where + "Create Order " + std::string(saga::to_string(phase)) + ", order " +
                order.state);
    }
    if (phase != Phase::kCompleted) continue;
    if (r->kind == Kind::kCancel) ++cancels;
    if (r->kind == Kind::kRevise) {
      ++revises;
      if (o->second.end > last_revise_end) {
        last_revise_end = o->second.end;
        last_revise = r;
      }
    }
  }
  stats_.cancels_completed += static_cast<std::uint64_t>(cancels);
  stats_.revises_completed += static_cast<std::uint64_t>(revises);
  if (cancels != (cancelled ? 1 : 0)) {
    violation(where + std::to_string(cancels) + " Cancels completed, order " + order.state);
  }
  if (order.version != 1 + cancels + revises) {
    violation(where + "version " + std::to_string(order.version) + " after " +
              std::to_string(cancels) + " cancels and " + std::to_string(revises) + " revisions");
  }
  if (order.state == "APPROVED" && create) {
    const std::vector<LineItem>& expected = last_revise ? last_revise->items : create->items;
    if (order.items != expected) {
      violation(where + "items [" + items_text(order.items) + "], but the last change was [" +
                items_text(expected) + "]");
    }
  }
}

}  // namespace

OrderRaceResult simulate_order_race(const OrderRaceConfig& config, std::uint64_t seed) {
  Race race(config, seed);
  return race.run();
}

}  // namespace order_race
