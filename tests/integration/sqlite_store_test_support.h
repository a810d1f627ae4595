// Shared by the SqliteSagaStore tests: a fresh temporary directory per test, a store opened on
// a file in it, and records with every field set away from its default.
// Not in an anonymous namespace: the test files share one fixture class (GoogleTest requires
// one fixture type per test suite).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "store/sqlite_saga_store.h"

namespace saga::store_test {

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
inline SagaInstance make_instance(const std::string& id, Millis created_at = Millis(1'000)) {
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

inline OutboxEntry make_outbox(const std::string& saga_id, const std::string& message_id) {
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

inline HistoryEntry make_history(Event event, std::int32_t step, Millis time) {
  return HistoryEntry{event, step, 1, time, "reason " + std::to_string(step), "TicketCreated"};
}

// A batch with everything in it, none of whose rows exist yet.
inline StoreBatch full_batch(const std::string& id) {
  StoreBatch batch;
  batch.definitions.push_back({"Def-" + id, 1, "fp", Millis(5)});
  batch.inserts.push_back(make_instance(id));
  batch.history.emplace_back(id, make_history(Event::kStarted, -1, Millis(1)));
  batch.outbox_put.push_back(make_outbox(id, id + "-m1"));
  return batch;
}

inline OperatorRequest make_request(const std::string& saga, OperatorAction action,
                                    const std::string& reason, const std::string& by) {
  OperatorRequest r;
  r.saga_id = saga;
  r.action = action;
  r.reason = reason;
  r.requested_by = by;
  r.requested_at = Millis(5);
  return r;
}

}  // namespace saga::store_test
