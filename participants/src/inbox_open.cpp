// Which inbox a participant opens (inbox.h), and giving a handler's context its connection.
#include "handler_context_access.h"
#include "inbox.h"
#include "sqlite_inbox.h"
#include "store/saga_store.h"
#if SAGA_POSTGRES
#include "pg_inbox.h"
#endif

namespace saga::detail {

Result<std::unique_ptr<Inbox>> open_inbox(const ParticipantOptions& options) {
  if (is_postgres_url(options.database_path)) {
#if SAGA_POSTGRES
    Result<std::unique_ptr<PgInbox>> pg = PgInbox::open(options.database_path);
    if (!pg) return pg.status();
    return std::unique_ptr<Inbox>(std::move(pg).value());
#else
    return unavailable("participant store: this build has no PostgreSQL support (SAGA_POSTGRES)");
#endif
  }
  Result<std::unique_ptr<SqliteInbox>> sqlite =
      SqliteInbox::open(options.database_path, options.synchronous, options.busy_timeout);
  if (!sqlite) return sqlite.status();
  return std::unique_ptr<Inbox>(std::move(sqlite).value());
}

void SqliteInbox::attach(HandlerContext& context) {
  HandlerContextAccess::set_database(context, &database());
}

}  // namespace saga::detail
