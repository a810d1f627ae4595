// The version file (saga/version_file.h), one test per arrival order of Accounting's two
// operations on an order's card authorization ("authorize", then "cancel"), on a real SQLite
// file. Each delivery runs like a participant's command: a transaction, the version file
// consulted first, then the operation's effect when the verdict says apply.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <saga/envelope.h>
#include <saga/testing/temp_dir.h>
#include <saga/version_file.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <variant>

namespace saga {
namespace {

// The Sql a handler gets, over one SQLiteCpp connection (the library's own is private).
class FileSql final : public Sql {
 public:
  explicit FileSql(SQLite::Database& db) : db_(db) {}

  Result<std::int64_t> exec(std::string_view sql, const std::vector<SqlValue>& params) override {
    try {
      SQLite::Statement s(db_, std::string(sql));
      bind(s, params);
      return std::int64_t{s.exec()};
    } catch (const std::exception& e) {
      return invalid_argument(e.what());
    }
  }

  Result<std::vector<SqlRow>> query(std::string_view sql, const std::vector<SqlValue>& params,
                                    std::size_t max_rows) override {
    try {
      SQLite::Statement s(db_, std::string(sql));
      bind(s, params);
      std::vector<SqlRow> rows;
      while (s.executeStep()) {
        if (rows.size() == max_rows) return Status(StatusCode::kFull, "too many rows");
        SqlRow& row = rows.emplace_back();
        for (int c = 0; c < s.getColumnCount(); ++c) {
          const SQLite::Column col = s.getColumn(c);
          if (col.isNull()) {
            row.emplace_back(nullptr);
          } else if (col.isInteger()) {
            row.emplace_back(std::int64_t{col.getInt64()});
          } else {
            row.emplace_back(col.getString());
          }
        }
      }
      return rows;
    } catch (const std::exception& e) {
      return invalid_argument(e.what());
    }
  }

  Result<std::optional<SqlRow>> query_one(std::string_view sql,
                                          const std::vector<SqlValue>& params) override {
    auto rows = query(sql, params, 1'000);
    if (!rows) return rows.status();
    if (rows.value().empty()) return std::optional<SqlRow>();
    return std::optional<SqlRow>(rows.value().front());
  }

 private:
  static void bind(SQLite::Statement& s, const std::vector<SqlValue>& params) {
    int i = 1;
    for (const SqlValue& v : params) {
      if (const auto* n = std::get_if<std::int64_t>(&v)) {
        s.bind(i, static_cast<std::int64_t>(*n));
      } else if (const auto* t = std::get_if<std::string>(&v)) {
        s.bind(i, *t);
      } else {
        s.bind(i);
      }
      ++i;
    }
  }
  SQLite::Database& db_;
};

class VersionFileTest : public ::testing::Test {
 protected:
  void SetUp() override { open(); }

