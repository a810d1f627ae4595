#include "consumer_service.h"

#include <string>

#include "ftgo/messages.h"
#include "seed_data.h"
#include "service_support.h"

namespace ftgo {
namespace {

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS consumers (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, enabled INTEGER NOT NULL,
  limit_cents INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS consumer_validations (
  order_id INTEGER PRIMARY KEY, consumer_id INTEGER NOT NULL, outcome TEXT NOT NULL);
)sql";

saga::Reply validate(const ValidateOrderByConsumer& c, saga::HandlerContext& context) {
  saga::Sql& db = context.db();
  auto row =
      db.query_one("SELECT enabled, limit_cents FROM consumers WHERE id = ?", {c.consumer_id});
  if (!row) throw_on_error(row.status());
  std::string outcome = "verified";
  if (!row.value()) {
    outcome = "consumer_invalid";
  } else if (as_int((*row.value())[0]) == 0) {
    outcome = "consumer_disabled";
  } else if (c.order_total_cents > as_int((*row.value())[1])) {
    outcome = "consumer_limit_exceeded";
  }
  throw_on_error(db.exec("INSERT OR REPLACE INTO consumer_validations VALUES (?, ?, ?)",
                         {c.order_id, c.consumer_id, outcome}));
  if (outcome != "verified") return saga::failure(outcome);
  return saga::success(ConsumerVerified{});
}

}  // namespace

saga::Result<std::unique_ptr<saga::Participant>> open_consumer_service(
    const ServiceOptions& options) {
  auto participant = open_participant(options, kSchema, kConsumerSeed);
  if (!participant) return participant.status();
  participant.value()->on<ValidateOrderByConsumer>(
      wrap<ValidateOrderByConsumer>(options, &validate));
  return participant;
}

}  // namespace ftgo
