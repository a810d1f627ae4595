#include "accounting_service.h"

#include <optional>
#include <string>

#include "ftgo/messages.h"
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
CREATE TABLE IF NOT EXISTS consumer_balances (
  consumer_id INTEGER PRIMARY KEY, authorized_cents INTEGER NOT NULL);
)sql";

saga::Reply decline(std::string reason) { return saga::failure(reason, CardDeclined{reason}); }

// Why the consumer's card cannot authorize `amount_cents`; nothing when it can.
std::optional<std::string> card_refusal(saga::Sql& db, std::int64_t consumer_id,
                                        std::int64_t amount_cents) {
  auto card = db.query_one(
      "SELECT expires < strftime('%Y-%m', 'now'), limit_cents FROM cards WHERE consumer_id = ?",
      {consumer_id});
  throw_on_error(card);
  if (!card.value()) return "card_declined";
  if (as_int((*card.value())[0]) != 0) return "card_expired";
  if (amount_cents > as_int((*card.value())[1])) return "card_declined";
  return std::nullopt;
}

// Commutative update. consumer_balances holds what is authorized, in total, on each consumer's
// card. Many sagas change it at once -- one per order of that consumer, and no order's semantic
// lock covers the consumer -- so it is only ever changed by a delta, in one statement:
// authorized_cents = authorized_cents + delta. Deltas commute: whatever order the Create,
// Cancel and Revise sagas of different orders reach Accounting in, the balance ends the same,
// and a saga never writes back a total it read earlier (which would erase another saga's
// change made in between: a lost update). A cancelled order gives back exactly its own amount.
void add_to_balance(saga::Sql& db, std::int64_t consumer_id, std::int64_t delta_cents) {
  throw_on_error(
      db.exec("INSERT INTO consumer_balances (consumer_id, authorized_cents) VALUES (?, ?) "
              "ON CONFLICT (consumer_id) DO UPDATE SET authorized_cents = authorized_cents + "
              "excluded.authorized_cents",
              {consumer_id, delta_cents}));
}

saga::Reply authorize(const AuthorizeCard& c, saga::HandlerContext& context) {
  saga::Sql& db = context.db();
  if (auto why = card_refusal(db, c.consumer_id, c.amount_cents)) return decline(*why);
  const std::string transaction_id = "txn-" + std::to_string(c.order_id);
  throw_on_error(db.exec("INSERT INTO authorizations VALUES (?, ?, ?, 'AUTHORIZED', ?)",
                         {c.order_id, c.consumer_id, c.amount_cents, transaction_id}));
  add_to_balance(db, c.consumer_id, c.amount_cents);
  return saga::success(CardAuthorized{transaction_id});
}

struct AuthorizationNow {
  std::int64_t consumer_id = 0;
  std::int64_t amount_cents = 0;
  std::string state;
  std::string transaction_id;
};

std::optional<AuthorizationNow> read_authorization(saga::Sql& db, std::int64_t order_id) {
  auto row = db.query_one(
      "SELECT consumer_id, amount_cents, state, transaction_id FROM authorizations "
      "WHERE order_id = ?",
      {order_id});
  throw_on_error(row);
  if (!row.value()) return std::nullopt;
  const saga::SqlRow& r = *row.value();
  return AuthorizationNow{as_int(r[0]), as_int(r[1]), as_text(r[2]), as_text(r[3])};
}

// Cancel Order's pivot: AUTHORIZED -> REVERSED, and the amount given back to the balance.
// Fails with "no_authorization" (nothing to reverse) or "authorization_<state>".
saga::Reply reverse(const ReverseAuthorization& c, saga::HandlerContext& context) {
  saga::Sql& db = context.db();
  const auto a = read_authorization(db, c.order_id);
  if (!a) return saga::failure("no_authorization");
  if (a->state != "AUTHORIZED") return saga::failure("authorization_" + a->state);
  throw_on_error(
      db.exec("UPDATE authorizations SET state = 'REVERSED' WHERE order_id = ?", {c.order_id}));
  add_to_balance(db, a->consumer_id, -a->amount_cents);
  return saga::success(AuthorizationReversed{a->transaction_id, a->amount_cents});
}

// Revise Order's pivot: the order's authorization becomes the new amount, under the card's
// rules (a declined card writes nothing); the balance moves by the difference.
saga::Reply revise(const ReviseAuthorization& c, saga::HandlerContext& context) {
  saga::Sql& db = context.db();
  const auto a = read_authorization(db, c.order_id);
  if (!a) return saga::failure("no_authorization");
  if (a->state != "AUTHORIZED") return saga::failure("authorization_" + a->state);
  if (auto why = card_refusal(db, c.consumer_id, c.amount_cents)) return decline(*why);
  // The authorization row is the order's own, and the Revise saga holds the order's semantic
  // lock, so setting its amount is safe; the shared balance takes the delta.
  throw_on_error(db.exec("UPDATE authorizations SET amount_cents = ? WHERE order_id = ?",
                         {c.amount_cents, c.order_id}));
  add_to_balance(db, a->consumer_id, c.amount_cents - a->amount_cents);
  return saga::success(AuthorizationRevised{a->transaction_id, a->amount_cents});
}

}  // namespace

saga::Result<std::unique_ptr<saga::Participant>> open_accounting_service(
    const ServiceOptions& options) {
  auto participant = open_participant(options, kSchema, kAccountingSeed);
  if (!participant) return participant.status();
  saga::Participant& p = *participant.value();
  p.on<AuthorizeCard>(wrap<AuthorizeCard>(options, &authorize));
  p.on<ReverseAuthorization>(wrap<ReverseAuthorization>(options, &reverse));
  p.on<ReviseAuthorization>(wrap<ReviseAuthorization>(options, &revise));
  return participant;
}

}  // namespace ftgo
