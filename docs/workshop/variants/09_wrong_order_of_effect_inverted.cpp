// Exercise 9, a kept WRONG solution: the entity's operations declared in the wrong order
// (reverse before authorize), so an authorize never counts as superseded.
//
// A small Accounting participant: AuthorizeCard authorizes an order's card (a row in
// card_authorizations), ReverseAuthorization gives it back. The two do not commute: authorize
// then reverse leaves nothing authorized; reverse (of nothing yet) then authorize leaves an
// authorization that nobody will ever reverse. When nothing orders their senders -- two sagas
// without a lock on the order, or services reacting to each other's events -- the wire may
// deliver them either way. Make a late authorize a no-op with saga::VersionFile
// (participants/include/saga/version_file.h), without changing what the in-order case does.
#include <stdexcept>
#include <string>

#include "ftgo/messages.h"
#include "saga/participant.h"
#include "saga/version_file.h"

namespace workshop {
namespace {

template <typename T>
T must(saga::Result<T> r) {
  if (!r) throw std::runtime_error(r.status().to_string());
  return std::move(r).value();
}

}  // namespace

saga::Status install_card_authorizations(saga::Participant& p) {
  saga::Status schema = p.exec_schema(
      "CREATE TABLE IF NOT EXISTS card_authorizations (order_id INTEGER PRIMARY KEY, "
      "amount_cents INTEGER NOT NULL, state TEXT NOT NULL)");
  if (!schema) return schema;
  // An authorization is first authorized, then reversed: that is the order of effect.
  auto defined = saga::VersionFile::define("authorization", {"reverse", "authorize"});
  if (!defined) return defined.status();
  const saga::VersionFile file = std::move(defined).value();

  p.on<ftgo::AuthorizeCard>([file](const ftgo::AuthorizeCard& c, saga::HandlerContext& context) {
    // First, in the same transaction as the effect: was the reverse here before us?
    if (!file.record(context, std::to_string(c.order_id), "authorize")) {
      return saga::failure(std::string(saga::kReasonSuperseded),
                           ftgo::CardDeclined{"authorization reversed before it was made"});
    }
    must(context.db().exec("INSERT INTO card_authorizations VALUES (?, ?, 'AUTHORIZED')",
                           {c.order_id, c.amount_cents}));
    return saga::success(ftgo::CardAuthorized{"txn-" + std::to_string(c.order_id)});
  });

  p.on<ftgo::ReverseAuthorization>(
      [file](const ftgo::ReverseAuthorization& c, saga::HandlerContext& context) {
        // Recorded even when there is nothing to reverse yet: a late authorize will see it.
        (void)file.record(context, std::to_string(c.order_id), "reverse");
        auto row = must(context.db().query_one(
            "SELECT amount_cents FROM card_authorizations WHERE order_id = ? AND "
            "state = 'AUTHORIZED'",
            {c.order_id}));
        if (!row) {  // nothing authorized (yet): nothing to give back
          return saga::success(ftgo::AuthorizationReversed{"", 0});
        }
        must(context.db().exec(
            "UPDATE card_authorizations SET state = 'REVERSED' WHERE order_id = ?", {c.order_id}));
        return saga::success(ftgo::AuthorizationReversed{"txn-" + std::to_string(c.order_id),
                                                         std::get<std::int64_t>(row->at(0))});
      });
  return saga::Status::ok();
}

}  // namespace workshop
