// A complete participant service: the Kitchen's CreateTicket / CancelCreateTicket.
//
//   minimal_participant [endpoint] [database]
//   (defaults: tcp://127.0.0.1:7001, kitchen.db; stops on SIGINT/SIGTERM)
#include <saga/participant.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "ftgo/messages.h"

// FTGO's Kitchen commands and replies (saga::ftgo): plain structs with a wire name and named
// cereal fields.
using ftgo::CancelCreateTicket;
using ftgo::CreateTicket;
using ftgo::TicketCancelled;
using ftgo::TicketCreated;

namespace {
saga::Participant* g_participant = nullptr;
extern "C" void on_signal(int) {
  if (g_participant != nullptr) g_participant->stop();  // stop() only sets an atomic flag
}
}  // namespace

int main(int argc, char** argv) {
  saga::ParticipantOptions options;
  options.endpoint = argc > 1 ? argv[1] : "tcp://127.0.0.1:7001";
  options.database_path = argc > 2 ? argv[2] : "kitchen.db";
  auto opened = saga::Participant::open(options);
  if (!opened) {
    std::fprintf(stderr, "kitchen: %s\n", opened.status().to_string().c_str());
    return 1;
  }
  saga::Participant& kitchen = *opened.value();

  // The service's own table, created once at start.
  saga::Status schema = kitchen.exec_schema(
      "CREATE TABLE IF NOT EXISTS ticket (id INTEGER PRIMARY KEY, order_id INTEGER UNIQUE, "
      "restaurant_id INTEGER NOT NULL, line_items INTEGER NOT NULL, state TEXT NOT NULL)");
  if (!schema) {
    std::fprintf(stderr, "kitchen: %s\n", schema.to_string().c_str());
    return 1;
  }

  // The action. Its writes commit together with the inbox record of this command.
  kitchen.on<CreateTicket>([](const CreateTicket& command, saga::HandlerContext& context) {
    if (command.line_items.empty()) return saga::failure("empty_order");
    auto inserted = context.db().exec(
        "INSERT INTO ticket (order_id, restaurant_id, line_items, state) "
        "VALUES (?, ?, ?, 'created')",
        {command.order_id, command.restaurant_id,
         static_cast<std::int64_t>(command.line_items.size())});
    if (!inserted) return saga::failure("ticket_exists");
    auto row =
        context.db().query_one("SELECT id FROM ticket WHERE order_id = ?", {command.order_id});
    if (!row || !row.value()) return saga::failure("ticket_lost");
    return saga::success(TicketCreated{std::get<std::int64_t>((*row.value())[0])});
  });

  // The compensation. The barrier skips it when CreateTicket never succeeded here.
  kitchen.on_compensation<CancelCreateTicket>(
      [](const CancelCreateTicket& command, saga::HandlerContext& context) {
        auto updated = context.db().exec("UPDATE ticket SET state = 'cancelled' WHERE order_id = ?",
                                         {command.order_id});
        if (!updated) throw std::runtime_error(updated.status().to_string());  // handler_error
        return saga::success(TicketCancelled{});
      });

  g_participant = &kitchen;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::printf("kitchen: listening on %s\n", kitchen.endpoint().c_str());
  std::fflush(stdout);
  kitchen.run();
  const saga::ParticipantStats stats = kitchen.stats();
  std::printf("kitchen: handled %llu, duplicates %llu\n",
              static_cast<unsigned long long>(stats.handled),
              static_cast<unsigned long long>(stats.duplicates));
  return 0;
}
