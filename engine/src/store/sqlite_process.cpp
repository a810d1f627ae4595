#include "saga/sqlite_process.h"

#include <sqlite3.h>

#include <string>

namespace saga {

Status disable_sqlite_memory_statistics() {
  if (const int rc = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); rc != SQLITE_OK) {
    return failed_precondition(
        std::string("SQLite memory statistics: SQLite is already initialized (sqlite3_config: ") +
        sqlite3_errstr(rc) +
        "); call disable_sqlite_memory_statistics() before opening any database");
  }
  return Status::ok();
}

}  // namespace saga
