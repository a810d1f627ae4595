#include "choreography.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "ftgo/create_order_saga.h"
#include "order_changes.h"
#include "saga/version_file.h"

namespace ftgo::choreography {
namespace {

constexpr std::string_view kOrders = "order-events";
constexpr std::string_view kConsumer = "consumer-events";
constexpr std::string_view kKitchen = "kitchen-events";
constexpr std::string_view kAccounting = "accounting-events";

// The orchestrated Order service's table (order_service.cpp), so both versions read alike.
constexpr std::string_view kOrdersSchema =
    "CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, saga_id TEXT NOT NULL UNIQUE, "
    "consumer_id INTEGER NOT NULL, restaurant_id INTEGER NOT NULL, total_cents INTEGER NOT NULL, "
    "line_items TEXT NOT NULL, state TEXT NOT NULL)";

template <typename T>
T must(saga::Result<T> r) {
  if (!r) throw std::runtime_error(r.status().to_string());
  return std::move(r).value();
}

// A reaction's command to its own domain participant: the event's saga ("order-N"), the step
// the orchestrated saga would name, and a message id derived from the event (a re-run of the
// reaction is answered from the domain participant's inbox).
template <saga::Message Cmd>
saga::Envelope domain_command(const Cmd& c, const saga::HandlerContext& context, std::string step,
                              bool compensation = false) {
  saga::Envelope e =
      must(CommandClient::command(c, context.saga_id(), std::move(step),
                                  context.message_id() + ">" + std::string(Cmd::kMessageName)));
  e.compensation = compensation;
  return e;
}

template <saga::Message Reply>
Reply decoded(const saga::Envelope& reply) {
  return must(saga::decode_body<Reply>(reply.body, reply.content_type));
}

void set_order_state(saga::HandlerContext& context, std::int64_t order_id, std::string_view to) {
  must(context.db().exec("UPDATE orders SET state = ? WHERE id = ? AND state = 'APPROVAL_PENDING'",
                         {std::string(to), order_id}));
}

void install_order(EventService& s) {
  s.on<PlaceOrder>([&s](const PlaceOrder& e, saga::HandlerContext& context) {
    const CreateOrderData& o = e.order;
    must(context.db().exec(
        "INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, 'APPROVAL_PENDING') ON CONFLICT DO NOTHING",
        {o.order_id, saga_id_of_order(o.order_id), o.consumer_id, o.restaurant_id,
         o.order_total_cents, encode_items(o.line_items)}));
    s.publish(context, kConsumer, OrderCreated{{o}});
  });
  s.on<CancelOrder>([&s](const CancelOrder& e, saga::HandlerContext& context) {
    const std::int64_t changed =
        must(context.db().exec("UPDATE orders SET state = 'CANCELLED' WHERE id = ? AND state IN "
                               "('APPROVAL_PENDING', 'APPROVED')",
                               {e.order.order_id}));
    if (changed == 0) return;
    s.publish(context, kKitchen, OrderCancelled{{e.order}});
    s.publish(context, kAccounting, OrderCancelled{{e.order}});
  });
  s.on<CardAuthorizedEvent>([](const CardAuthorizedEvent& e, saga::HandlerContext& context) {
    set_order_state(context, e.order.order_id, "APPROVED");
  });
  s.on<CardDeclinedEvent>([](const CardDeclinedEvent& e, saga::HandlerContext& context) {
    set_order_state(context, e.order.order_id, "REJECTED");
  });
  s.on<OrderNotPossible>([](const OrderNotPossible& e, saga::HandlerContext& context) {
    set_order_state(context, e.order.order_id, "REJECTED");
  });
}

void install_consumer(EventService& s) {
  s.on<OrderCreated>([&s](const OrderCreated& e, saga::HandlerContext& context) {
    const CreateOrderData& o = e.order;
    const saga::Envelope reply = must(s.call(
        "consumer",
        domain_command(ValidateOrderByConsumer{o.consumer_id, o.order_id, o.order_total_cents},
                       context, "verify_consumer")));
    if (reply.outcome == saga::Outcome::kSuccess) {
      s.publish(context, kKitchen, ConsumerVerified{{o}});
      return;
    }
    OrderNotPossible rejected{{o}};
    rejected.order.rejection_reason = reply.reason;
    s.publish(context, kOrders, rejected);
  });
}

void install_kitchen(EventService& s) {
  s.on<ConsumerVerified>([&s](const ConsumerVerified& e, saga::HandlerContext& context) {
    const CreateOrderData& o = e.order;
    const saga::Envelope reply = must(
        s.call("kitchen", domain_command(CreateTicket{o.restaurant_id, o.order_id, o.line_items},
                                         context, "create_ticket")));
    if (reply.outcome == saga::Outcome::kSuccess) {
      TicketCreatedEvent created{{o}};
      created.order.ticket_id = decoded<TicketCreated>(reply).ticket_id;
      s.publish(context, kAccounting, created);
      return;
    }
    OrderNotPossible rejected{{o}};
    rejected.order.rejection_reason = reply.reason;
    s.publish(context, kOrders, rejected);
  });
  s.on<CardAuthorizedEvent>([&s](const CardAuthorizedEvent& e, saga::HandlerContext& context) {
    (void)must(s.call("kitchen", domain_command(ConfirmCreateTicket{e.order.ticket_id}, context,
                                                "confirm_ticket")));
  });
  // The compensation is the Kitchen's own decision, on the events that call for it. Sent as
  // create_ticket's compensation of saga order-N, so the kitchen's barrier applies: a cancel
  // that comes before the ticket is a null compensation, and the late CreateTicket is refused.
  auto cancel_ticket = [&s](const OrderEvent& e, saga::HandlerContext& context) {
    (void)must(s.call("kitchen", domain_command(CancelCreateTicket{e.order.order_id}, context,
                                                "create_ticket", /*compensation=*/true)));
  };
  s.on<CardDeclinedEvent>(cancel_ticket);
  s.on<OrderCancelled>(cancel_ticket);
}

void install_accounting(EventService& s, bool with_version_file) {
  std::optional<saga::VersionFile> file;
  if (with_version_file) {
    file = must(saga::VersionFile::define("authorization", {"authorize", "reverse"}));
  }
  s.on<TicketCreatedEvent>([&s, file](const TicketCreatedEvent& e, saga::HandlerContext& context) {
    const CreateOrderData& o = e.order;
    // The order was cancelled before this event arrived: authorizing now would leave an
    // authorization nobody reverses. A no-op, and nothing to tell anyone.
    if (file && !file->record(context, std::to_string(o.order_id), "authorize")) return;
    const saga::Envelope reply = must(s.call(
        "accounting", domain_command(AuthorizeCard{o.consumer_id, o.order_id, o.order_total_cents},
                                     context, "authorize_card")));
    if (reply.outcome == saga::Outcome::kSuccess) {
      CardAuthorizedEvent authorized{{o}};
      authorized.order.transaction_id = decoded<CardAuthorized>(reply).transaction_id;
      s.publish(context, kKitchen, authorized);
      s.publish(context, kOrders, authorized);
      return;
    }
    CardDeclinedEvent declined{{o}};
    declined.order.rejection_reason = reply.reason;
    s.publish(context, kKitchen, declined);
    s.publish(context, kOrders, declined);
  });
  s.on<OrderCancelled>([&s, file](const OrderCancelled& e, saga::HandlerContext& context) {
    if (file) (void)file->record(context, std::to_string(e.order.order_id), "reverse");
    // "no_authorization" when the card was not authorized (yet): nothing to give back.
    (void)must(s.call("accounting", domain_command(ReverseAuthorization{e.order.order_id}, context,
                                                   "reverse_authorization")));
  });
}

}  // namespace

saga::Result<std::unique_ptr<ChoreographedCreateOrder>> ChoreographedCreateOrder::start(
    ChoreographyOptions options) {
  std::unique_ptr<ChoreographedCreateOrder> system(new ChoreographedCreateOrder(options));
  const DataPaths paths{options.dir};
  saga::ParticipantRegistry registry;
  for (ServiceKind kind : kParticipantServices) {
    const std::string name(to_string(kind));
    auto service =
        open_service(kind, ServiceOptions{"tcp://127.0.0.1:*", options.dir + "/" + name + ".db",
                                          nullptr, saga::Synchronous::kNormal});
    if (!service) return service.status();
    if (auto s = registry.add(name, system->domain_.run(std::move(service).value())); !s) return s;
  }
  for (std::string_view name : {kOrders, kConsumer, kKitchen, kAccounting}) {
    EventServiceOptions o;
    o.name = std::string(name);
    o.endpoint = "tcp://127.0.0.1:*";
    o.database_path = name == kOrders ? paths.orders_db() : options.dir + "/" + o.name + ".db";
    o.delays = options.delays;
    auto service = EventService::open(std::move(o));
    if (!service) return service.status();
    if (auto s = registry.add(std::string(name), service.value()->endpoint()); !s) return s;
    system->events_.push_back(std::move(service).value());
  }
  if (auto s = system->events_[0]->participant().exec_schema(kOrdersSchema); !s) return s;
  install_order(*system->events_[0]);
  install_consumer(*system->events_[1]);
  install_kitchen(*system->events_[2]);
  install_accounting(*system->events_[3], options.accounting_version_file);
  for (auto& service : system->events_) service->start(registry);
  auto client = CommandClient::open(std::move(registry));
  if (!client) return client.status();
  system->client_ = std::move(client).value();
  return system;
}

saga::Status ChoreographedCreateOrder::place_order(const OrderRequest& r) {
  PlaceOrder place;
  place.order.order_id = r.order_id;
  place.order.consumer_id = r.consumer_id;
  place.order.restaurant_id = r.restaurant_id;
  place.order.order_total_cents = r.total_cents;
  place.order.line_items = r.line_items;
  return tell_orders(place, "place");
}

saga::Status ChoreographedCreateOrder::cancel_order(std::int64_t order_id) {
  CancelOrder cancel;
  cancel.order.order_id = order_id;
  return tell_orders(cancel, "cancel");
}

template <saga::Message Request>
saga::Status ChoreographedCreateOrder::tell_orders(const Request& request, std::string_view verb) {
  const std::string saga_id = saga_id_of_order(request.order.order_id);
  auto command = CommandClient::command(request, saga_id, std::string(verb) + "_order",
                                        saga_id + "/" + std::string(verb));
  if (!command) return command.status();
  auto reply = client_->call(kOrders, std::move(command).value());
  if (!reply) return reply.status();
  if (reply.value().outcome != saga::Outcome::kSuccess) {
    return saga::failed_precondition(std::string(Request::kMessageName) + ": " +
                                     reply.value().reason);
  }
  return saga::Status::ok();
}

std::string ChoreographedCreateOrder::events_db(std::string_view service) const {
  return service == kOrders ? paths().orders_db()
                            : options_.dir + "/" + std::string(service) + ".db";
}

std::int64_t ChoreographedCreateOrder::count_events(std::string_view service,
                                                    const std::string& where,
                                                    const std::vector<std::string>& values) const {
  SQLite::Database db(events_db(service), SQLite::OPEN_READONLY, 5'000);
  SQLite::Statement q(db, "SELECT count(*) FROM events_out WHERE " + where);
  for (std::size_t i = 0; i < values.size(); ++i) q.bind(static_cast<int>(i + 1), values[i]);
  return q.executeStep() ? q.getColumn(0).getInt64() : 0;
}

saga::Status ChoreographedCreateOrder::poll_until(const std::function<bool()>& done,
                                                  saga::Millis timeout, const char* what) {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < give_up) {
    if (done()) return saga::Status::ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return saga::Status(saga::StatusCode::kTimeout, std::string("choreography: ") + what);
}

saga::Status ChoreographedCreateOrder::wait_until_settled(saga::Millis timeout) {
  int quiet = 0;
  return poll_until(
      [&] {
        std::int64_t pending = 0;
        for (std::string_view name : {kOrders, kConsumer, kKitchen, kAccounting}) {
          pending += count_events(name, "acked = 0", {});
        }
        quiet = pending == 0 ? quiet + 1 : 0;
        return quiet == 3;
      },
      timeout, "events still in flight");
}

saga::Status ChoreographedCreateOrder::wait_until_delivered(std::string_view publisher,
                                                            std::string_view event,
                                                            std::string_view subscriber,
                                                            saga::Millis timeout) {
  return poll_until(
      [&] {
        return count_events(publisher, "acked = 1 AND name = ? AND subscriber = ?",
                            {std::string(event), std::string(subscriber)}) > 0;
      },
      timeout, "event never delivered");
}

void ChoreographedCreateOrder::release_delayed() {
  for (auto& service : events_) service->release_delayed();
}

saga::Status ChoreographedCreateOrder::wait_for(const std::function<bool(const DomainState&)>& done,
                                                saga::Millis timeout) {
  return poll_until(
      [&] {
        auto state = read_domain_state(paths());
        return state && done(state.value());
      },
      timeout, "the state never came");
}

void ChoreographedCreateOrder::stop() {
  for (auto& service : events_) service->stop();
  domain_.stop();
}

}  // namespace ftgo::choreography
