// Goal: semantic locks in the participant library (HandlerContext::lock/unlock/unlock_all): a
// second saga's command on a locked key is refused ("locked", its writes undone) or held, with
// no reply, until the holder's release commits; held commands are deduplicated, routed to the
// latest connection, kept in FIFO order and survive a restart.
// Method: a real participant (loopback tcp ROUTER, temp SQLite file) driven by DEALER clients;
// the database file is read with its own SQLite connection. "No reply" is checked without
// timing: a later command on the same connection is answered first (replies are ordered on a
// connection and sent after their transaction commits).
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "integration/participant_test_support.h"

namespace saga::test {
namespace {

constexpr const char* kTcp = "tcp://127.0.0.1:*";

// Reserves order `order_id` for the saga: writes a 'before' row, locks "order:<id>", writes an
// 'after' row. `twice` locks the key again (re-entrancy); `swallow` catches what lock() throws.
struct Reserve {
  static constexpr std::string_view kMessageName = "Reserve";
  std::int64_t order_id = 0;
  bool hold = false;
  bool twice = false;
  bool swallow = false;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id), CEREAL_NVP(hold), CEREAL_NVP(twice), CEREAL_NVP(swallow));
  }
};

struct Reserved {
  static constexpr std::string_view kMessageName = "Reserved";
  std::int64_t order_id = 0;
  std::string saga_id;
  std::string holder;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id), CEREAL_NVP(saga_id), CEREAL_NVP(holder));
  }
};

// The saga's last command: unlock("order:<id>").
struct Release {
  static constexpr std::string_view kMessageName = "Release";
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
};

struct Released {
  static constexpr std::string_view kMessageName = "Released";
  std::int64_t count = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(count));
  }
};

// Reserve's compensation: unlock_all().
struct CancelReserve {
  static constexpr std::string_view kMessageName = "CancelReserve";
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
};

// Read-only: lock_holder("order:<id>").
struct HolderOf {
  static constexpr std::string_view kMessageName = "HolderOf";
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
};

struct Holder {
  static constexpr std::string_view kMessageName = "Holder";
  std::string saga_id;  // empty: free
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(saga_id));
  }
};

std::string order_key(std::int64_t id) { return "order:" + std::to_string(id); }

// How often Reserve got past its lock, per saga.
class Runs {
 public:
  void add(const std::string& saga) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++done_[saga];
  }
  int of(const std::string& saga) {
    std::lock_guard<std::mutex> lock(mutex_);
    return done_[saga];
  }

 private:
  std::mutex mutex_;
  std::map<std::string, int> done_;
};

void install_orders(Participant& p, Runs& runs) {
  ASSERT_TRUE(p.exec_schema("CREATE TABLE IF NOT EXISTS reservation (saga_id TEXT NOT NULL, "
                            "order_id INTEGER NOT NULL, phase TEXT NOT NULL)")
                  .is_ok());
  p.on<Reserve>([&runs](const Reserve& c, HandlerContext& ctx) {
    auto write = [&](const char* phase) {
      auto w = ctx.db().exec("INSERT INTO reservation (saga_id, order_id, phase) VALUES (?, ?, ?)",
                             {ctx.saga_id(), c.order_id, std::string(phase)});
      if (!w) throw std::runtime_error(w.status().to_string());
    };
    write("before");
    const LockConflict mode = c.hold ? LockConflict::kHold : LockConflict::kRefuse;
    if (c.swallow) {
      try {
        (void)ctx.lock(order_key(c.order_id), mode);
      } catch (...) {
        write("after");  // a misbehaving handler: goes on as if it had the lock
        return success(Reserved{c.order_id, ctx.saga_id(), "swallowed"});
      }
    }
    LockResult lock = ctx.lock(order_key(c.order_id), mode);
    if (!lock) return lock.refusal();
    if (c.twice) {
      LockResult again = ctx.lock(order_key(c.order_id));
      if (!again || again.holder() != ctx.saga_id()) throw std::runtime_error("not re-entrant");
    }
    write("after");
    runs.add(ctx.saga_id());
    return success(Reserved{c.order_id, ctx.saga_id(), lock.holder()});
  });
  p.on<Release>([](const Release& c, HandlerContext& ctx) {
    return success(Released{ctx.unlock(order_key(c.order_id)) ? 1 : 0});
  });
  p.on_compensation<CancelReserve>([](const CancelReserve& c, HandlerContext& ctx) {
    auto w = ctx.db().exec("DELETE FROM reservation WHERE saga_id = ? AND order_id = ?",
                           {ctx.saga_id(), c.order_id});
    if (!w) throw std::runtime_error(w.status().to_string());
    return success(Released{static_cast<std::int64_t>(ctx.unlock_all())});
  });
  p.on<HolderOf>([](const HolderOf& c, HandlerContext& ctx) {
    return success(Holder{ctx.lock_holder(order_key(c.order_id)).value_or("")});
  });
}

