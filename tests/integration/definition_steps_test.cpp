// Goal: the store records each registered definition's steps (schema v5), a v3 database
// migrates, its definitions still list with their steps unknown, and they get their steps when
// an engine registers them again.
// Method: SqliteSagaStore and an EngineFixture engine on real SQLite files in temp dirs; a v3
// file is what the current schema minus the v4 column and the v5 table is (as the v1 and v2
// migration tests in sqlite_store_migration_test.cpp build theirs); a raw SQLiteCpp connection
// checks the file.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <string>

#include "saga/inspection.h"
#include "saga/testing/engine_fixture.h"
#include "saga/testing/ftgo_definition.h"
#include "saga/testing/temp_dir.h"
#include "store/sqlite_saga_store.h"
#include "store/sqlite_schema.h"

namespace saga {
namespace {

// The engine's schema version (saga_meta, not PRAGMA user_version, since schema v6).
constexpr const char* kEngineVersionSql =
    "SELECT value FROM saga_meta WHERE key = 'schema_version'";

using testing::EngineFixture;

StoreOptions engine_store(const std::string& path) {
  StoreOptions o;
  o.path = path;
  o.busy_timeout = Millis(50);
  return o;
}

TEST(DefinitionStepsTest, StepsAreRecordedWithTheDefinitionAndReadBack) {
  testing::TempDir dir;
  auto store = SqliteSagaStore::open(engine_store(dir.file("engine.db")));
  ASSERT_TRUE(store.is_ok()) << store.status().to_string();
  auto definition = testing::ftgo_definition();
  definition->steps[4].applies = [](std::string_view) { return true; };
  definition->steps[4].retry.maximum_attempts = 7;
  StoreBatch batch;
  DefinitionRecord record = definition_record(*definition);
  record.registered_at = Millis(11);
  batch.definitions.push_back(record);
  ASSERT_EQ((*store)->commit(batch), Status::ok());

  auto read = (*store)->definitions();
  ASSERT_TRUE(read.is_ok()) << read.status().to_string();
  ASSERT_EQ(read->size(), 1u);
  EXPECT_EQ(read->front(), record);
  const StepRecord& confirm = read->front().steps->at(4);
  EXPECT_EQ(confirm.name, "confirm_ticket");
  EXPECT_EQ(confirm.kind, StepKind::kRetriable);
  EXPECT_EQ(confirm.participant, "kitchen");
  EXPECT_EQ(confirm.command, "ConfirmCreateTicket");
  EXPECT_TRUE(confirm.conditional);
  EXPECT_FALSE(confirm.local);
  EXPECT_EQ(confirm.maximum_attempts, 7u);
  const StepRecord& reject = read->front().steps->at(0);
  EXPECT_EQ(reject.participant, "");
  EXPECT_EQ(reject.compensation_participant, "order");
  EXPECT_EQ(reject.compensation_command, "RejectOrder");

  // Another fingerprint under the same name and version changes nothing (the first is kept).
  DefinitionRecord other = definition_record(*definition);
  other.fingerprint = "other";
  other.steps->resize(1);
  batch.definitions = {other};
  ASSERT_EQ((*store)->commit(batch), Status::ok());
  EXPECT_EQ((*store)->definitions()->front(), record);
}

TEST(DefinitionStepsTest, StepsOfADefinitionRecordedWithoutThemAreAddedOnce) {
  testing::TempDir dir;
  auto store = SqliteSagaStore::open(engine_store(dir.file("engine.db")));
  ASSERT_TRUE(store.is_ok());
  DefinitionRecord record = definition_record(*testing::ftgo_definition());
  DefinitionRecord bare = record;
  bare.steps.reset();
  bare.registered_at = Millis(3);
  StoreBatch batch;
  batch.definitions = {bare};
  ASSERT_EQ((*store)->commit(batch), Status::ok());
  EXPECT_FALSE((*store)->definitions()->front().steps.has_value());
  record.registered_at = Millis(99);
  batch.definitions = {record};
  ASSERT_EQ((*store)->commit(batch), Status::ok());
  DefinitionRecord want = record;
  want.registered_at = Millis(3);  // the first registration's time stays
  EXPECT_EQ((*store)->definitions()->front(), want);
}

TEST(DefinitionStepsTest, VersionThreeDatabaseMigratesAndOldDefinitionsGetStepsWhenRegistered) {
  EngineFixture f;
  ASSERT_TRUE(f.open().is_ok());
  StartOptions options;
  options.id = "before";
  ASSERT_TRUE(f.engine().start_saga("create_order", "order-1", options).is_ok());
  EXPECT_EQ(f.settle("before").phase, Phase::kCompleted);
  f.close();
  {  // Back to what a v3 engine left behind: no steps table.
    SQLite::Database raw(f.database_path(), SQLite::OPEN_READWRITE);
    raw.exec(
        "DROP TABLE saga_meta; DROP TABLE saga_start_requests; "
        "DROP TABLE saga_events; DROP TABLE saga_event_keys; "
        "DROP TABLE saga_definition_steps; ALTER TABLE saga_instances DROP COLUMN failure_cause; "
        "ALTER TABLE saga_instances DROP COLUMN saga_deadline_ms; "
        "DROP TABLE saga_branch_outbox; ALTER TABLE saga_instances DROP COLUMN branches; "
        "DROP TABLE saga_event_requests; "
        "PRAGMA user_version = 3");
  }
  InspectorOptions read_only;
  read_only.path = f.database_path();
  EXPECT_EQ(Inspector::open(read_only).status().code(), StatusCode::kFailedPrecondition);

  {  // The engine's store migrates; the old definition lists, its steps unknown.
    auto store = SqliteSagaStore::open(engine_store(f.database_path()));
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    auto defs = (*store)->definitions();
    ASSERT_TRUE(defs.is_ok()) << defs.status().to_string();
    ASSERT_EQ(defs->size(), 1u);
    EXPECT_EQ(defs->front().name, "create_order");
    EXPECT_EQ(defs->front().fingerprint, fingerprint(*f.definition()));
    EXPECT_FALSE(defs->front().steps.has_value());
    SQLite::Database raw(f.database_path(), SQLite::OPEN_READONLY);
    EXPECT_EQ(raw.execAndGet(kEngineVersionSql).getInt(), kSchemaVersion);
    EXPECT_GE(kSchemaVersion, 5);
  }
  auto inspector = Inspector::open(read_only);
  ASSERT_TRUE(inspector.is_ok()) << inspector.status().to_string();
  const Millis registered = (*inspector)->definitions().value().front().record.registered_at;
  auto old = (*inspector)->saga("before").value();
  ASSERT_TRUE(old.has_value() && old->definition.has_value());
  EXPECT_FALSE(old->definition->steps.has_value());
  EXPECT_EQ(old->step_name(1), "");  // unknown, and no outstanding command to name it

  ASSERT_TRUE(f.open().is_ok());  // registers create_order v1 again
  options.id = "after";
  ASSERT_TRUE(f.engine().start_saga("create_order", "order-2", options).is_ok());
  EXPECT_EQ(f.settle("after").phase, Phase::kCompleted);
  auto defs = (*inspector)->definitions();
  ASSERT_TRUE(defs.is_ok());
  ASSERT_EQ(defs->size(), 1u);
  DefinitionRecord want = definition_record(*f.definition());
  want.registered_at = registered;
  EXPECT_EQ(defs->front().record, want);
  EXPECT_EQ((*inspector)->saga("before").value()->step_name(1), "verify_consumer");
}

}  // namespace
}  // namespace saga
