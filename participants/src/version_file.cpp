#include "saga/version_file.h"

#include <algorithm>
#include <set>
#include <stdexcept>
#include <utility>

#include "handler_context_access.h"
#include "version_file_schema.h"

namespace saga {
namespace {

using Access = detail::HandlerContextAccess;

constexpr std::string_view kColumns = "entity, operation, rank, saga_id, step, message_id, applied";

VersionRecord to_record(const SqlRow& row) {
  auto text = [&](std::size_t i) {
    const auto* s = std::get_if<std::string>(&row.at(i));
    return s ? *s : std::string();
  };
  auto integer = [&](std::size_t i) {
    const auto* v = std::get_if<std::int64_t>(&row.at(i));
    return v ? *v : std::int64_t{0};
  };
  return VersionRecord{text(0), text(1), integer(2), text(3), text(4), text(5), integer(6) != 0};
}

}  // namespace

Result<VersionFile> VersionFile::define(std::string entity_kind, std::vector<std::string> order) {
  if (entity_kind.empty()) return invalid_argument("version file: empty entity kind");
  if (order.empty()) return invalid_argument("version file '" + entity_kind + "': no operations");
  std::set<std::string, std::less<>> seen;
  for (const std::string& op : order) {
    if (op.empty()) return invalid_argument("version file '" + entity_kind + "': empty operation");
    if (!seen.insert(op).second) {
      return invalid_argument("version file '" + entity_kind + "': operation '" + op +
                              "' listed twice");
    }
  }
  return VersionFile(std::move(entity_kind), std::move(order));
}

VersionVerdict VersionFile::record(HandlerContext& context, std::string_view entity_id,
                                   std::string_view operation) const {
  const auto found = std::find(order_.begin(), order_.end(), operation);
  if (found == order_.end()) {
    throw std::invalid_argument("version file '" + entity_kind_ + "': unknown operation '" +
                                std::string(operation) + "'");
  }
  Access::check_not_interrupted(context);
  const auto rank = static_cast<std::int64_t>(found - order_.begin());
  const std::string entity = entity_kind_ + ":" + std::string(entity_id);
  Sql& db = context.db();
  std::optional<SqlRow> later = Access::checked(
      context, db.query_one("SELECT " + std::string(kColumns) +
                                " FROM saga_version_file WHERE entity = ? AND rank > ? "
                                "ORDER BY seq LIMIT 1",
                            {entity, rank}));
  std::optional<VersionRecord> superseded_by;
  if (later) superseded_by = to_record(*later);
  Access::checked(context,
                  db.exec("INSERT INTO saga_version_file (entity, operation, rank, saga_id, step, "
                          "message_id, applied) VALUES (?, ?, ?, ?, ?, ?, ?)",
                          {entity, std::string(operation), rank, context.saga_id(), context.step(),
                           context.message_id(), std::int64_t{superseded_by ? 0 : 1}}));
  return VersionVerdict(std::move(superseded_by));
}

std::vector<VersionRecord> VersionFile::history(HandlerContext& context,
                                                std::string_view entity_id) const {
  Access::check_not_interrupted(context);
  std::vector<SqlRow> rows = Access::checked(
      context, context.db().query("SELECT " + std::string(kColumns) +
                                      " FROM saga_version_file WHERE entity = ? ORDER BY seq",
                                  {entity_kind_ + ":" + std::string(entity_id)}));
  std::vector<VersionRecord> records;
  records.reserve(rows.size());
  for (const SqlRow& row : rows) records.push_back(to_record(row));
  return records;
}

Status VersionFile::create_table(Sql& db) {
  for (const char* statement : {detail::kVersionFileTable, detail::kVersionFileIndex}) {
    auto done = db.exec(statement);
    if (!done) return done.status();
  }
  return Status::ok();
}

}  // namespace saga
