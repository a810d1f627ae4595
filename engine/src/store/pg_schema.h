// The PostgreSQL backend's schema (docs/scale-out.md): the SQLite tables (docs/storage.md) in
// PostgreSQL types, plus the lease columns and the engine instance table. Its own versioning:
// the table saga_schema holds the version; kPgSchemaVersion is what this build writes.
#pragma once

#include "saga/status.h"
#include "store/pg_connection.h"

namespace saga::pg {

inline constexpr int kPgSchemaVersion = 5;

// Creates or migrates the schema under a transaction-level advisory lock, so several engine
// instances starting together create it once. kCorrupt for a schema newer than this build.
Status migrate_schema(Connection& c);
// The version the database has (0: no schema), for read-only and operator access.
Result<int> schema_version(Connection& c);

}  // namespace saga::pg
