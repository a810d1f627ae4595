// open_postgres_store() in a build without libpq (SAGA_POSTGRES=OFF): a clear refusal.
#include "store/saga_store.h"

namespace saga {

Result<std::unique_ptr<SagaStore>> open_postgres_store(const StoreOptions& options) {
  (void)options;
  return unavailable(
      "store: this build has no PostgreSQL support (configure with -DSAGA_POSTGRES=ON and "
      "libpq-dev installed)");
}

}  // namespace saga

// saga/pg_transactional_start.h without libpq.
#include "saga/pg_transactional_start.h"

namespace saga {

Result<std::string> start_saga_in_transaction(pg_conn* connection, std::string_view type,
                                              std::string_view data, const StartOptions& options) {
  (void)connection, (void)type, (void)data, (void)options;
  return unavailable("start_saga_in_transaction: this build has no PostgreSQL support");
}

}  // namespace saga
