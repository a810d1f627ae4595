// The PostgreSQL client adapter: the only file set that includes libpq (libpq-fe.h). Internal to
// the store (the pg_* files). libpq's C API was chosen over libpqxx: it is stable across
// PostgreSQL releases, throws nothing (every error is a value here, as the engine's Status is),
// and parameters can be sent in binary where it matters (bytea) and as text elsewhere.
//
// Errors map to Status by SQLSTATE class: 40001/40P01 (serialization, deadlock) and 55P03 (lock
// not available) -> kBusy; 23505 (unique violation) -> kAlreadyExists; 53100 (disk full) and
// 53xxx -> kFull; 25006 (read-only transaction) -> kReadOnly; 08xxx and a lost connection ->
// kUnavailable; 57P01..57P03 (server shutting down / starting) -> kUnavailable; XX001/XX002
// (data corrupted) -> kCorrupt; 22xxx, 23xxx, 42xxx -> kInvalidArgument; others -> kInternal.
//
// Not thread-safe: one thread owns a connection.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "saga/status.h"

struct pg_conn;
struct pg_result;

namespace saga::pg {

// One statement parameter: text, or bytes sent in binary format (bytea), or NULL.
struct Param {
  std::string value;
  bool binary = false;
  bool null = false;
};
Param text(std::string value);
Param bytes(std::string value);
Param number(std::int64_t value);

// A query's rows, every value as text (bytea decoded to its bytes by get_bytes).
class Rows {
 public:
  Rows() = default;
  explicit Rows(pg_result* result);
  Rows(Rows&&) noexcept;
  Rows& operator=(Rows&&) noexcept;
  ~Rows();
  int size() const;
  int affected() const;  // rows an INSERT/UPDATE/DELETE touched
  std::string get(int row, int column) const;
  bool is_null(int row, int column) const;
  std::int64_t get_int(int row, int column) const;
  std::string get_bytes(int row, int column) const;  // a bytea column
  // The columns and what a column's type reads as (bool and integers: kInteger, float4/8:
  // kReal, bytea: kBytes, anything else its text).
  enum class Kind { kText, kInteger, kReal, kBytes };
  int columns() const;
  Kind kind(int column) const;

 private:
  pg_result* result_ = nullptr;
};

class Connection {
 public:
  // Connects; kUnavailable (with libpq's message) when the server cannot be reached.
  static Result<std::unique_ptr<Connection>> open(const std::string& url);
  // Wraps a caller's connection without taking it: never closed, reset or reconfigured here.
  static std::unique_ptr<Connection> borrow(pg_conn* conn);
  // Whether a transaction is open on the connection (and no statement of it failed).
  bool in_transaction() const;
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement with parameters ($1, $2, ...). Errors as described above, with
  // `context` in front.
  Result<Rows> exec(std::string_view context, const std::string& sql,
                    const std::vector<Param>& params = {});
  // A statement without result rows; the Status only.
  Status run(std::string_view context, const std::string& sql,
             const std::vector<Param>& params = {});
  // Runs several statements without parameters (a schema script).
  Status script(std::string_view context, const std::string& sql);
  // libpq's connection, for a caller's own libpq calls (a participant handler's statements).
  pg_conn* raw() const { return conn_; }
  // Whether the connection is broken (the server restarted, the network failed).
  bool broken() const;
  // Tries to connect again after broken(): the next statement then runs on a fresh session.
  Status reset();

 private:
  explicit Connection(pg_conn* conn, bool owned = true) : conn_(conn), owned_(owned) {}
  pg_conn* conn_;
  bool owned_ = true;
  bool needs_reset_ = false;  // a statement failed as if the session were gone
};

// A transaction on `c` that rolls back unless committed (kept simple: no savepoints).
class Transaction {
 public:
  explicit Transaction(Connection& c) : c_(c) {}
  ~Transaction();
  Status begin(std::string_view isolation = "READ COMMITTED");
  Status commit();

 private:
  Connection& c_;
  bool open_ = false;
};

}  // namespace saga::pg