template <typename T>
T body_of(const std::optional<Envelope>& reply) {
  EXPECT_TRUE(reply.has_value());
  if (!reply) return T{};
  auto decoded = decode_body<T>(reply->body, reply->content_type);
  EXPECT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  return decoded ? decoded.value() : T{};
}

Envelope reserve(const std::string& saga, const std::string& id, std::int64_t order,
                 bool hold = false) {
  Reserve r;
  r.order_id = order;
  r.hold = hold;
  return typed_command(r, id, ContentType::kCerealBinary, saga, "reserve");
}

Envelope release(const std::string& saga, const std::string& id, std::int64_t order) {
  return typed_command(Release{order}, id, ContentType::kCerealBinary, saga, "release");
}

Envelope cancel(const std::string& saga, const std::string& id, std::int64_t order) {
  return typed_command(CancelReserve{order}, id, ContentType::kCerealBinary, saga, "reserve", true);
}

class ParticipantLockTest : public ::testing::Test {
 protected:
  void SetUp() override { start(); }

  void start() {
    participant_ = open_participant(kTcp, db_path(), {});
    ASSERT_NE(participant_, nullptr);
    install_orders(*participant_, runs_);
    running_ = std::make_unique<Running>(*participant_);
    client_ = std::make_unique<Client>(participant_->endpoint());
  }

  void stop() {
    client_.reset();
    running_.reset();
    participant_.reset();
  }

  std::string db_path() const { return dir_.file("orders.db"); }

  // Rows of `sql` on the participant's file, read with a separate connection, as text.
  std::vector<std::vector<std::string>> rows(const std::string& sql) {
    SQLite::Database db(db_path(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, sql);
    std::vector<std::vector<std::string>> out;
    while (q.executeStep()) {
      std::vector<std::string>& row = out.emplace_back();
      for (int c = 0; c < q.getColumnCount(); ++c) row.push_back(q.getColumn(c).getString());
    }
    return out;
  }

  std::vector<std::vector<std::string>> locks() {
    return rows("SELECT lock_key, saga_id FROM saga_participant_locks ORDER BY lock_key");
  }
  std::vector<std::vector<std::string>> held() {
    return rows("SELECT message_id, lock_key, saga_id FROM saga_held_commands ORDER BY seq");
  }
  std::vector<std::vector<std::string>> reservations(const std::string& saga) {
    return rows("SELECT order_id, phase FROM reservation WHERE saga_id = '" + saga +
                "' ORDER BY rowid");
  }

  // Asserts that `client` has nothing to read before the answer to a command sent now: the
  // participant handled everything sent before on that connection and did not answer it.
  void expect_no_reply(Client& client) {
    const std::string id = "sync-" + std::to_string(++syncs_);
    client.send(typed_command(HolderOf{0}, id, ContentType::kCerealBinary, "saga-sync", "sync"));
    std::optional<Envelope> next = client.receive();
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(next->correlation_id, id) << "unexpected reply to " << next->correlation_id;
  }

  TempDir dir_;
  Runs runs_;
  std::unique_ptr<Participant> participant_;
  std::unique_ptr<Running> running_;
  std::unique_ptr<Client> client_;
  int syncs_ = 0;
};

using Rows = std::vector<std::vector<std::string>>;

TEST_F(ParticipantLockTest, SecondSagaIsRefusedWithLockedAndItsWritesRolledBack) {
  auto a = client_->call(reserve("saga-A", "a-1", 1));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->outcome, Outcome::kSuccess);
  EXPECT_EQ(body_of<Reserved>(a).holder, "saga-A");
  EXPECT_EQ(locks(), (Rows{{"order:1", "saga-A"}}));

