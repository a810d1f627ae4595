// Goal: SqliteSagaStore keeps every field, writes each batch all or nothing, and reports storage
// failures (conflicts, foreign or damaged files, read-only files, locks) as the right Status.
// Method: real SQLite files in a fresh temp directory per test; a raw SQLiteCpp connection
// inspects the file and holds locks where a test needs a second writer.
#include "store/sqlite_saga_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "store/sqlite_schema.h"

namespace saga {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;

class SqliteSagaStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "saga_store_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr) << "mkdtemp " << pattern;
    dir_ = pattern;
    path_ = (dir_ / "engine.db").string();
  }
  void TearDown() override {
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add);
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  StoreOptions options() const {
    StoreOptions o;
    o.path = path_;
    o.busy_timeout = Millis(50);
    return o;
  }
  std::unique_ptr<SqliteSagaStore> open_store() {
    auto store = SqliteSagaStore::open(options());
    EXPECT_TRUE(store.is_ok()) << store.status().to_string();
    return store.is_ok() ? std::move(store).value() : nullptr;
  }

  fs::path dir_;
  std::string path_;
};

// An instance with every field set away from its default.
SagaInstance make_instance(const std::string& id, Millis created_at = Millis(1'000)) {
  SagaInstance i;
  i.id = id;
  i.type = "CreateOrder";
  i.version = 3;
  i.fingerprint = "fp-abc";
  i.phase = Phase::kExecuting;
  i.failed_from = Phase::kCompensating;
  i.step = 2;
  i.attempt = 4;
  i.delivery = 5;
  i.skipped_mask = 0x8000'0000'0000'0001ULL;  // top bit: survives the signed column
  i.message_seq = UINT64_MAX;
  i.data = "\0bin\0ary\xff\x00"s;
  i.last_request_id = id + "-m7";
  i.wait = Wait::kReply;
  i.deadline = Millis(9'000);
  i.last_reason = "card_declined";
  i.failure_cause = FailureCause::kBusinessFailure;
  i.trace_id = "trace-1";
  i.row_version = 1;
  i.created_at = created_at;
  i.updated_at = created_at + Millis(5);
  return i;
}

OutboxEntry make_outbox(const std::string& saga_id, const std::string& message_id) {
  OutboxEntry e;
  e.saga_id = saga_id;
  e.participant = "kitchen";
  Envelope& m = e.envelope;
  m.kind = MessageKind::kCommand;
  m.message_id = message_id;
  m.saga_id = saga_id;
  m.name = "CreateTicket";
  m.saga_type = "CreateOrder";
  m.step = "create_ticket";
  m.compensation = true;
  m.attempt = 3;
  m.content_type = ContentType::kJson;
  m.trace_id = "trace-1";
  m.body = "{\"a\":\0}"s;
  return e;
}

HistoryEntry make_history(Event event, std::int32_t step, Millis time) {
  return HistoryEntry{event, step, 1, time, "reason " + std::to_string(step), "TicketCreated"};
}

TEST_F(SqliteSagaStoreTest, RoundTripsEveryInstanceFieldIncludingBinaryData) {
  auto store = open_store();
  SagaInstance in = make_instance("s1");
  in.row_version = 0;  // ignored on insert: written as 1
  StoreBatch batch;
  batch.inserts.push_back(in);
  ASSERT_EQ(store->commit(batch), Status::ok());

  auto out = store->load("s1");
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  ASSERT_TRUE(out->has_value());
  in.row_version = 1;
  EXPECT_EQ(**out, in);
  EXPECT_EQ((*out)->data.size(), 10u);
}

TEST_F(SqliteSagaStoreTest, RoundTripsFiveMebibyteData) {
  auto store = open_store();
  SagaInstance in = make_instance("big");
  in.data.resize(5 * 1024 * 1024);
  for (std::size_t k = 0; k < in.data.size(); ++k) in.data[k] = static_cast<char>(k * 31 % 251);
  StoreBatch batch;
  batch.inserts.push_back(in);
  ASSERT_EQ(store->commit(batch), Status::ok());

  auto out = store->load("big");
  ASSERT_TRUE(out.is_ok() && out->has_value());
  EXPECT_EQ((*out)->data, in.data);
}

TEST_F(SqliteSagaStoreTest, LoadOfUnknownIdIsEmpty) {
  auto store = open_store();
  auto out = store->load("nope");
  ASSERT_TRUE(out.is_ok());
  EXPECT_FALSE(out->has_value());
}

TEST_F(SqliteSagaStoreTest, UpdateWritesEveryFieldAndBumpsRowVersion) {
  auto store = open_store();
  StoreBatch insert;
  insert.inserts.push_back(make_instance("s1"));
  ASSERT_EQ(store->commit(insert), Status::ok());

  SagaInstance next = make_instance("s1");
  next.phase = Phase::kFailed;
  next.step = 0;
  next.data = "new\0data"s;
  next.wait = Wait::kNone;
  next.last_request_id.clear();
  next.updated_at = Millis(77'000);
  StoreBatch update;
  update.updates.push_back(next);
  ASSERT_EQ(store->commit(update), Status::ok());

  auto out = store->load("s1");
  ASSERT_TRUE(out.is_ok() && out->has_value());
  next.row_version = 2;
  EXPECT_EQ(**out, next);
}

TEST_F(SqliteSagaStoreTest, HistoryComesBackOldestFirstPerSaga) {
  auto store = open_store();
  std::vector<HistoryEntry> a, b;
  for (int round = 0; round < 3; ++round) {
    StoreBatch batch;
    for (int k = 0; k < 4; ++k) {
      const int n = round * 4 + k;
      HistoryEntry h = make_history(static_cast<Event>(1 + n % kEventCount), n, Millis(100 - n));
      auto& list = n % 2 ? a : b;
      list.push_back(h);
      batch.history.emplace_back(n % 2 ? "a" : "b", h);
    }
    ASSERT_EQ(store->commit(batch), Status::ok());
  }
  auto ha = store->history("a");
  auto hb = store->history("b");
  ASSERT_TRUE(ha.is_ok() && hb.is_ok());
  EXPECT_EQ(*ha, a);
  EXPECT_EQ(*hb, b);
  EXPECT_TRUE(store->history("c")->empty());
}

TEST_F(SqliteSagaStoreTest, OutboxPutReplaceDeleteRebuildsTheEnvelope) {
  auto store = open_store();
  StoreBatch put;
  put.outbox_put = {make_outbox("s1", "s1-m1"), make_outbox("s2", "s2-m1")};
  ASSERT_EQ(store->commit(put), Status::ok());
  auto out = store->load_outbox();
  ASSERT_TRUE(out.is_ok());
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[0].saga_id, "s1");
  EXPECT_EQ((*out)[0].participant, "kitchen");
  EXPECT_EQ((*out)[0].envelope, put.outbox_put[0].envelope);
  EXPECT_EQ((*out)[1].envelope, put.outbox_put[1].envelope);

  OutboxEntry replaced = make_outbox("s1", "s1-m2");
  replaced.participant = "accounting";
  replaced.envelope.compensation = false;
  replaced.envelope.content_type = ContentType::kCerealBinary;
  replaced.envelope.trace_id.clear();
  replaced.envelope.body.clear();
  StoreBatch replace;
  replace.outbox_put = {replaced};
  replace.outbox_delete = {"s2"};
  ASSERT_EQ(store->commit(replace), Status::ok());
  out = store->load_outbox();
  ASSERT_TRUE(out.is_ok());
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ((*out)[0].participant, "accounting");
  EXPECT_EQ((*out)[0].envelope, replaced.envelope);

  StoreBatch remove;
  remove.outbox_delete = {"s1", "never-there"};
  ASSERT_EQ(store->commit(remove), Status::ok());
  EXPECT_TRUE(store->load_outbox()->empty());
}

TEST_F(SqliteSagaStoreTest, OutboxEntryThatIsNotACommandOfItsSagaIsRejected) {
  auto store = open_store();
  StoreBatch batch;
  batch.outbox_put = {make_outbox("s1", "m1")};
  batch.outbox_put[0].envelope.saga_id = "other";
  EXPECT_EQ(store->commit(batch).code(), StatusCode::kInvalidArgument);
}

// A batch with everything in it, none of whose rows exist yet.
StoreBatch full_batch(const std::string& id) {
  StoreBatch batch;
  batch.definitions.push_back({"Def-" + id, 1, "fp", Millis(5)});
  batch.inserts.push_back(make_instance(id));
  batch.history.emplace_back(id, make_history(Event::kStarted, -1, Millis(1)));
  batch.outbox_put.push_back(make_outbox(id, id + "-m1"));
  return batch;
}

void expect_nothing_of(SqliteSagaStore& store, const std::string& id) {
  auto loaded = store.load(id);
  ASSERT_TRUE(loaded.is_ok());
  EXPECT_FALSE(loaded->has_value());
  EXPECT_TRUE(store.history(id)->empty());
  auto outbox = store.load_outbox();
  auto definitions = store.definitions();
  ASSERT_TRUE(outbox.is_ok() && definitions.is_ok());
  for (const OutboxEntry& e : *outbox) EXPECT_NE(e.saga_id, id);
  for (const DefinitionRecord& d : *definitions) EXPECT_NE(d.name, "Def-" + id);
}

TEST_F(SqliteSagaStoreTest, DuplicateInsertIsAlreadyExistsAndWritesNothing) {
  auto store = open_store();
  ASSERT_EQ(store->commit(full_batch("old")), Status::ok());

  StoreBatch batch = full_batch("new");
  batch.inserts.push_back(make_instance("old"));
  Status s = store->commit(batch);
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s.to_string();
  EXPECT_NE(s.message().find("old"), std::string::npos) << s.message();
  expect_nothing_of(*store, "new");
  // The store is usable afterwards (statements reset, transaction rolled back).
  ASSERT_EQ(store->commit(full_batch("new")), Status::ok());
  EXPECT_TRUE(store->load("new")->has_value());
}

TEST_F(SqliteSagaStoreTest, StaleRowVersionIsConflictAndWritesNothing) {
  auto store = open_store();
  ASSERT_EQ(store->commit(full_batch("s1")), Status::ok());
  SagaInstance fresh = make_instance("s1");
  StoreBatch first;
  first.updates.push_back(fresh);
  ASSERT_EQ(store->commit(first), Status::ok());  // now at row_version 2

  StoreBatch batch = full_batch("s2");
  SagaInstance stale = fresh;
  stale.phase = Phase::kCompleted;  // still claims row_version 1
  batch.updates.push_back(stale);
  Status s = store->commit(batch);
  EXPECT_EQ(s.code(), StatusCode::kConflict) << s.to_string();
  EXPECT_NE(s.message().find("s1"), std::string::npos) << s.message();
  expect_nothing_of(*store, "s2");
  EXPECT_EQ(store->load("s1")->value().phase, Phase::kExecuting);
  EXPECT_EQ(store->load("s1")->value().row_version, 2);

  StoreBatch missing;
  missing.updates.push_back(make_instance("ghost"));
  EXPECT_EQ(store->commit(missing).code(), StatusCode::kConflict);
}

TEST_F(SqliteSagaStoreTest, DefinitionsAreInsertedOnceAndKeepTheFirstRecord) {
  auto store = open_store();
  StoreBatch batch;
  batch.definitions = {
      {"B", 1, "fb", Millis(1)}, {"A", 2, "fa2", Millis(2)}, {"A", 1, "fa1", Millis(3)}};
  ASSERT_EQ(store->commit(batch), Status::ok());
  StoreBatch again;
  again.definitions = {{"A", 1, "changed", Millis(99)}};
  ASSERT_EQ(store->commit(again), Status::ok());
  auto defs = store->definitions();
  ASSERT_TRUE(defs.is_ok());
  std::vector<DefinitionRecord> want = {
      {"A", 1, "fa1", Millis(3)}, {"A", 2, "fa2", Millis(2)}, {"B", 1, "fb", Millis(1)}};
  EXPECT_EQ(*defs, want);
}

TEST_F(SqliteSagaStoreTest, LoadUnfinishedAndListSelectByPhaseAndOrder) {
  auto store = open_store();
  const Phase phases[] = {Phase::kExecuting,   Phase::kCompensating, Phase::kCompleted,
                          Phase::kCompensated, Phase::kFailed,       Phase::kExecuting};
  StoreBatch batch;
  for (int k = 0; k < 6; ++k) {
    // Two pairs share a created_at, so the id breaks the tie.
    SagaInstance i = make_instance("s" + std::to_string(k), Millis(100 + k / 2));
    i.phase = phases[k];
    batch.inserts.push_back(i);
  }
  ASSERT_EQ(store->commit(batch), Status::ok());

  auto ids = [](const std::vector<SagaInstance>& v) {
    std::vector<std::string> out;
    for (const SagaInstance& i : v) out.push_back(i.id);
    return out;
  };
  auto unfinished = store->load_unfinished();
  ASSERT_TRUE(unfinished.is_ok());
  EXPECT_EQ(ids(*unfinished), (std::vector<std::string>{"s0", "s1", "s4", "s5"}));

  EXPECT_EQ(ids(*store->list(std::nullopt, 0)),
            (std::vector<std::string>{"s5", "s4", "s3", "s2", "s1", "s0"}));
  EXPECT_EQ(ids(*store->list(std::nullopt, 3)), (std::vector<std::string>{"s5", "s4", "s3"}));
  EXPECT_EQ(ids(*store->list(Phase::kExecuting, 10)), (std::vector<std::string>{"s5", "s0"}));
  EXPECT_EQ(ids(*store->list(Phase::kExecuting, 1)), (std::vector<std::string>{"s5"}));
  EXPECT_TRUE(store->list(Phase::kCompleted, 5)->size() == 1);
}

TEST_F(SqliteSagaStoreTest, ManySmallTransitionsInOneBatch) {
  auto store = open_store();
  StoreBatch create;
  for (int k = 0; k < 2'000; ++k) create.inserts.push_back(make_instance("s" + std::to_string(k)));
  ASSERT_EQ(store->commit(create), Status::ok());
  StoreBatch step;
  for (SagaInstance i : create.inserts) {
    i.step += 1;
    step.history.emplace_back(i.id, make_history(Event::kStepSucceeded, i.step, Millis(2)));
    step.outbox_put.push_back(make_outbox(i.id, i.id + "-m2"));
    step.updates.push_back(std::move(i));
  }
  ASSERT_EQ(store->commit(step), Status::ok());
  EXPECT_EQ(store->load("s1999")->value().step, 3);
  EXPECT_EQ(store->load("s1999")->value().row_version, 2);
  EXPECT_EQ(store->load_outbox()->size(), 2'000u);
}

TEST_F(SqliteSagaStoreTest, ReopenKeepsEverythingAndTheSchemaVersion) {
  StoreBatch batch = full_batch("s1");
  {
    auto store = open_store();
    ASSERT_EQ(store->commit(batch), Status::ok());
  }
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  SagaInstance want = batch.inserts[0];
  want.row_version = 1;
  EXPECT_EQ(store->load("s1")->value(), want);
  EXPECT_EQ(*store->history("s1"), std::vector<HistoryEntry>{batch.history[0].second});
  ASSERT_EQ(store->load_outbox()->size(), 1u);
  EXPECT_EQ(store->load_outbox()->at(0).envelope, batch.outbox_put[0].envelope);
  EXPECT_EQ(*store->definitions(), batch.definitions);

  SQLite::Database raw(path_, SQLite::OPEN_READONLY);
  EXPECT_EQ(raw.execAndGet("PRAGMA user_version").getInt(), kSchemaVersion);
  EXPECT_EQ(raw.execAndGet("PRAGMA journal_mode").getString(), "wal");
}

TEST_F(SqliteSagaStoreTest, EverySynchronousLevelOpens) {
  for (Synchronous level :
       {Synchronous::kOff, Synchronous::kNormal, Synchronous::kFull, Synchronous::kExtra}) {
    StoreOptions o = options();
    o.synchronous = level;
    auto store = SqliteSagaStore::open(o);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    ASSERT_EQ((*store)->commit(full_batch("s" + std::to_string(static_cast<int>(level)))),
              Status::ok());
  }
}

TEST_F(SqliteSagaStoreTest, GarbageFileIsCorrupt) {
  {
    std::ofstream f(path_, std::ios::binary);
    f << std::string(8192, 'x');
  }
  auto store = SqliteSagaStore::open(options());
  ASSERT_FALSE(store.is_ok());
  EXPECT_EQ(store.status().code(), StatusCode::kCorrupt) << store.status().to_string();
  EXPECT_NE(store.status().message().find("not a database"), std::string::npos)
      << store.status().message();
}

TEST_F(SqliteSagaStoreTest, ForeignDatabaseIsCorrupt) {
  {
    SQLite::Database raw(path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY)");
  }
  auto store = SqliteSagaStore::open(options());
  ASSERT_FALSE(store.is_ok());
  EXPECT_EQ(store.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(store.status().message().find("not a saga engine database"), std::string::npos)
      << store.status().message();
}

TEST_F(SqliteSagaStoreTest, DatabaseFromANewerVersionIsCorrupt) {
  { ASSERT_NE(open_store(), nullptr); }
  {
    SQLite::Database raw(path_, SQLite::OPEN_READWRITE);
    raw.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion + 1));
  }
  auto store = SqliteSagaStore::open(options());
  ASSERT_FALSE(store.is_ok());
  EXPECT_EQ(store.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(store.status().message().find("newer version"), std::string::npos)
      << store.status().message();
}

TEST_F(SqliteSagaStoreTest, MissingDirectoryIsIoError) {
  StoreOptions o = options();
  o.path = (dir_ / "no" / "such" / "engine.db").string();
  auto store = SqliteSagaStore::open(o);
  ASSERT_FALSE(store.is_ok());
  EXPECT_EQ(store.status().code(), StatusCode::kIoError) << store.status().to_string();
}

// Root ignores file permissions; these tests skip themselves when the write goes through.
constexpr const char* kRootSkip =
    "running as root: file permissions do not stop writes, so kReadOnly cannot be provoked "
    "this way; run as a normal user to check it";

TEST_F(SqliteSagaStoreTest, ReadOnlyFileOpensButRefusesCommit) {
  { ASSERT_NE(open_store(), nullptr); }  // closed: WAL checkpointed, -wal and -shm removed
  // Only the file: SQLite needs a writable directory to create the -shm of a WAL database.
  ASSERT_EQ(chmod(path_.c_str(), 0444), 0);
  auto store = SqliteSagaStore::open(options());
  ASSERT_TRUE(store.is_ok()) << store.status().to_string();
  EXPECT_TRUE((*store)->load("s1").is_ok());
  Status s = (*store)->commit(full_batch("s1"));
  if (s.is_ok() && geteuid() == 0) GTEST_SKIP() << kRootSkip;
  EXPECT_EQ(s.code(), StatusCode::kReadOnly) << s.to_string();
  EXPECT_NE(s.message().find("store: commit"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("readonly"), std::string::npos) << s.message();
}

TEST_F(SqliteSagaStoreTest, ReadOnlyFileInReadOnlyDirectoryFailsToOpen) {
  { ASSERT_NE(open_store(), nullptr); }
  ASSERT_EQ(chmod(path_.c_str(), 0444), 0);
  ASSERT_EQ(chmod(dir_.c_str(), 0555), 0);
  auto store = SqliteSagaStore::open(options());
  if (store.is_ok() && geteuid() == 0) GTEST_SKIP() << kRootSkip;
  ASSERT_FALSE(store.is_ok());
  EXPECT_EQ(store.status().code(), StatusCode::kReadOnly) << store.status().to_string();
  EXPECT_NE(store.status().message().find("store: open"), std::string::npos);
}

TEST_F(SqliteSagaStoreTest, SecondWriterMakesCommitBusyAfterTheTimeout) {
  auto store = open_store();
  SQLite::Database other(path_, SQLite::OPEN_READWRITE);
  other.exec("BEGIN IMMEDIATE");
  Status s = store->commit(full_batch("s1"));
  EXPECT_EQ(s.code(), StatusCode::kBusy) << s.to_string();
  EXPECT_NE(s.message().find("store: commit"), std::string::npos) << s.message();
  // Readers are not blocked by the writer (WAL).
  EXPECT_TRUE(store->load("s1").is_ok());
  other.exec("ROLLBACK");
  EXPECT_EQ(store->commit(full_batch("s1")), Status::ok());
}

OperatorRequest make_request(const std::string& saga, OperatorAction action,
                             const std::string& reason, const std::string& by) {
  OperatorRequest r;
  r.saga_id = saga;
  r.action = action;
  r.reason = reason;
  r.requested_by = by;
  r.requested_at = Millis(5);
  return r;
}

TEST_F(SqliteSagaStoreTest, VersionOneDatabaseMigratesToTheCurrentVersionKeepingItsRows) {
  {
    auto store = open_store();
    ASSERT_EQ(store->commit(full_batch("s1")), Status::ok());
  }
  {  // Back to what a v1 engine left behind.
    SQLite::Database raw(path_, SQLite::OPEN_READWRITE);
    raw.exec(
        "DROP TABLE saga_definition_steps; DROP TABLE operator_requests; DROP TABLE saga_locks; "
        "DROP TABLE saga_lock_waits; ALTER TABLE saga_instances DROP COLUMN locks_through; "
        "ALTER TABLE saga_instances DROP COLUMN failure_cause; PRAGMA user_version = 1");
  }
  StoreOptions read_only = options();
  read_only.access = StoreAccess::kReadOnly;
  auto refused = SqliteSagaStore::open(read_only);  // tools never migrate
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);

  auto store = open_store();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->load("s1")->has_value());
  OperatorRequest request = make_request("s1", OperatorAction::kSkip, "why", "who");
  EXPECT_TRUE(store->add_operator_request(request).is_ok());
  SQLite::Database raw(path_, SQLite::OPEN_READONLY);
  EXPECT_EQ(raw.execAndGet("PRAGMA user_version").getInt(), kSchemaVersion);
  EXPECT_EQ(store->load("s1")->value().locks_through, kNoLocksGranted);
}

TEST_F(SqliteSagaStoreTest, VersionTwoDatabaseMigratesToTheCurrentVersionKeepingItsRequests) {
  std::int64_t request_id = 0;
  {
    auto store = open_store();
    ASSERT_EQ(store->commit(full_batch("s1")), Status::ok());
    request_id =
        store->add_operator_request(make_request("s1", OperatorAction::kRetry, "why", "who"))
            .value();
  }
  {  // Back to what a v2 engine left behind (the CHECK on actions is wider; harmless here).
    SQLite::Database raw(path_, SQLite::OPEN_READWRITE);
    raw.exec(
        "DROP TABLE saga_definition_steps; DROP TABLE saga_locks; DROP TABLE saga_lock_waits; "
        "ALTER TABLE saga_instances DROP COLUMN locks_through; "
        "ALTER TABLE saga_instances DROP COLUMN failure_cause; "
        "ALTER TABLE operator_requests DROP COLUMN lock_key; PRAGMA user_version = 2");
  }
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  auto request = store->operator_request(request_id);
  ASSERT_TRUE(request.is_ok() && request->has_value());
  EXPECT_EQ(request->value().saga_id, "s1");
  EXPECT_EQ(request->value().action, OperatorAction::kRetry);
  EXPECT_EQ(request->value().reason, "why");
  EXPECT_EQ(request->value().lock_key, "");
  OperatorRequest release = make_request("", OperatorAction::kReleaseLock, "stuck", "ops");
  release.lock_key = "order:1";
  auto next = store->add_operator_request(release);
  ASSERT_TRUE(next.is_ok()) << next.status().to_string();
  EXPECT_GT(next.value(), request_id);
  EXPECT_EQ(store->operator_request(next.value())->value().lock_key, "order:1");
  EXPECT_EQ(store->load("s1")->value().locks_through, kNoLocksGranted);
}

TEST_F(SqliteSagaStoreTest, LocksAndWaitsAreCommittedWithTheBatchAndLoadedBack) {
  auto store = open_store();
  StoreBatch batch = full_batch("s1");
  batch.locks.locks_put.push_back(HeldLock{"order:1", "s1", Millis(5), Millis(60'000), 3});
  batch.locks.locks_put.push_back(HeldLock{"odd:\n;:key", "s1", Millis(6), Millis(10), -1});
  LockWait wait{"s2",
                7,
                Millis(8),
                1,
                {LockClaim{"order:1", LockMode::kWait, Millis(100), -1},
                 LockClaim{"a;b:1,2", LockMode::kFailFast, Millis(200), 4}}};
  batch.locks.waits_put.push_back(wait);
  ASSERT_EQ(store->commit(batch), Status::ok());
  auto locks = store->load_locks();
  ASSERT_TRUE(locks.is_ok());
  ASSERT_EQ(locks->size(), 2u);
  EXPECT_EQ((*locks)[0], (HeldLock{"odd:\n;:key", "s1", Millis(6), Millis(10), -1}));
  EXPECT_EQ((*locks)[1], (HeldLock{"order:1", "s1", Millis(5), Millis(60'000), 3}));
  auto waits = store->load_lock_waits();
  ASSERT_TRUE(waits.is_ok()) << waits.status().to_string();
  ASSERT_EQ(waits->size(), 1u);
  EXPECT_EQ((*waits)[0], wait);

  StoreBatch release;
  release.locks.locks_deleted.push_back("order:1");
  release.locks.waits_deleted.push_back("s2");
  ASSERT_EQ(store->commit(release), Status::ok());
  EXPECT_EQ(store->load_locks()->size(), 1u);
  EXPECT_TRUE(store->load_lock_waits()->empty());
}

TEST_F(SqliteSagaStoreTest, ADamagedLockWaitIsReportedNotGuessed) {
  {
    auto store = open_store();
    StoreBatch batch;
    batch.locks.waits_put.push_back(
        LockWait{"s2", 1, Millis(1), 0, {LockClaim{"k", LockMode::kWait, Millis(1), -1}}});
    ASSERT_EQ(store->commit(batch), Status::ok());
  }
  {
    SQLite::Database raw(path_, SQLite::OPEN_READWRITE);
    raw.exec("UPDATE saga_lock_waits SET claims = '99:k1,1,-1;'");
  }
  auto waits = open_store()->load_lock_waits();
  ASSERT_FALSE(waits.is_ok());
  EXPECT_EQ(waits.status().code(), StatusCode::kMalformed);
}

TEST_F(SqliteSagaStoreTest, ReadOnlyAccessQueriesAndNeverWrites) {
  {
    auto store = open_store();
    ASSERT_EQ(store->commit(full_batch("s1")), Status::ok());
  }
  StoreOptions o = options();
  o.access = StoreAccess::kReadOnly;
  auto store = SqliteSagaStore::open(o);
  ASSERT_TRUE(store.is_ok()) << store.status().to_string();
  SagaQuery q;
  q.type = "CreateOrder";
  EXPECT_EQ((*store)->query(q)->size(), 1u);
  q.type = "Other";
  EXPECT_EQ((*store)->query(q)->size(), 0u);
  EXPECT_TRUE((*store)->outbox_entry("s1")->has_value());
  EXPECT_FALSE((*store)->outbox_entry("nope")->has_value());
  EXPECT_EQ((*store)->counts()->size(), 1u);
  EXPECT_EQ((*store)->commit(full_batch("s2")).code(), StatusCode::kReadOnly);
  OperatorRequest request = make_request("s1", OperatorAction::kRetry, "why", "who");
  EXPECT_EQ((*store)->add_operator_request(request).status().code(), StatusCode::kReadOnly);
}

TEST_F(SqliteSagaStoreTest, ToolAccessNeedsAnExistingEngineDatabase) {
  for (StoreAccess access : {StoreAccess::kReadOnly, StoreAccess::kOperator}) {
    StoreOptions o = options();
    o.access = access;
    EXPECT_EQ(SqliteSagaStore::open(o).status().code(), StatusCode::kIoError);  // no file
    { std::ofstream empty(path_); }
    EXPECT_EQ(SqliteSagaStore::open(o).status().code(), StatusCode::kCorrupt);  // no schema
    fs::remove(path_);
  }
}

TEST_F(SqliteSagaStoreTest, OperatorRequestIsPendingUntilACommitRecordsItsOutcome) {
  auto store = open_store();
  const Result<std::int64_t> first = store->add_operator_request(
      make_request("s1", OperatorAction::kRetry, "kitchen is back", "alice"));
  const Result<std::int64_t> second = store->add_operator_request(
      make_request("s2", OperatorAction::kCompensate, "give up", "bob"));
  ASSERT_TRUE(first.is_ok() && second.is_ok());
  EXPECT_EQ(store->add_operator_request(make_request("s3", OperatorAction::kSkip, "", "carol"))
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  auto pending = store->take_operator_requests(10);
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ(pending->at(0).id, *first);
  EXPECT_EQ(pending->at(0).requested_by, "alice");
  EXPECT_EQ(pending->at(1).action, OperatorAction::kCompensate);
  EXPECT_EQ(store->take_operator_requests(10)->size(), 2u);  // reading takes nothing away

  StoreBatch batch = full_batch("s1");
  batch.request_outcomes.push_back({*first, RequestState::kApplied, "ok", Millis(9)});
  ASSERT_EQ(store->commit(batch), Status::ok());
  ASSERT_EQ(
      store->finish_operator_request({*second, RequestState::kRejected, "not failed", Millis(10)}),
      Status::ok());
  EXPECT_TRUE(store->take_operator_requests(10)->empty());
  auto done = store->operator_request(*second);
  ASSERT_TRUE(done->has_value());
  EXPECT_EQ(done->value().state, RequestState::kRejected);
  EXPECT_EQ(done->value().result, "not failed");
  EXPECT_EQ(store->operator_requests(RequestState::kApplied, 0)->size(), 1u);
  EXPECT_EQ(store->operator_requests(std::nullopt, 0)->size(), 2u);
}

}  // namespace
}  // namespace saga