  void open() {
    db_ = std::make_unique<SQLite::Database>(dir_.file("accounting.db"),
                                             SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db_->exec("PRAGMA synchronous=OFF");  // a test file: no fsync per transaction
    db_->exec(
        "CREATE TABLE IF NOT EXISTS authorizations (order_id INTEGER PRIMARY KEY, "
        "state TEXT NOT NULL)");
    FileSql sql(*db_);
    ASSERT_TRUE(VersionFile::create_table(sql).is_ok());
  }

  // One delivery of `operation` on `order_id` from `saga_id`/`step`, in its own transaction,
  // handled as Accounting would: version file first, then the effect. Returns the verdict.
  VersionVerdict deliver(const std::string& operation, std::int64_t order_id,
                         const std::string& saga_id, const std::string& step,
                         const std::string& message_id) {
    Envelope command;
    command.message_id = message_id;
    command.saga_id = saga_id;
    command.step = step;
    SQLite::Transaction tx(*db_);
    FileSql sql(*db_);
    HandlerContext context(command, sql);
    VersionVerdict verdict = file_.record(context, std::to_string(order_id), operation);
    if (verdict.apply()) {
      if (operation == "authorize") {
        db_->exec("INSERT INTO authorizations VALUES (" + std::to_string(order_id) +
                  ", 'AUTHORIZED')");
      } else {  // cancel: reverses the authorization if there is one; nothing to do otherwise
        db_->exec("UPDATE authorizations SET state = 'REVERSED' WHERE order_id = " +
                  std::to_string(order_id));
      }
    }
    tx.commit();
    return verdict;
  }

  // The order's authorization state; "none" without a row.
  std::string authorization(std::int64_t order_id) {
    SQLite::Statement s(*db_, "SELECT state FROM authorizations WHERE order_id = ?");
    s.bind(1, static_cast<std::int64_t>(order_id));
    return s.executeStep() ? s.getColumn(0).getString() : "none";
  }

  std::vector<VersionRecord> history(std::int64_t order_id) {
    Envelope none;
    FileSql sql(*db_);
    HandlerContext context(none, sql);
    return file_.history(context, std::to_string(order_id));
  }

  static VersionFile make_file() {
    auto f = VersionFile::define("authorization", {"authorize", "cancel"});
    if (!f) throw std::runtime_error(f.status().to_string());
    return std::move(f).value();
  }

  saga::testing::TempDir dir_;  // outlives db_ (declared first)
  std::unique_ptr<SQLite::Database> db_;
  VersionFile file_ = make_file();
};

// Order 16's two operations: Create Order's authorize, Cancel Order's cancel.
const VersionRecord kAuthorize16{.entity = "authorization:16",
                                 .operation = "authorize",
                                 .rank = 0,
                                 .saga_id = "order-16",
                                 .step = "authorize_card",
                                 .message_id = "m1",
                                 .applied = true};
const VersionRecord kCancel16{.entity = "authorization:16",
                              .operation = "cancel",
                              .rank = 1,
                              .saga_id = "cancel-16",
                              .step = "reverse_authorization",
                              .message_id = "m2",
                              .applied = true};

TEST_F(VersionFileTest, InOrderBothOperationsApply) {
  EXPECT_TRUE(deliver("authorize", 16, "order-16", "authorize_card", "m1").apply());
  EXPECT_TRUE(deliver("cancel", 16, "cancel-16", "reverse_authorization", "m2").apply());
  EXPECT_EQ(authorization(16), "REVERSED");
  EXPECT_EQ(history(16), (std::vector<VersionRecord>{kAuthorize16, kCancel16}));
}

// The book's case: the cancel arrives first; the late authorize is a no-op, and no
// authorization is left that nobody would reverse.
TEST_F(VersionFileTest, CancelBeforeAuthorizeMakesTheLateAuthorizeANoOp) {
  EXPECT_TRUE(deliver("cancel", 16, "cancel-16", "reverse_authorization", "m2").apply());
  const VersionVerdict late = deliver("authorize", 16, "order-16", "authorize_card", "m1");
  EXPECT_FALSE(late.apply());
  EXPECT_FALSE(static_cast<bool>(late));
  ASSERT_TRUE(late.superseded_by().has_value());
  EXPECT_EQ(*late.superseded_by(), kCancel16);
  EXPECT_EQ(authorization(16), "none");
  VersionRecord skipped = kAuthorize16;
  skipped.applied = false;
  EXPECT_EQ(history(16), (std::vector<VersionRecord>{kCancel16, skipped}));
}

// Two orders, their operations interleaved in every position: each order is judged on its own.
TEST_F(VersionFileTest, InterleavedEntitiesDoNotInteract) {
  EXPECT_TRUE(deliver("cancel", 1, "cancel-1", "reverse", "a").apply());
  EXPECT_TRUE(deliver("authorize", 2, "order-2", "authorize_card", "b").apply());
  EXPECT_FALSE(deliver("authorize", 1, "order-1", "authorize_card", "c").apply());
  EXPECT_TRUE(deliver("cancel", 2, "cancel-2", "reverse", "d").apply());
  EXPECT_EQ(authorization(1), "none");
  EXPECT_EQ(authorization(2), "REVERSED");
  EXPECT_EQ(history(1).size(), 2u);
  EXPECT_EQ(history(2).size(), 2u);
}

// Operations of the same place in the order never supersede each other (two authorizes of one
// order from two sagas: the handler's own rules decide).
TEST_F(VersionFileTest, SameRankNeverSupersedes) {
  EXPECT_TRUE(deliver("cancel", 5, "cancel-5", "reverse", "a").apply());
  EXPECT_TRUE(deliver("cancel", 5, "cancel-5b", "reverse", "b").apply());
}

// The record is part of the handler's transaction: rolled back with it, it leaves no trace, and
// the next delivery is judged afresh.
TEST_F(VersionFileTest, ARolledBackRecordLeavesNoTrace) {
  {
    Envelope command;
    command.message_id = "m2";
    command.saga_id = "cancel-16";
    command.step = "reverse_authorization";
    SQLite::Transaction tx(*db_);
    FileSql sql(*db_);
    HandlerContext context(command, sql);
    EXPECT_TRUE(file_.record(context, "16", "cancel").apply());
  }  // no commit: rolled back, as when the handler throws
  EXPECT_TRUE(history(16).empty());
  EXPECT_TRUE(deliver("authorize", 16, "order-16", "authorize_card", "m1").apply());
  EXPECT_EQ(authorization(16), "AUTHORIZED");
}

// The file is durable: a late authorize after the participant restarted is still a no-op.
TEST_F(VersionFileTest, TheFileSurvivesAReopen) {
  EXPECT_TRUE(deliver("cancel", 16, "cancel-16", "reverse_authorization", "m2").apply());
  db_.reset();
  open();
  EXPECT_FALSE(deliver("authorize", 16, "order-16", "authorize_card", "m1").apply());
  EXPECT_EQ(authorization(16), "none");
}

TEST_F(VersionFileTest, DefineRefusesABadOrder) {
  EXPECT_EQ(VersionFile::define("", {"a"}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(VersionFile::define("x", {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(VersionFile::define("x", {"a", ""}).status().code(), StatusCode::kInvalidArgument);
  auto twice = VersionFile::define("x", {"a", "b", "a"});
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.status().message().find("'a' listed twice"), std::string::npos);
  auto ok = VersionFile::define("x", {"a", "b"});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok.value().order(), (std::vector<std::string>{"a", "b"}));
}

TEST_F(VersionFileTest, AnUnknownOperationIsAProgrammingError) {
  EXPECT_THROW((void)deliver("capture", 16, "order-16", "capture", "m9"), std::invalid_argument);
  EXPECT_TRUE(history(16).empty());
}

// A database error ends the handler as a lock error does: HandlerInterrupted, for the library
// to roll the batch back and answer nothing.
TEST_F(VersionFileTest, ADatabaseErrorInterruptsTheHandler) {
  db_->exec("DROP TABLE saga_version_file");
  Envelope command;
  command.saga_id = "order-16";
  FileSql sql(*db_);
  HandlerContext context(command, sql);
  EXPECT_THROW((void)file_.record(context, "16", "authorize"), HandlerInterrupted);
  // The context takes no more calls after an interruption.
  EXPECT_THROW((void)file_.history(context, "16"), HandlerInterrupted);
}

}  // namespace
}  // namespace saga