  auto b = client_->call(reserve("saga-B", "b-1", 1));
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->outcome, Outcome::kFailure);
  EXPECT_EQ(b->reason, kReasonLocked);
  EXPECT_EQ(b->name, LockRefused::kMessageName);
  LockRefused refused = body_of<LockRefused>(b);
  EXPECT_EQ(refused.key, "order:1");
  EXPECT_EQ(refused.holder_saga_id, "saga-A");
  // B's 'before' row, written before its refused lock(), was rolled back with the refusal.
  EXPECT_EQ(reservations("saga-B"), Rows{});
  EXPECT_EQ(reservations("saga-A"), (Rows{{"1", "before"}, {"1", "after"}}));
  EXPECT_EQ(locks(), (Rows{{"order:1", "saga-A"}}));
  EXPECT_EQ(participant_->stats().lock_refusals, 1u);

  // The refusal is stored like any business failure: a resend gets it without running again.
  auto again = client_->call(reserve("saga-B", "b-1", 1));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->reason, kReasonLocked);
  EXPECT_EQ(again->body, b->body);
  EXPECT_EQ(participant_->stats().lock_refusals, 1u);
  EXPECT_EQ(participant_->stats().duplicates, 1u);
  // Another key is free for B.
  auto other = client_->call(reserve("saga-B", "b-2", 2));
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->outcome, Outcome::kSuccess);
  EXPECT_EQ(locks(), (Rows{{"order:1", "saga-A"}, {"order:2", "saga-B"}}));
}

TEST_F(ParticipantLockTest, HeldCommandIsAnsweredOnlyAfterTheHolderReleases) {
  ASSERT_TRUE(client_->call(reserve("saga-A", "a-1", 1, true)));
  client_->send(reserve("saga-B", "b-1", 1, true));
  expect_no_reply(*client_);
  EXPECT_EQ(held(), (Rows{{"b-1", "order:1", "saga-B"}}));
  EXPECT_EQ(reservations("saga-B"), Rows{});  // its writes before lock() were rolled back
  EXPECT_EQ(runs_.of("saga-B"), 0);
  EXPECT_EQ(participant_->stats().held_commands, 1u);
  EXPECT_EQ(rows("SELECT count(*) FROM saga_inbox WHERE message_id = 'b-1'"), (Rows{{"0"}}));

  // A's last command releases the key; B runs right after it, in the same transaction.
  client_->send(release("saga-A", "a-2", 1));
  auto released = client_->receive();
  ASSERT_TRUE(released.has_value());
  EXPECT_EQ(released->correlation_id, "a-2");
  EXPECT_EQ(body_of<Released>(released).count, 1);
  auto b = client_->receive();
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->correlation_id, "b-1");
  EXPECT_EQ(b->outcome, Outcome::kSuccess);
  Reserved reserved = body_of<Reserved>(b);
  EXPECT_EQ(reserved.order_id, 1);
  EXPECT_EQ(reserved.saga_id, "saga-B");
  EXPECT_EQ(reserved.holder, "saga-B");
  EXPECT_EQ(locks(), (Rows{{"order:1", "saga-B"}}));
  EXPECT_EQ(held(), Rows{});
  EXPECT_EQ(reservations("saga-B"), (Rows{{"1", "before"}, {"1", "after"}}));
  EXPECT_EQ(runs_.of("saga-B"), 1);
  // Its reply is in the inbox: a late resend gets it without running again.
  auto resent = client_->call(reserve("saga-B", "b-1", 1, true));
  ASSERT_TRUE(resent.has_value());
  EXPECT_EQ(resent->body, b->body);
  EXPECT_EQ(runs_.of("saga-B"), 1);
}

TEST_F(ParticipantLockTest, LocksAreReentrantForTheHoldingSaga) {
  Reserve twice;
  twice.order_id = 1;
  twice.twice = true;
  auto first =
      client_->call(typed_command(twice, "a-1", ContentType::kCerealBinary, "saga-A", "reserve"));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->outcome, Outcome::kSuccess) << first->reason;
  const Rows acquired =
      rows("SELECT acquired_at FROM saga_participant_locks WHERE lock_key = 'order:1'");
  // A later command of the same saga takes the same key again, with either policy.
  auto second = client_->call(reserve("saga-A", "a-2", 1, true));
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->outcome, Outcome::kSuccess);
  auto third = client_->call(reserve("saga-A", "a-3", 1, false));
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->outcome, Outcome::kSuccess);
  EXPECT_EQ(body_of<Reserved>(third).holder, "saga-A");
  EXPECT_EQ(locks(), (Rows{{"order:1", "saga-A"}}));
  EXPECT_EQ(rows("SELECT acquired_at FROM saga_participant_locks WHERE lock_key = 'order:1'"),
            acquired);
  EXPECT_EQ(runs_.of("saga-A"), 3);
  EXPECT_EQ(participant_->stats().lock_refusals, 0u);
  EXPECT_EQ(participant_->stats().held_commands, 0u);
  EXPECT_EQ(body_of<Holder>(client_->call(typed_command(HolderOf{1}, "h-1", ContentType::kJson,
                                                        "saga-X", "inspect")))
                .saga_id,
            "saga-A");
}

