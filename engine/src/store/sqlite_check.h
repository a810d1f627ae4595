// Integrity checks of a SQLite file: the open-time check of the engine's store and of the
// participant library's inbox, and `sagactl check`. Internal (not installed), in the same
// library as sqlite_error.h (saga_engine_sqlite_error).
//
// PRAGMA quick_check reads every page and checks the b-tree structure, not that indexes match
// their tables; integrity_check does both and costs more. Either is O(size of the file).
#pragma once

#include <SQLiteCpp/Database.h>

#include <string>
#include <string_view>
#include <vector>

#include "saga/status.h"

namespace saga::sqlite_check {

// The problems `PRAGMA <pragma>(max_rows)` reports ("quick_check" or "integrity_check"), one
// per row; empty when the file is fine. A file that is not a database at all throws
// SQLite::Exception (SQLITE_NOTADB) like any other statement.
std::vector<std::string> problems(SQLite::Database& db, std::string_view pragma, int max_rows = 10);

// OK, or kCorrupt "database <path> failed quick_check: <problem>; <problem>..." (at most five
// problems quoted; SQLite's message when the check itself stops at a damaged page). Other
// SQLite exceptions propagate: a file that is not a database at all (SQLITE_NOTADB, kCorrupt
// "file is not a database" through sqlite_error.h), busy, I/O errors.
Status quick_check(SQLite::Database& db, std::string_view path);

}  // namespace saga::sqlite_check
