// SQLite errors to Status (the table in sqlite_error.h).
#include "sqlite_error.h"

#include <sqlite3.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace saga::sqlite_error {

StatusCode status_code(int result_code) {
  if (result_code < 0) return StatusCode::kInternal;
  switch (result_code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return StatusCode::kBusy;
    case SQLITE_FULL:
      return StatusCode::kFull;
    case SQLITE_READONLY:
      return StatusCode::kReadOnly;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return StatusCode::kCorrupt;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
      return StatusCode::kIoError;
    case SQLITE_CONSTRAINT:
    case SQLITE_ERROR:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
    case SQLITE_TOOBIG:
      return StatusCode::kInvalidArgument;
    default:
      return StatusCode::kInternal;
  }
}

Status from_exception(const SQLite::Exception& e, std::string_view context) {
  // An exception SQLiteCpp raised without a connection carries the primary code only.
  const int code = e.getExtendedErrorCode() >= 0 ? e.getExtendedErrorCode() : e.getErrorCode();
  std::string message(context);
  message += ": ";
  message += e.what();
  if (code >= 0) message += " (sqlite " + std::to_string(code) + ")";
  return Status(status_code(code), std::move(message));
}

int system_errno(SQLite::Database& db, int errno_at_catch) {
  const int recorded = sqlite3_system_errno(db.getHandle());
  return recorded != 0 ? recorded : errno_at_catch;
}

Status with_system_errno(Status status, int system_errno) {
  if (status.code() != StatusCode::kIoError) return status;
  if (system_errno != ENOSPC && system_errno != EDQUOT && system_errno != EFBIG) return status;
  return Status(StatusCode::kFull, status.message() + " (errno " + std::to_string(system_errno) +
                                       ": " + std::strerror(system_errno) + ")");
}

}  // namespace saga::sqlite_error
