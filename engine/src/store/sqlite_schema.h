// The engine database's schema and its migrations (docs/storage.md). Internal to the engine.
#pragma once

namespace SQLite {
class Database;
}

namespace saga {

// The schema version this build writes. Bump it and append a Migration in sqlite_schema.cpp.
// The version lives in the engine's own table, saga_meta (key 'schema_version'), not in PRAGMA
// user_version: the engine's tables may share a file with a service's tables
// (docs/embedding.md), and user_version belongs to that file's owner.
inline constexpr int kSchemaVersion = 12;

// The file's engine schema version: saga_meta's, else (a file of versions 1 to 5, which have
// saga_instances and no saga_meta) PRAGMA user_version, else 0 (no engine tables yet).
// Throws SQLite::Exception.
int read_schema_version(SQLite::Database& db);

// Runs, in order, every migration above the file's version, each in its own IMMEDIATE
// transaction together with the version update in saga_meta (so a crash leaves the file at one
// version or the next). PRAGMA user_version is neither read after the first step nor written.
// Throws SQLite::Exception.
void migrate_schema(SQLite::Database& db);

}  // namespace saga
