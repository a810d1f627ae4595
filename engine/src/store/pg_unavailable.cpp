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