TEST_F(ParticipantLockTest, ResendOfAHeldCommandIsNotRunTwiceAndItsReplyGoesToTheLatestSender) {
  ASSERT_TRUE(client_->call(reserve("saga-A", "a-1", 1, true)));
  client_->send(reserve("saga-B", "b-1", 1, true));
  expect_no_reply(*client_);
  // The orchestrator times out, reconnects (a new routing id) and resends, twice.
  Client reconnected(participant_->endpoint());
  Envelope resend = reserve("saga-B", "b-1", 1, true);
  resend.attempt = 2;
  reconnected.send(resend);
  resend.attempt = 3;
  reconnected.send(resend);
  expect_no_reply(reconnected);
  EXPECT_EQ(held(), (Rows{{"b-1", "order:1", "saga-B"}}));
  EXPECT_EQ(participant_->stats().held_commands, 1u);
  EXPECT_EQ(participant_->stats().held_resends, 2u);

  auto released = client_->call(release("saga-A", "a-2", 1));
  ASSERT_TRUE(released.has_value());
  EXPECT_EQ(body_of<Released>(released).count, 1);
  // B's reply goes to the connection of its latest delivery, not to the first one.
  auto b = reconnected.receive();
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->correlation_id, "b-1");
  EXPECT_EQ(body_of<Reserved>(b).saga_id, "saga-B");
  expect_no_reply(*client_);
  EXPECT_EQ(runs_.of("saga-B"), 1);
  EXPECT_EQ(reservations("saga-B"), (Rows{{"1", "before"}, {"1", "after"}}));
  // a-1, a-2 and b-1 once, plus the sync commands.
  EXPECT_EQ(participant_->stats().handled, 3u + static_cast<unsigned>(syncs_));
}

TEST_F(ParticipantLockTest, HeldCommandsRunOneAtATimeInArrivalOrder) {
  ASSERT_TRUE(client_->call(reserve("saga-A", "a-1", 1, true)));
  client_->send(reserve("saga-B", "b-1", 1, true));
  client_->send(reserve("saga-C", "c-1", 1, true));
  expect_no_reply(*client_);
  EXPECT_EQ(held(), (Rows{{"b-1", "order:1", "saga-B"}, {"c-1", "order:1", "saga-C"}}));

  client_->send(release("saga-A", "a-2", 1));
  ASSERT_EQ(client_->receive()->correlation_id, "a-2");
  auto b = client_->receive();
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->correlation_id, "b-1");
  EXPECT_EQ(b->outcome, Outcome::kSuccess);
  // B took the key: C stays held, still in its place.
  expect_no_reply(*client_);
  EXPECT_EQ(held(), (Rows{{"c-1", "order:1", "saga-C"}}));
  EXPECT_EQ(locks(), (Rows{{"order:1", "saga-B"}}));

  client_->send(release("saga-B", "b-2", 1));
  ASSERT_EQ(client_->receive()->correlation_id, "b-2");
  auto c = client_->receive();
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->correlation_id, "c-1");
  EXPECT_EQ(body_of<Reserved>(c).saga_id, "saga-C");
  EXPECT_EQ(locks(), (Rows{{"order:1", "saga-C"}}));
  EXPECT_EQ(held(), Rows{});
  EXPECT_EQ(participant_->stats().held_commands, 2u);  // B's second wait is not counted again
}

