// Integrity checks of a SQLite file (sqlite_check.h).
#include "sqlite_check.h"

#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include <cstddef>

namespace saga::sqlite_check {

std::vector<std::string> problems(SQLite::Database& db, std::string_view pragma, int max_rows) {
  SQLite::Statement q(db, "PRAGMA " + std::string(pragma) + "(" + std::to_string(max_rows) + ")");
  std::vector<std::string> found;
  while (q.executeStep()) {
    std::string row = q.getColumn(0).getString();
    if (row != "ok") found.push_back(std::move(row));
  }
  return found;
}

Status quick_check(SQLite::Database& db, std::string_view path) {
  constexpr std::size_t kQuoted = 5;
  std::string message = "database " + std::string(path) + " failed quick_check: ";
  std::vector<std::string> found;
  try {
    found = problems(db, "quick_check", static_cast<int>(kQuoted));
  } catch (const SQLite::Exception& e) {
    // A page so damaged that the check itself stops is as much a failed check.
    const int code = e.getErrorCode() & 0xff;
    if (code != SQLITE_CORRUPT) throw;
    return Status(StatusCode::kCorrupt,
                  message + e.what() + " (sqlite " + std::to_string(e.getErrorCode()) + ")");
  }
  if (found.empty()) return Status::ok();
  for (std::size_t i = 0; i < found.size(); ++i) {
    if (i > 0) message += "; ";
    message += found[i];
  }
  return Status(StatusCode::kCorrupt, std::move(message));
}

}  // namespace saga::sqlite_check
