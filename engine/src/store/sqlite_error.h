// SQLite errors to Status: the one mapping the engine's store and the participant library share.
// Internal (not installed): the store and saga_participants link saga_engine_sqlite_error
// PRIVATELY, so SQLiteCpp never appears in a public header.
//
//   primary result code                                 StatusCode
//   SQLITE_BUSY, SQLITE_LOCKED                          kBusy
//   SQLITE_FULL                                         kFull
//   SQLITE_READONLY                                     kReadOnly
//   SQLITE_CORRUPT, SQLITE_NOTADB                       kCorrupt
//   SQLITE_CANTOPEN, SQLITE_IOERR                       kIoError
//   SQLITE_CONSTRAINT, SQLITE_ERROR, SQLITE_MISMATCH,   kInvalidArgument (the statement or its
//   SQLITE_RANGE, SQLITE_TOOBIG                         values are refused)
//   anything else, and errors without a result code     kInternal
//
// Extended result codes (SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_WRITE, ...) map as their primary
// code (the low 8 bits). with_system_errno() makes an I/O error that is a full disk kFull.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>

#include <string_view>

#include "saga/status.h"

namespace saga::sqlite_error {

// The StatusCode for a SQLite result code, primary or extended. Negative (no code): kInternal.
StatusCode status_code(int result_code);

// "<context>: <SQLite's message> (sqlite <code>)" with the StatusCode status_code() gives for
// the extended result code (the primary one when the exception carries no extended code).
Status from_exception(const SQLite::Exception& e, std::string_view context);

// The system errno of `db`'s last failed I/O: sqlite3_system_errno(), or `errno_at_catch`
// (errno read first thing where the exception is caught) when SQLite recorded none, as for a
// write that fails inside COMMIT.
int system_errno(SQLite::Database& db, int errno_at_catch);

// `status` refined by the connection's system errno (sqlite3_system_errno, set by the failing
// I/O, see system_errno()): a kIoError whose errno is ENOSPC, EDQUOT or EFBIG (a full disk, an
// exhausted quota, a file size limit) becomes kFull, its message naming the errno. SQLite reports a
// write that fails whole with one of those as SQLITE_IOERR_WRITE and only a short write as
// SQLITE_FULL; to the caller both are a full disk. Anything else is returned unchanged.
Status with_system_errno(Status status, int system_errno);

}  // namespace saga::sqlite_error
