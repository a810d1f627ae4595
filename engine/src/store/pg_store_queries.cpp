// PgSagaStore: the tools' queries (sagactl, the Inspector), operator requests and retention.
#include <algorithm>
#include <climits>
#include <utility>

#include "store/pg_saga_store.h"
#include "store/sqlite_rows.h"

namespace saga {

using pg::number;
using pg::Param;
using pg::text;

Result<std::vector<SagaInstance>> PgSagaStore::query(const SagaQuery& q) {
  std::string where = "WHERE true";
  std::vector<Param> p;
  auto add = [&](const std::string& condition, Param value) {
    p.push_back(std::move(value));
    where += " AND " + condition + " $" + std::to_string(p.size());
  };
  if (q.phase) add("phase =", number(static_cast<std::int64_t>(*q.phase)));
  if (!q.type.empty()) add("type =", text(q.type));
  if (q.created_before) add("created_at_ms <", number(q.created_before->count()));
  if (q.created_after) add("created_at_ms >=", number(q.created_after->count()));
  Result<std::vector<SagaInstance>> out =
      instances(where + " ORDER BY created_at_ms DESC, id DESC" + pg_rows::limit_clause(q.limit) +
                    " OFFSET " + std::to_string(q.offset),
                p);
  if (!out) return out.status().with_context("store: query");
  return out;
}

Result<std::optional<SagaInstance>> PgSagaStore::oldest_unfinished() {
  Result<std::vector<SagaInstance>> found =
      instances("WHERE phase IN (1, 2, 5, 6) ORDER BY created_at_ms, id LIMIT 1", {});
  if (!found) return found.status().with_context("store: oldest_unfinished");
  if (found->empty()) return std::optional<SagaInstance>();
  return std::optional<SagaInstance>(std::move(found->front()));
}

Result<std::optional<OutboxEntry>> PgSagaStore::outbox_entry(const std::string& saga_id) {
  Result<std::vector<OutboxEntry>> found = outbox_rows("WHERE o.saga_id = $1", {text(saga_id)});
  if (!found) return found.status().with_context("store: outbox_entry " + saga_id);
  if (found->empty()) return std::optional<OutboxEntry>();
  return std::optional<OutboxEntry>(std::move(found->front()));
}

Result<std::vector<SagaCount>> PgSagaStore::counts() {
  if (Status s = ready(); !s) return s.with_context("store: counts");
  Result<pg::Rows> rows = c_->exec("store: counts",
                                   "SELECT type, version, fingerprint, phase, COUNT(*) FROM "
                                   "saga_instances GROUP BY type, version, fingerprint, phase "
                                   "ORDER BY type, version, fingerprint, phase");
  if (!rows) return rows.status();
  std::vector<SagaCount> out;
  for (int r = 0; r < rows->size(); ++r) {
    const std::int64_t phase = rows->get_int(r, 3);
    if (phase < 1 || phase > 5) {
      return Status(StatusCode::kMalformed, "store: counts: value out of range");
    }
    out.push_back(SagaCount{rows->get(r, 0), static_cast<std::uint32_t>(rows->get_int(r, 1)),
                            rows->get(r, 2), static_cast<Phase>(phase),
                            static_cast<std::uint64_t>(rows->get_int(r, 4))});
  }
  return out;
}

Result<std::map<Event, std::uint64_t>> PgSagaStore::event_counts() {
  if (Status s = ready(); !s) return s.with_context("store: event_counts");
  Result<pg::Rows> rows =
      c_->exec("store: event_counts", "SELECT event, COUNT(*) FROM saga_history GROUP BY event");
  if (!rows) return rows.status();
  std::map<Event, std::uint64_t> out;
  for (int r = 0; r < rows->size(); ++r) {
    const std::int64_t event = rows->get_int(r, 0);
    if (event < 1 || event > kEventCount) {
      return Status(StatusCode::kMalformed, "store: event_counts: unknown event");
    }
    out[static_cast<Event>(event)] = static_cast<std::uint64_t>(rows->get_int(r, 1));
  }
  return out;
}

// --- operator requests ---

Result<std::int64_t> PgSagaStore::add_operator_request(const OperatorRequest& r) {
  if (r.reason.empty()) return invalid_argument("operator request: reason is empty");
  if (options_.access == StoreAccess::kReadOnly) {
    return Status(StatusCode::kReadOnly, "store: add_operator_request: opened read-only");
  }
  if (Status s = ready(); !s) return s.with_context("store: add_operator_request");
  Result<pg::Rows> rows =
      c_->exec("store: add_operator_request",
               "INSERT INTO operator_requests (saga_id, action, reason, requested_by, "
               "requested_at_ms, lock_key) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
               {text(r.saga_id), text(std::string(to_string(r.action))), text(r.reason),
                text(r.requested_by), number(r.requested_at.count()), text(r.lock_key)});
  if (!rows) return rows.status();
  return rows->get_int(0, 0);
}

Result<std::vector<OperatorRequest>> PgSagaStore::requests(const std::string& where_and_order,
                                                           const std::vector<Param>& params) {
  if (Status s = ready(); !s) return s;
  return pg_rows::read_all<OperatorRequest>(
      c_->exec("operator requests",
               sqlite_rows::sql("SELECT ", pg_rows::prefixed(sqlite_rows::kRequestColumns, "r"),
                                " FROM operator_requests r ") +
                   where_and_order,
               params),
      &pg_rows::read_request);
}

Result<std::vector<OperatorRequest>> PgSagaStore::take_operator_requests(std::size_t limit) {
  std::string where = "WHERE r.state = 'pending'";
  std::vector<Param> p;
  if (shared()) {
    // Each instance applies the requests for its own sagas (and those for no running saga,
    // which any instance answers; finishing a request twice changes nothing).
    where +=
        " AND NOT EXISTS (SELECT 1 FROM saga_instances s WHERE s.id = r.saga_id AND "
        "s.phase IN (1, 2, 5, 6) AND s.lease_epoch <> $1)";
    p.push_back(number(epoch_));
  }
  Result<std::vector<OperatorRequest>> out =
      requests(where + " ORDER BY r.id LIMIT " + std::to_string(limit), p);
  if (!out) return out.status().with_context("store: take_operator_requests");
  return out;
}

Status PgSagaStore::finish_operator_request(const RequestOutcome& outcome) {
  StoreBatch batch;
  batch.request_outcomes.push_back(outcome);
  return commit(batch);
}

Result<std::optional<OperatorRequest>> PgSagaStore::operator_request(std::int64_t id) {
  Result<std::vector<OperatorRequest>> found = requests("WHERE r.id = $1", {number(id)});
  if (!found) return found.status().with_context("store: operator_request");
  if (found->empty()) return std::optional<OperatorRequest>();
  return std::optional<OperatorRequest>(std::move(found->front()));
}

Result<std::vector<OperatorRequest>> PgSagaStore::operator_requests(
    std::optional<RequestState> state, std::size_t limit) {
  std::string where;
  std::vector<Param> p;
  if (state) {
    where = "WHERE r.state = $1";
    p.push_back(text(std::string(to_string(*state))));
  }
  Result<std::vector<OperatorRequest>> out =
      requests(where + " ORDER BY r.id DESC" + pg_rows::limit_clause(limit), p);
  if (!out) return out.status().with_context("store: operator_requests");
  return out;
}

// --- retention ---

Result<std::size_t> PgSagaStore::prune_finished(Millis before, std::size_t limit,
                                                const PruneArchive& archive) {
  if (options_.access == StoreAccess::kReadOnly) {
    return Status(StatusCode::kReadOnly, "store: prune_finished: opened read-only");
  }
  if (Status s = ready(); !s) return s.with_context("store: prune_finished");
  pg::Transaction tx(*c_);
  if (Status s = tx.begin(); !s) return s.with_context("store: prune_finished");
  // Completed (3) and compensated (4) only; SKIP LOCKED leaves rows another pruner holds.
  Result<std::vector<SagaInstance>> found = instances(
      "WHERE phase IN (3, 4) AND created_at_ms < $1 AND updated_at_ms < $1 "
      "ORDER BY updated_at_ms, id LIMIT $2 FOR UPDATE SKIP LOCKED",
      {number(before.count()), number(static_cast<std::int64_t>(std::max<std::size_t>(
                                   1, std::min<std::size_t>(limit, INT32_MAX))))});
  if (!found) return found.status().with_context("store: prune_finished");
  if (archive) {
    std::vector<PrunedSaga> batch;
    for (const SagaInstance& saga : found.value()) {
      Result<std::vector<HistoryEntry>> entries = history(saga.id);
      if (!entries) return entries.status();
      batch.emplace_back(saga, std::move(entries).value());
    }
    if (Status a = archive(batch); !a) return a;
  }
  for (const SagaInstance& saga : found.value()) {
    for (const char* sql : {"DELETE FROM saga_history WHERE saga_id = $1",
                            "DELETE FROM saga_instances WHERE id = $1 AND phase IN (3, 4)"}) {
      if (Status s = c_->run("store: prune_finished", sql, {text(saga.id)}); !s) return s;
    }
  }
  if (Status s = tx.commit(); !s) return s.with_context("store: prune_finished");
  return found->size();
}

}  // namespace saga
