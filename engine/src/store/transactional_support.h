// What the transactional start and event share (transactional_start.cpp): the schema check on
// the caller's connection and the wall clock of the rows' requested_at_ms. Internal.
#pragma once

#include <cstdint>

#include "saga/status.h"

namespace SQLite {
class Database;
}

namespace saga::transactional {

// kFailedPrecondition unless the file's engine schema is this build's. Throws SQLite::Exception.
Status check_schema(SQLite::Database& db);
// Whether a transaction is open on `db` (not in autocommit mode).
bool in_transaction(SQLite::Database& db);
// The system clock, ms since the Unix epoch.
std::int64_t wall_ms();

}  // namespace saga::transactional
