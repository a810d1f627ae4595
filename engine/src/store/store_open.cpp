// Which backend a store path names (saga_store.h), for every build.
#include <algorithm>

#include "store/saga_store.h"

namespace saga {

bool is_postgres_url(std::string_view path) {
  return path.starts_with("postgresql://") || path.starts_with("postgres://");
}

Result<std::vector<HeldLock>> SagaStore::locks_held(const std::vector<std::string>& keys) {
  Result<std::vector<HeldLock>> all = load_locks();
  if (!all) return all;
  std::vector<HeldLock> out;
  for (HeldLock& l : *all) {
    if (std::find(keys.begin(), keys.end(), l.key) != keys.end()) out.push_back(std::move(l));
  }
  return out;
}

}  // namespace saga
