#include "ftgo_world.h"

#include "ftgo/cancel_order_saga.h"
#include "ftgo/create_order_saga.h"
#include "ftgo/revise_order_saga.h"
#include "saga/body_codec.h"

namespace workshop {

using saga::Envelope;
using saga::Millis;

namespace {

const std::vector<ftgo::LineItem> kItems{{"vindaloo", 2}, {"naan", 1}};

template <typename T>
T decoded(const Envelope& c) {
  saga::Result<T> value = saga::decode_body<T>(c.body, c.content_type);
  return value.is_ok() ? value.value() : T{};
}

}  // namespace

FtgoWorld::FtgoWorld(std::vector<std::shared_ptr<const saga::SagaDefinition>> definitions,
                     std::map<std::string, saga::ParticipantLimits> limits)
    : transport_(std::make_shared<saga::testing::InMemoryTransport>()),
      clock_(std::make_shared<saga::VirtualClock>(Millis{1'000'000})) {
  for (const char* name : {"order", "consumer", "kitchen", "accounting"}) {
    transport_->add_participant(name, [this](const Envelope& c) { return handle(c); });
  }
  saga::EngineOptions o;
  o.database_path = dir_.file("engine.db");
  o.transport = transport_;
  o.clock = clock_;
  o.random_seed = 7;
  o.manual = true;
  o.participant_limits = std::move(limits);
  o.log = [](saga::LogLevel, std::string_view) {};
  saga::Result<std::unique_ptr<saga::Engine>> engine = saga::Engine::open(std::move(o));
  if (!engine) {
    status_ = engine.status();
    return;
  }
  engine_ = std::move(engine).value();
  for (auto& d : definitions) {
    if (status_ = engine_->register_definition(d); !status_) return;
  }
  status_ = engine_->start();
}

FtgoWorld::~FtgoWorld() {
  if (engine_) engine_->stop();
}

std::string FtgoWorld::create_order(std::int64_t order_id, std::int64_t total_cents) {
  orders_[order_id] = OrderState{"APPROVAL_PENDING", total_cents, 1, {}};
  ftgo::CreateOrderData d;
  d.order_id = order_id;
  d.consumer_id = 1;
  d.restaurant_id = 1;
  d.order_total_cents = total_cents;
  d.line_items = kItems;
  saga::StartOptions start;
  start.id = ftgo::saga_id_of_order(order_id);
  (void)engine_->start_saga_with("create_order", d, start);
  pump();
  return start.id;
}

std::string FtgoWorld::cancel_order(std::int64_t order_id) {
  ftgo::CancelOrderData d;
  d.order_id = order_id;
  d.consumer_id = 1;
  d.order_total_cents = orders_[order_id].total_cents;
  saga::StartOptions start;
  start.id = ftgo::cancel_saga_id(order_id, 1);
  (void)engine_->start_saga_with(ftgo::kCancelOrderSaga, d, start);
  pump();
  return start.id;
}

std::string FtgoWorld::revise_order(std::int64_t order_id, std::int64_t new_total_cents) {
  ftgo::ReviseOrderData d;
  d.order_id = order_id;
  d.consumer_id = 1;
  d.restaurant_id = 1;
  d.line_items = {{"vindaloo", 3}};
  d.order_total_cents = new_total_cents;
  d.previous_total_cents = orders_[order_id].total_cents;
  saga::StartOptions start;
  start.id = ftgo::revise_saga_id(order_id, 1);
  (void)engine_->start_saga_with(ftgo::kReviseOrderSaga, d, start);
  pump();
  return start.id;
}

void FtgoWorld::release_authorization() {
  held_order_ = 0;
  if (!held_) return;
  const Envelope command = *held_;
  held_.reset();
  if (std::optional<Envelope> reply = apply(command)) {
    inbox_[command.message_id] = *reply;
    transport_->inject(*reply);
  }
  pump();
}

void FtgoWorld::set_accounting(AccountingMode mode, Millis delay) {
  accounting_ = mode;
  accounting_delay_ = delay;
}

std::vector<Envelope> FtgoWorld::handle(const Envelope& command) {
  ++deliveries_[command.name];
  const bool accounting = command.name == "AuthorizeCard" ||
                          command.name == "ReverseAuthorization" ||
                          command.name == "ReviseAuthorization";
  if (accounting && accounting_ == AccountingMode::kSilent) return {};
  if (command.name == "AuthorizeCard" && held_order_ != 0 &&
      decoded<ftgo::AuthorizeCard>(command).order_id == held_order_) {
    held_ = command;
    return {};
  }
  Envelope reply;
  if (auto it = inbox_.find(command.message_id); it != inbox_.end()) {
    reply = it->second;  // a resend: answered again, not applied again
  } else if (std::optional<Envelope> r = apply(command)) {
    reply = *r;
    inbox_[command.message_id] = reply;
  } else {
    return {};
  }
  if (accounting && accounting_ == AccountingMode::kSlow) {
    pending_.push_back({clock_->now() + accounting_delay_, reply});
    return {};
  }
  return {reply};
}

namespace {

template <typename T>
Envelope reply_to(const Envelope& c, const T& body, saga::Outcome outcome = saga::Outcome::kSuccess,
                  std::string reason = {}) {
  Envelope r;
  r.kind = saga::MessageKind::kReply;
  r.message_id = c.message_id + ":reply";
  r.correlation_id = c.message_id;
  r.saga_id = c.saga_id;
  r.name = std::string(T::kMessageName);
  r.outcome = outcome;
  r.reason = std::move(reason);
  r.content_type = c.content_type;
  r.trace_id = c.trace_id;
  saga::Result<std::string> bytes = saga::encode_body(body, c.content_type);
  if (bytes) r.body = std::move(bytes).value();
  return r;
}

Envelope refused(const Envelope& c, std::string reason) {
  Envelope r = reply_to(c, ftgo::CardDeclined{reason}, saga::Outcome::kFailure, reason);
  r.name = "Failed";
  r.body.clear();
  return r;
}

std::string lock_refusal(const OrderState* order) {
  if (order == nullptr) return "unknown_order";
  if (order->state.ends_with("_PENDING")) return "order_locked";
  if (order->state != "APPROVED") {
    std::string s = "order_";
    for (char ch : order->state) s += static_cast<char>(ch - 'A' + 'a');
    return s;
  }
  return {};
}

}  // namespace

std::optional<Envelope> FtgoWorld::apply(const Envelope& c) {
  if (c.name == "ValidateOrderByConsumer") return reply_to(c, ftgo::ConsumerVerified{});
  if (std::optional<Envelope> r = order_service(c)) return r;
  if (std::optional<Envelope> r = kitchen_service(c)) return r;
  return accounting_service(c);
}

std::optional<Envelope> FtgoWorld::order_service(const Envelope& c) {
  auto find = [this](std::int64_t id) -> OrderState* {
    auto it = orders_.find(id);
    return it == orders_.end() ? nullptr : &it->second;
  };
  if (c.name == "RejectOrder") {
    OrderState* o = find(decoded<ftgo::RejectOrder>(c).order_id);
    if (o != nullptr && o->state == "APPROVAL_PENDING") o->state = "REJECTED";
    return reply_to(c, ftgo::OrderRejected{});
  }
  if (c.name == "ApproveOrder") {
    OrderState* o = find(decoded<ftgo::ApproveOrder>(c).order_id);
    if (o != nullptr && o->state == "APPROVAL_PENDING") o->state = "APPROVED";
    return reply_to(c, ftgo::OrderApproved{});
  }
  if (c.name == "BeginCancelOrder" || c.name == "BeginReviseOrder") {
    const bool cancel = c.name == "BeginCancelOrder";
    OrderState* o = find(cancel ? decoded<ftgo::BeginCancelOrder>(c).order_id
                                : decoded<ftgo::BeginReviseOrder>(c).order_id);
    if (std::string why = lock_refusal(o); !why.empty()) return refused(c, why);
    o->state = cancel ? "CANCEL_PENDING" : "REVISION_PENDING";
    o->locked_by = c.saga_id;
    if (cancel) return reply_to(c, ftgo::OrderCancelBegun{});
    return reply_to(c, ftgo::OrderRevisionBegun{o->version, o->total_cents});
  }
  if (c.name == "UndoBeginCancelOrder" || c.name == "UndoBeginReviseOrder") {
    const bool cancel = c.name == "UndoBeginCancelOrder";
    OrderState* o = find(cancel ? decoded<ftgo::UndoBeginCancelOrder>(c).order_id
                                : decoded<ftgo::UndoBeginReviseOrder>(c).order_id);
    if (o != nullptr && o->locked_by == c.saga_id) {
      o->state = "APPROVED";
      o->locked_by.clear();
    }
    if (cancel) return reply_to(c, ftgo::OrderCancelUndone{});
    return reply_to(c, ftgo::OrderRevisionUndone{});
  }
  if (c.name == "ConfirmCancelOrder") {
    OrderState* o = find(decoded<ftgo::ConfirmCancelOrder>(c).order_id);
    if (o == nullptr || o->locked_by != c.saga_id) return refused(c, "order_not_locked");
    o->state = "CANCELLED";
    o->locked_by.clear();
    ++o->version;
    return reply_to(c, ftgo::OrderCancelled{});
  }
  if (c.name == "ConfirmReviseOrder") {
    const auto revise = decoded<ftgo::ConfirmReviseOrder>(c);
    OrderState* o = find(revise.order_id);
    if (o == nullptr || o->locked_by != c.saga_id || o->version != revise.expected_version) {
      return refused(c, std::string(ftgo::kOrderChanged));
    }
    o->state = "APPROVED";
    o->locked_by.clear();
    o->total_cents = revise.total_cents;
    ++o->version;
    return reply_to(c, ftgo::OrderRevised{o->version});
  }
  return std::nullopt;
}

std::optional<Envelope> FtgoWorld::kitchen_service(const Envelope& c) {
  if (c.name == "CreateTicket") {
    const std::int64_t order = decoded<ftgo::CreateTicket>(c).order_id;
    tickets_[order] = "CREATE_PENDING";
    return reply_to(c, ftgo::TicketCreated{100 + order});
  }
  if (c.name == "ConfirmCreateTicket") {
    tickets_[decoded<ftgo::ConfirmCreateTicket>(c).ticket_id - 100] = "AWAITING_ACCEPTANCE";
    return reply_to(c, ftgo::TicketConfirmed{});
  }
  if (c.name == "CancelCreateTicket") {
    tickets_[decoded<ftgo::CancelCreateTicket>(c).order_id] = "CANCELLED";
    return reply_to(c, ftgo::TicketCancelled{});
  }
  if (c.name == "BeginCancelTicket") return reply_to(c, ftgo::TicketCancelBegun{});
  if (c.name == "UndoBeginCancelTicket") return reply_to(c, ftgo::TicketCancelUndone{});
  if (c.name == "ConfirmCancelTicket") {
    tickets_[decoded<ftgo::ConfirmCancelTicket>(c).order_id] = "CANCELLED";
    return reply_to(c, ftgo::TicketCancelled{});
  }
  if (c.name == "BeginReviseTicket") return reply_to(c, ftgo::TicketRevisionBegun{});
  if (c.name == "UndoBeginReviseTicket") return reply_to(c, ftgo::TicketRevisionUndone{});
  if (c.name == "ConfirmReviseTicket") return reply_to(c, ftgo::TicketRevised{});
  return std::nullopt;
}

std::optional<Envelope> FtgoWorld::accounting_service(const Envelope& c) {
  if (c.name == "AuthorizeCard") {
    const auto card = decoded<ftgo::AuthorizeCard>(c);
    Authorization& a = authorizations_[card.order_id];
    a.amount_cents = card.amount_cents;
    ++a.applied;
    return reply_to(c, ftgo::CardAuthorized{"txn-" + std::to_string(card.order_id)});
  }
  if (c.name == "ReverseAuthorization") {
    const std::int64_t order = decoded<ftgo::ReverseAuthorization>(c).order_id;
    Authorization& a = authorizations_[order];
    a.reversed = true;
    return reply_to(c, ftgo::AuthorizationReversed{"txn-" + std::to_string(order), a.amount_cents});
  }
  if (c.name == "ReviseAuthorization") {
    const auto revise = decoded<ftgo::ReviseAuthorization>(c);
    Authorization& a = authorizations_[revise.order_id];
    const std::int64_t previous = a.amount_cents;
    a.amount_cents = revise.amount_cents;
    return reply_to(c,
                    ftgo::AuthorizationRevised{"txn-" + std::to_string(revise.order_id), previous});
  }
  return std::nullopt;
}

void FtgoWorld::pump() {
  if (!engine_) return;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->due <= clock_->now()) {
      transport_->inject(it->reply);
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  std::uint64_t before = ~0ull;
  for (int i = 0; i < 50; ++i) {
    const saga::EngineStats s = engine_->stats();
    const std::uint64_t progress = s.inputs_committed + s.commands_sent + s.commits;
    if (progress == before) break;
    before = progress;
    engine_->run_once();
    for (const saga::ParticipantState& p : engine_->participants()) {
      if (p.breaker == saga::BreakerState::kOpen) breaker_opened_.insert(p.name);
    }
  }
}

void FtgoWorld::run(Millis by, Millis step) {
  for (Millis t{0}; t < by; t += step) {
    clock_->advance(step);
    pump();
  }
}

bool FtgoWorld::run_until_ended(const std::vector<std::string>& ids, Millis limit) {
  for (Millis t{0}; t <= limit; t += Millis{100}) {
    bool ended = true;
    for (const std::string& id : ids) ended = ended && saga::is_terminal(saga(id).phase);
    if (ended) return true;
    run(Millis{100});
  }
  return false;
}

saga::SagaInstance FtgoWorld::saga(const std::string& id) {
  saga::Result<saga::SagaInstance> s = engine_->get(id);
  return s.is_ok() ? s.value() : saga::SagaInstance{};
}

std::vector<saga::HistoryEntry> FtgoWorld::history(const std::string& id) {
  saga::Result<std::vector<saga::HistoryEntry>> h = engine_->history(id);
  return h.is_ok() ? h.value() : std::vector<saga::HistoryEntry>{};
}

std::vector<std::string> FtgoWorld::events(const std::string& id) {
  std::vector<std::string> out;
  for (const saga::HistoryEntry& h : history(id)) out.emplace_back(saga::to_string(h.event));
  return out;
}

std::vector<std::string> FtgoWorld::commands_of(const std::string& id) {
  std::vector<std::string> out;
  for (const auto& s : transport_->sent()) {
    if (s.command.saga_id == id) out.push_back(s.command.name);
  }
  return out;
}

int FtgoWorld::deliveries(const std::string& command) const {
  auto it = deliveries_.find(command);
  return it == deliveries_.end() ? 0 : it->second;
}

bool FtgoWorld::breaker_ever_opened(const std::string& participant) const {
  return breaker_opened_.contains(participant);
}

Millis FtgoWorld::now() const { return clock_->now(); }

}  // namespace workshop
