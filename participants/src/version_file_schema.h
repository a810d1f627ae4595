// The table of the version file (saga/version_file.h), created by Participant::open() with the
// library's other tables and by VersionFile::create_table().
#pragma once

namespace saga::detail {

inline constexpr const char* kVersionFileTable = R"sql(
CREATE TABLE IF NOT EXISTS saga_version_file (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  entity     TEXT NOT NULL,
  operation  TEXT NOT NULL,
  rank       INTEGER NOT NULL,
  saga_id    TEXT NOT NULL,
  step       TEXT NOT NULL,
  message_id TEXT NOT NULL,
  applied    INTEGER NOT NULL
)
)sql";
inline constexpr const char* kVersionFileIndex =
    "CREATE INDEX IF NOT EXISTS saga_version_file_by_entity ON saga_version_file (entity, rank)";

}  // namespace saga::detail
