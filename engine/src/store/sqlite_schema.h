// The engine database's schema and its migrations (docs/storage.md). Internal to the engine.
#pragma once

namespace SQLite {
class Database;
}

namespace saga {

// The schema version this build writes (PRAGMA user_version). Bump it and append a Migration
// in sqlite_schema.cpp.
inline constexpr int kSchemaVersion = 6;

// Runs, in order, every migration above the file's user_version, each in its own IMMEDIATE
// transaction together with the user_version update (so a crash leaves the file at one
// version or the next). Throws SQLite::Exception.
void migrate_schema(SQLite::Database& db);

}  // namespace saga