TEST_F(ParticipantLockTest, ACommandArrivingWithTheReleaseDoesNotJumpTheQueue) {
  ASSERT_TRUE(client_->call(reserve("saga-A", "a-1", 1, true)));
  client_->send(reserve("saga-B", "b-1", 1, true));
  expect_no_reply(*client_);
  // Back to back, so likely in the release's batch: B still runs first and takes the key.
  client_->send(release("saga-A", "a-2", 1));
  client_->send(reserve("saga-D", "d-1", 1));
  std::map<std::string, Envelope> replies;
  for (int i = 0; i < 3; ++i) {
    auto r = client_->receive();
    ASSERT_TRUE(r.has_value());
    replies[r->correlation_id] = *r;
  }
  ASSERT_EQ(replies.count("b-1"), 1u);
  ASSERT_EQ(replies.count("d-1"), 1u);
  EXPECT_EQ(replies.at("b-1").outcome, Outcome::kSuccess);
  EXPECT_EQ(replies.at("d-1").reason, kReasonLocked);
  EXPECT_EQ(body_of<LockRefused>(replies.at("d-1")).holder_saga_id, "saga-B");
  EXPECT_EQ(locks(), (Rows{{"order:1", "saga-B"}}));
}

TEST_F(ParticipantLockTest, CompensationUnlockAllReleasesEveryKeyAndWakesTheirCommands) {
  ASSERT_TRUE(client_->call(reserve("saga-A", "a-1", 1, true)));
  ASSERT_TRUE(client_->call(reserve("saga-A", "a-2", 2, true)));
  client_->send(reserve("saga-B", "b-1", 1, true));
  client_->send(reserve("saga-C", "c-1", 2, true));
  expect_no_reply(*client_);

  client_->send(cancel("saga-A", "a-c", 1));
  auto comp = client_->receive();
  ASSERT_TRUE(comp.has_value());
  EXPECT_EQ(comp->correlation_id, "a-c");
  EXPECT_EQ(comp->name, "Released");
  EXPECT_EQ(body_of<Released>(comp).count, 2);
  std::map<std::string, Envelope> woken;
  for (int i = 0; i < 2; ++i) {
    auto r = client_->receive();
    ASSERT_TRUE(r.has_value());
    woken[r->correlation_id] = *r;
  }
  ASSERT_EQ(woken.size(), 2u);
  EXPECT_EQ(body_of<Reserved>(woken.at("b-1")).saga_id, "saga-B");
  EXPECT_EQ(body_of<Reserved>(woken.at("c-1")).saga_id, "saga-C");
  EXPECT_EQ(locks(), (Rows{{"order:1", "saga-B"}, {"order:2", "saga-C"}}));
  EXPECT_EQ(held(), Rows{});
}

TEST_F(ParticipantLockTest, HeldActionOfACompensatedSagaIsRefusedWhenItsTurnComes) {
  ASSERT_TRUE(client_->call(reserve("saga-A", "a-1", 1, true)));
  client_->send(reserve("saga-B", "b-1", 1, true));
  client_->send(reserve("saga-C", "c-1", 1, true));
  expect_no_reply(*client_);
  // The orchestrator gave up on B's step and compensates it: nothing was done here.
  auto comp = client_->call(cancel("saga-B", "b-c", 1));
  ASSERT_TRUE(comp.has_value());
  EXPECT_EQ(comp->name, kNullCompensationReply);

  ASSERT_TRUE(client_->call(release("saga-A", "a-2", 1)));
  auto b = client_->receive();
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->correlation_id, "b-1");
  EXPECT_EQ(b->reason, kReasonCompensated);
  EXPECT_EQ(runs_.of("saga-B"), 0);
  EXPECT_EQ(reservations("saga-B"), Rows{});
  // B did not take the key, so the next in line, C, ran right after it.
  auto c = client_->receive();
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->correlation_id, "c-1");
  EXPECT_EQ(body_of<Reserved>(c).saga_id, "saga-C");
  EXPECT_EQ(locks(), (Rows{{"order:1", "saga-C"}}));
  EXPECT_EQ(held(), Rows{});
}

