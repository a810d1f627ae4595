// The orchestrator: opens the engine, registers the saga, books two trips and prints how each
// ended. Usage: book_trip [DIR] (default ./trip-run; emptied first, then holds the databases).
#include <saga/engine.h>
#include <saga/participant_registry.h>
#include <saga/zmq_transport.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "services.h"
#include "trip.h"

namespace {

int fail(const saga::Status& status) {
  std::fprintf(stderr, "book_trip: %s\n", status.to_string().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "trip-run";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  trip::Services services(dir);

  // Where each participant listens: the names are the saga's channels.
  saga::ParticipantRegistry registry;
  for (const char* name : {"hotel", "airline", "payments", "mailer"}) {
    if (saga::Status s = registry.add(name, services.endpoint(name)); !s) return fail(s);
  }
  saga::ZmqTransportOptions transport_options;
  transport_options.registry = std::move(registry);
  auto transport = saga::make_zmq_transport(std::move(transport_options));
  if (!transport) return fail(transport.status());

  // The engine: one SQLite file holds every saga, its history and its outbox.
  saga::EngineOptions options;
  options.database_path = dir + "/trip.db";
  options.transport = std::move(transport).value();
  auto opened = saga::Engine::open(std::move(options));
  if (!opened) return fail(opened.status());
  std::unique_ptr<saga::Engine> engine = std::move(opened).value();

  saga::DefinitionResult definition = trip::book_trip_saga();
  if (!definition) return fail(definition.status());
  if (saga::Status s = engine->register_definition(definition.value()); !s) return fail(s);
  if (saga::Status s = engine->start(); !s) return fail(s);

  // Two trips: the second costs more than the card allows, so its hotel and flight are undone.
  for (const auto& [id, price] : {std::pair<std::string, std::int64_t>{"trip-1", 120'000},
                                  std::pair<std::string, std::int64_t>{"trip-2", 900'000}}) {
    trip::TripData data;
    data.trip_id = id;
    data.price_cents = price;
    saga::StartOptions start;
    start.id = id;
    if (auto started = engine->start_saga_with("book_trip", data, start); !started) {
      return fail(started.status());
    }
    auto end = engine->wait(id, saga::Millis{30'000});
    if (!end) return fail(end.status());
    auto result = saga::decode_data<trip::TripData>(end.value().data);
    if (!result) return fail(result.status());
    const trip::TripData& t = result.value();
    std::printf("%s: %s (hotel '%s', flight '%s', charge '%s', declined '%s')\n", id.c_str(),
                std::string(saga::to_string(end.value().phase)).c_str(), t.hotel_booking.c_str(),
                t.flight_ticket.c_str(), t.charge_id.c_str(), t.declined_because.c_str());
  }
  engine->stop();
  return 0;
}
