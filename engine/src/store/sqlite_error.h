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
// code (the low 8 bits).
#pragma once

#include <SQLiteCpp/Exception.h>

#include <string_view>

#include "saga/status.h"

namespace saga::sqlite_error {

// The StatusCode for a SQLite result code, primary or extended. Negative (no code): kInternal.
StatusCode status_code(int result_code);

// "<context>: <SQLite's message> (sqlite <code>)" with the StatusCode status_code() gives for
// the extended result code (the primary one when the exception carries no extended code).
Status from_exception(const SQLite::Exception& e, std::string_view context);

}  // namespace saga::sqlite_error