TEST_F(ParticipantLockTest, OnlyTheHolderCanRelease) {
  ASSERT_TRUE(client_->call(reserve("saga-A", "a-1", 1)));
  auto by_b = client_->call(release("saga-B", "b-1", 1));
  ASSERT_TRUE(by_b.has_value());
  EXPECT_EQ(by_b->outcome, Outcome::kSuccess);
  EXPECT_EQ(body_of<Released>(by_b).count, 0);
  // B has a barrier row for its action on step "reserve" so that its compensation runs.
  ASSERT_TRUE(client_->call(reserve("saga-B", "b-2", 2)));
  auto all_by_b = client_->call(cancel("saga-B", "b-c", 2));
  ASSERT_TRUE(all_by_b.has_value());
  EXPECT_EQ(body_of<Released>(all_by_b).count, 1);  // its own order:2 only
  EXPECT_EQ(locks(), (Rows{{"order:1", "saga-A"}}));
  auto c = client_->call(reserve("saga-C", "c-1", 1));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->reason, kReasonLocked);
  EXPECT_EQ(body_of<LockRefused>(c).holder_saga_id, "saga-A");
  // Releasing a free key is a no-op too.
  EXPECT_EQ(body_of<Released>(client_->call(release("saga-A", "a-2", 3))).count, 0);
  EXPECT_EQ(body_of<Released>(client_->call(release("saga-A", "a-3", 1))).count, 1);
  EXPECT_EQ(locks(), Rows{});
}

TEST_F(ParticipantLockTest, AHandlerThatCatchesTheHoldIsHeldAnyway) {
  ASSERT_TRUE(client_->call(reserve("saga-A", "a-1", 1, true)));
  Reserve swallow;
  swallow.order_id = 1;
  swallow.hold = true;
  swallow.swallow = true;
  client_->send(typed_command(swallow, "b-1", ContentType::kCerealBinary, "saga-B", "reserve"));
  expect_no_reply(*client_);
  EXPECT_EQ(held(), (Rows{{"b-1", "order:1", "saga-B"}}));
  EXPECT_EQ(reservations("saga-B"), Rows{});  // the rows written after the catch are undone

  ASSERT_TRUE(client_->call(release("saga-A", "a-2", 1)));
  auto b = client_->receive();
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->correlation_id, "b-1");
  // The second run got the key: lock() returned and the handler's normal path ran.
  EXPECT_EQ(body_of<Reserved>(b).holder, "saga-B");
  EXPECT_EQ(locks(), (Rows{{"order:1", "saga-B"}}));
}

TEST_F(ParticipantLockTest, HeldCommandsSurviveARestart) {
  ASSERT_TRUE(client_->call(reserve("saga-A", "a-1", 1, true)));
  client_->send(reserve("saga-B", "b-1", 1, true));
  expect_no_reply(*client_);
  stop();

  start();  // same file, new socket: B is still held, its old connection is gone
  EXPECT_EQ(held(), (Rows{{"b-1", "order:1", "saga-B"}}));
  client_->send(reserve("saga-B", "b-1", 1, true));  // the orchestrator's resend
  expect_no_reply(*client_);
  EXPECT_EQ(runs_.of("saga-B"), 0);

  ASSERT_TRUE(client_->call(release("saga-A", "a-2", 1)));
  auto b = client_->receive();
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->correlation_id, "b-1");
  EXPECT_EQ(body_of<Reserved>(b).saga_id, "saga-B");
  EXPECT_EQ(runs_.of("saga-B"), 1);
  EXPECT_EQ(held(), Rows{});
}

TEST_F(ParticipantLockTest, AtStartHeldCommandsWhoseKeyIsFreeRun) {
  ASSERT_TRUE(client_->call(reserve("saga-A", "a-1", 1, true)));
  client_->send(reserve("saga-B", "b-1", 1, true));
  client_->send(reserve("saga-C", "c-1", 1, true));
  expect_no_reply(*client_);
  stop();
  {
    // An operator frees the key while the service is down.
    SQLite::Database db(db_path(), SQLite::OPEN_READWRITE);
    db.exec("DELETE FROM saga_participant_locks WHERE lock_key = 'order:1'");
  }

  start();
  // B ran at start (its reply went to a connection that is gone); its resend gets the answer.
  auto b = client_->call(reserve("saga-B", "b-1", 1, true));
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->outcome, Outcome::kSuccess);
  EXPECT_EQ(body_of<Reserved>(b).saga_id, "saga-B");
  EXPECT_EQ(participant_->stats().duplicates, 1u);
  EXPECT_EQ(runs_.of("saga-B"), 1);
  // C came after B: still held, now behind B.
  EXPECT_EQ(locks(), (Rows{{"order:1", "saga-B"}}));
  EXPECT_EQ(held(), (Rows{{"c-1", "order:1", "saga-C"}}));
  EXPECT_EQ(runs_.of("saga-C"), 0);
}

}  // namespace
}  // namespace saga::test
