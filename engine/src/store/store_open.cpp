// Which backend a store path names (saga_store.h), for every build.
#include "store/saga_store.h"

namespace saga {

bool is_postgres_url(std::string_view path) {
  return path.starts_with("postgresql://") || path.starts_with("postgres://");
}

}  // namespace saga
