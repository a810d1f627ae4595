// The libpq adapter (pg_connection.h): connections, parameters, results, SQLSTATE to Status.
#include "store/pg_connection.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <utility>

namespace saga::pg {
namespace {

StatusCode code_for(std::string_view state) {
  if (state == "40001" || state == "40P01" || state == "55P03") return StatusCode::kBusy;
  if (state == "23505") return StatusCode::kAlreadyExists;
  if (state == "25006") return StatusCode::kReadOnly;
  if (state == "XX001" || state == "XX002") return StatusCode::kCorrupt;
  if (state.size() != 5) return StatusCode::kUnavailable;  // no SQLSTATE: the connection failed
  const std::string_view cls = state.substr(0, 2);
  if (cls == "53") return StatusCode::kFull;
  if (cls == "08" || cls == "57") return StatusCode::kUnavailable;
  if (cls == "22" || cls == "23" || cls == "42") return StatusCode::kInvalidArgument;
  return StatusCode::kInternal;
}

std::string trimmed(const char* message) {
  std::string m = message != nullptr ? message : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

}  // namespace

Param text(std::string value) { return Param{std::move(value), false, false}; }
Param bytes(std::string value) { return Param{std::move(value), true, false}; }
Param number(std::int64_t value) { return Param{std::to_string(value), false, false}; }

Rows::Rows(pg_result* result) : result_(result) {}
Rows::Rows(Rows&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}
Rows& Rows::operator=(Rows&& other) noexcept {
  if (this != &other) {
    if (result_ != nullptr) PQclear(result_);
    result_ = std::exchange(other.result_, nullptr);
  }
  return *this;
}
Rows::~Rows() {
  if (result_ != nullptr) PQclear(result_);
}
int Rows::size() const { return result_ != nullptr ? PQntuples(result_) : 0; }
int Rows::affected() const {
  const char* n = result_ != nullptr ? PQcmdTuples(result_) : nullptr;
  return n != nullptr && *n != '\0' ? std::atoi(n) : 0;
}
std::string Rows::get(int row, int column) const {
  return std::string(PQgetvalue(result_, row, column),
                     static_cast<std::size_t>(PQgetlength(result_, row, column)));
}
bool Rows::is_null(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }
std::int64_t Rows::get_int(int row, int column) const {
  return std::strtoll(PQgetvalue(result_, row, column), nullptr, 10);
}
std::string Rows::get_bytes(int row, int column) const {
  std::size_t length = 0;
  unsigned char* raw = PQunescapeBytea(
      reinterpret_cast<const unsigned char*>(PQgetvalue(result_, row, column)), &length);
  if (raw == nullptr) return {};
  std::string out(reinterpret_cast<const char*>(raw), length);
  PQfreemem(raw);
  return out;
}

int Rows::columns() const { return PQnfields(result_); }
Rows::Kind Rows::kind(int column) const {
  switch (PQftype(result_, column)) {  // the built-in type OIDs (pg_type.dat)
    case 16:                           // bool
    case 20:                           // int8
    case 21:                           // int2
    case 23:                           // int4
      return Kind::kInteger;
    case 700:  // float4
    case 701:  // float8
      return Kind::kReal;
    case 17:  // bytea
      return Kind::kBytes;
    default:
      return Kind::kText;
  }
}

Result<std::unique_ptr<Connection>> Connection::open(const std::string& url) {
  pg_conn* conn = PQconnectdb(url.c_str());
  if (conn == nullptr) return Status(StatusCode::kInternal, "postgresql: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    Status s(StatusCode::kUnavailable,
             "postgresql: cannot connect: " + trimmed(PQerrorMessage(conn)));
    PQfinish(conn);
    return s;
  }
  std::unique_ptr<Connection> c(new Connection(conn));
  // Notices (CREATE ... IF NOT EXISTS skipping) must not reach stderr: library code is quiet.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  if (Status s = c->run("postgresql: session", "SET client_min_messages = warning"); !s) return s;
  return c;
}

std::unique_ptr<Connection> Connection::borrow(pg_conn* conn) {
  return std::unique_ptr<Connection>(new Connection(conn, false));
}

bool Connection::in_transaction() const {
  return conn_ != nullptr && PQtransactionStatus(conn_) == PQTRANS_INTRANS;
}

Connection::~Connection() {
  if (owned_) PQfinish(conn_);
}

bool Connection::broken() const { return needs_reset_ || PQstatus(conn_) != CONNECTION_OK; }

Status Connection::reset() {
  needs_reset_ = false;
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) {
    needs_reset_ = true;
    return Status(StatusCode::kUnavailable,
                  "postgresql: reconnect failed: " + trimmed(PQerrorMessage(conn_)));
  }
  return run("postgresql: session", "SET client_min_messages = warning");
}

Result<Rows> Connection::exec(std::string_view context, const std::string& sql,
                              const std::vector<Param>& params) {
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  for (const Param& p : params) {
    values.push_back(p.null ? nullptr : p.value.data());
    lengths.push_back(static_cast<int>(p.value.size()));
    formats.push_back(p.binary ? 1 : 0);
  }
  pg_result* r = PQexecParams(conn_, sql.c_str(), static_cast<int>(params.size()), nullptr,
                              values.data(), lengths.data(), formats.data(), 0);
  Rows rows(r);  // owns r from here on
  const ExecStatusType status = r != nullptr ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return rows;
  const char* state = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const std::string message =
      trimmed(r != nullptr ? PQresultErrorMessage(r) : PQerrorMessage(conn_));
  const StatusCode code = code_for(state != nullptr ? state : "");
  // A session the server ended (restart, admin shutdown, network) is replaced before the next
  // statement, even where libpq has not marked it bad yet.
  if (code == StatusCode::kUnavailable) needs_reset_ = true;
  return Status(code, std::string(context) + ": " +
                          (message.empty() ? "connection lost" : message) +
                          (state != nullptr ? " (sqlstate " + std::string(state) + ")" : ""));
}

Status Connection::run(std::string_view context, const std::string& sql,
                       const std::vector<Param>& params) {
  Result<Rows> rows = exec(context, sql, params);
  return rows ? Status::ok() : rows.status();
}

Status Connection::script(std::string_view context, const std::string& sql) {
  pg_result* r = PQexec(conn_, sql.c_str());  // the last statement's result, or the error's
  const ExecStatusType status = r != nullptr ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  Status out = Status::ok();
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    out = Status(StatusCode::kInternal,
                 std::string(context) + ": " +
                     trimmed(r != nullptr ? PQresultErrorMessage(r) : PQerrorMessage(conn_)));
  }
  if (r != nullptr) PQclear(r);
  return out;
}

Transaction::~Transaction() {
  if (open_) (void)c_.run("postgresql: rollback", "ROLLBACK");
}

Status Transaction::begin(std::string_view isolation) {
  Status s = c_.run("postgresql: begin", "BEGIN ISOLATION LEVEL " + std::string(isolation));
  open_ = s.is_ok();
  return s;
}

Status Transaction::commit() {
  open_ = false;
  return c_.run("postgresql: commit", "COMMIT");
}

}  // namespace saga::pg
