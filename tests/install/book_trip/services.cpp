// The four participants. Each handler answers one command; the library runs it inside a SQLite
// transaction, records the reply in the service's inbox and answers a resent command from
// there, so a handler runs once per command however often the network delivers it.
#include "services.h"

#include <stdexcept>
#include <utility>

#include "trip.h"

namespace trip {
namespace {

using saga::HandlerContext;

std::unique_ptr<saga::Participant> open_service(const std::string& dir, const std::string& name) {
  saga::ParticipantOptions options;
  options.endpoint = "tcp://127.0.0.1:*";  // any free port; endpoint() says which
  options.database_path = dir + "/" + name + ".db";
  auto opened = saga::Participant::open(std::move(options));
  if (!opened) throw std::runtime_error(name + ": " + opened.status().to_string());
  return std::move(opened).value();
}

// A database error in a handler: throw. The library rolls the handler's writes back and
// answers with the failure "handler_error" (docs/participants.md).
void check(const saga::Result<std::int64_t>& written) {
  if (!written) throw std::runtime_error(written.status().to_string());
}

std::unique_ptr<saga::Participant> hotel_service(const std::string& dir) {
  auto hotel = open_service(dir, "hotel");
  saga::Status schema = hotel->exec_schema(
      "CREATE TABLE IF NOT EXISTS rooms (booking TEXT PRIMARY KEY, state TEXT NOT NULL)");
  if (!schema) throw std::runtime_error("hotel: " + schema.to_string());
  hotel->on<ReserveHotel>([](const ReserveHotel& c, HandlerContext& ctx) {
    const std::string booking = "H-" + c.trip_id;
    check(ctx.db().exec("INSERT INTO rooms VALUES (?, 'RESERVED')", {booking}));
    return saga::success(HotelReserved{booking});
  });
  hotel->on_compensation<CancelHotel>([](const CancelHotel& c, HandlerContext& ctx) {
    check(ctx.db().exec("UPDATE rooms SET state = 'CANCELLED' WHERE booking = ?", {c.booking}));
    return saga::success(c);
  });
  return hotel;
}

std::unique_ptr<saga::Participant> airline_service(const std::string& dir) {
  auto airline = open_service(dir, "airline");
  airline->on<BookFlight>([](const BookFlight& c, HandlerContext&) {
    return saga::success(FlightBooked{"F-" + c.trip_id});
  });
  airline->on_compensation<CancelFlight>(
      [](const CancelFlight& c, HandlerContext&) { return saga::success(c); });
  return airline;
}

std::unique_ptr<saga::Participant> payments_service(const std::string& dir) {
  auto payments = open_service(dir, "payments");
  payments->on<ChargeCard>([](const ChargeCard& c, HandlerContext&) {
    if (c.amount_cents > kCardLimitCents) {
      return saga::failure("card_declined", CardDeclined{"over the card's limit"});
    }
    return saga::success(CardCharged{"C-" + c.trip_id});
  });
  return payments;
}

std::unique_ptr<saga::Participant> mailer_service(const std::string& dir) {
  auto mailer = open_service(dir, "mailer");
  mailer->on<SendConfirmation>(
      [](const SendConfirmation& c, HandlerContext&) { return saga::success(c); });
  return mailer;
}

}  // namespace

Services::Services(const std::string& dir) {
  services_["hotel"] = hotel_service(dir);
  services_["airline"] = airline_service(dir);
  services_["payments"] = payments_service(dir);
  services_["mailer"] = mailer_service(dir);
  for (auto& [name, service] : services_) {
    threads_.emplace_back([p = service.get()] { p->run(); });
  }
}

Services::~Services() {
  for (auto& [name, service] : services_) service->stop();
  for (std::thread& t : threads_) t.join();
}

std::string Services::endpoint(const std::string& name) const {
  return services_.at(name)->endpoint();
}

}  // namespace trip
