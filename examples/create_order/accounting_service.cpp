#include "accounting_service.h"

#include <string>

#include "messages.h"
#include "seed_data.h"
#include "service_support.h"

namespace ftgo {
namespace {

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS cards (
  consumer_id INTEGER PRIMARY KEY, last4 TEXT NOT NULL, expires TEXT NOT NULL,
  limit_cents INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS authorizations (
  order_id INTEGER PRIMARY KEY, consumer_id INTEGER NOT NULL, amount_cents INTEGER NOT NULL,
  state TEXT NOT NULL, transaction_id TEXT NOT NULL);
)sql";

saga::Reply decline(std::string reason) { return saga::failure(reason, CardDeclined{reason}); }

saga::Reply authorize(const AuthorizeCard& c, saga::HandlerContext& context) {
  saga::Sql& db = context.db();
  auto card = db.query_one(
      "SELECT expires < strftime('%Y-%m', 'now'), limit_cents FROM cards WHERE consumer_id = ?",
      {c.consumer_id});
  throw_on_error(card);
  if (!card.value()) return decline("card_declined");
  if (as_int((*card.value())[0]) != 0) return decline("card_expired");
  if (c.amount_cents > as_int((*card.value())[1])) return decline("card_declined");
  const std::string transaction_id = "txn-" + std::to_string(c.order_id);
  throw_on_error(db.exec("INSERT INTO authorizations VALUES (?, ?, ?, 'AUTHORIZED', ?)",
                         {c.order_id, c.consumer_id, c.amount_cents, transaction_id}));
  return saga::success(CardAuthorized{transaction_id});
}

}  // namespace

saga::Result<std::unique_ptr<saga::Participant>> open_accounting_service(
    const ServiceOptions& options) {
  auto participant = open_participant(options, kSchema, kAccountingSeed);
  if (!participant) return participant.status();
  participant.value()->on<AuthorizeCard>(wrap<AuthorizeCard>(options, &authorize));
  return participant;
}

}  // namespace ftgo
