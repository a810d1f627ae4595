// The SQLite inbox's prepared statements (sqlite_inbox.cpp): the library's own statements, kept
// by number, and the handlers' statements, cached by their SQL text. Internal; included only by
// sqlite_inbox.cpp, the one file of the library that includes SQLiteCpp.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace saga::detail {

// The statements the library runs for every batch or command.
enum class LibrarySql : std::size_t {
  kBegin,
  kCommit,
  kSavepoint,
  kRelease,
  kRollbackTo,
  kFindReply,
  kStoreReply,
  kReadBarrier,
  kMarkAction,
  kMarkCompensation,
  kCount
};

inline constexpr std::array<const char*, static_cast<std::size_t>(LibrarySql::kCount)> kLibrarySql =
    {
        "BEGIN IMMEDIATE",
        "COMMIT",
        "SAVEPOINT saga_command",
        "RELEASE saga_command",
        "ROLLBACK TO saga_command",
        "SELECT reply_name, outcome, reason, content_type, body FROM saga_inbox "
        "WHERE message_id = ?",
        "INSERT INTO saga_inbox (message_id, saga_id, step, command_name, compensation, "
        "reply_name, outcome, reason, content_type, body, stored_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "SELECT action_done, compensation_done FROM saga_barrier WHERE saga_id = ? AND step = ?",
        "INSERT INTO saga_barrier (saga_id, step, action_done) VALUES (?, ?, 1) "
        "ON CONFLICT (saga_id, step) DO UPDATE SET action_done = 1",
        "INSERT INTO saga_barrier (saga_id, step, compensation_done) VALUES (?, ?, 1) "
        "ON CONFLICT (saga_id, step) DO UPDATE SET compensation_done = 1",
};

// Prepared statements reused across commands: preparing costs more than running the small
// statements a command needs (it was most of a participant's CPU in the benchmark). The
// library's own are kept by number: no hashing of their text and no clearing of their
// bindings, since every use binds all of their parameters. The handlers' are looked up by
// their SQL text, bounded: past kMaxEntries distinct texts the cache starts over.
class StatementCache {
 public:
  explicit StatementCache(SQLite::Database& db) : db_(db) {}

  // The statement for `sql`, with no bindings. Only one may be in use at a time.
  SQLite::Statement& get(std::string_view sql) {
    auto it = cache_.find(sql);  // no std::string built for the lookup
    if (it == cache_.end()) {
      if (cache_.size() >= kMaxEntries) cache_.clear();
      std::string key(sql);
      auto statement = std::make_unique<SQLite::Statement>(db_, key);
      it = cache_.emplace(std::move(key), std::move(statement)).first;
    }
    it->second->clearBindings();
    return *it->second;
  }

  // The library's statement `which`, its bindings as its last use left them: the caller binds
  // every parameter before it runs it.
  SQLite::Statement& get(LibrarySql which) {
    const auto index = static_cast<std::size_t>(which);
    std::unique_ptr<SQLite::Statement>& slot = library_.at(index);
    if (!slot) slot = std::make_unique<SQLite::Statement>(db_, kLibrarySql.at(index));
    return *slot;
  }

 private:
  static constexpr std::size_t kMaxEntries = 256;
  SQLite::Database& db_;
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view sql) const {
      return std::hash<std::string_view>{}(sql);
    }
  };
  std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>, Hash, std::equal_to<>> cache_;
  std::array<std::unique_ptr<SQLite::Statement>, kLibrarySql.size()> library_;
};

// One use of a cached statement; resets it at the end so that no read stays open.
class Using {
 public:
  Using(StatementCache& cache, std::string_view sql) : statement_(cache.get(sql)) {}
  Using(StatementCache& cache, LibrarySql which) : statement_(cache.get(which)) {}
  ~Using() { statement_.tryReset(); }
  Using(const Using&) = delete;
  Using& operator=(const Using&) = delete;
  SQLite::Statement& operator*() { return statement_; }
  SQLite::Statement* operator->() { return &statement_; }

 private:
  SQLite::Statement& statement_;
};

}  // namespace saga::detail
