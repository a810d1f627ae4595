// Goal: exercise 10 — Cancel Order's semantic lock delays a cancel that arrives while Create
// Order runs (it is not lost), and Revise Order's lock mode is chosen by value.
// Method: the real engine (manual mode, SQLite file, virtual clock) with the example's Create
// Order, the student's Cancel Order and the example's Revise Order with the student's lock
// mode; in-memory FTGO services that keep the orders' states (FtgoWorld). Create Order is kept
// running by holding its AuthorizeCard; the change is asked for meanwhile, as in the demo's
// scenarios 13 to 15. Asserts the orders' final states, totals and the money, not only phases.
#include <gtest/gtest.h>

#include "ftgo_world.h"
#include "order_change_parts.h"

namespace workshop {  // the student's file
saga::DefinitionResult cancel_order_with_lock_definition();
saga::LockMode revise_lock_mode_by_value(const ftgo::ReviseOrderData& d);
}  // namespace workshop

namespace {

using saga::Millis;
using saga::Phase;
using workshop::FtgoWorld;

std::vector<std::shared_ptr<const saga::SagaDefinition>> definitions() {
  std::vector<std::shared_ptr<const saga::SagaDefinition>> out;
  for (saga::DefinitionResult d :
       {ftgo::create_order_definition(), workshop::cancel_order_with_lock_definition(),
        workshop::revise_order_with_lock_mode(&workshop::revise_lock_mode_by_value)}) {
    EXPECT_TRUE(d.is_ok()) << "a definition does not build: " << d.status().to_string();
    if (d.is_ok()) out.push_back(d.value());
  }
  return out;
}

bool sent(FtgoWorld& w, const std::string& saga_id) { return !w.commands_of(saga_id).empty(); }

std::string money(std::int64_t cents) {
  return std::to_string(cents / 100) + "." + (cents % 100 < 10 ? "0" : "") +
         std::to_string(cents % 100);
}

TEST(Workshop10SemanticLock, ACancelDuringCreateWaitsThenCancels) {
  FtgoWorld w(definitions());
  ASSERT_TRUE(w.status().is_ok()) << w.status().to_string();
  w.hold_authorization(13);  // Create Order of order 13 is still running
  const std::string create = w.create_order(13);
  w.run(Millis{20});
  const std::string cancel = w.cancel_order(13);
  w.run(Millis{20});
  const bool early = sent(w, cancel);
  w.release_authorization();
  ASSERT_TRUE(w.run_until_ended({create, cancel}, Millis{30'000})) << "the sagas did not end";
  const saga::SagaInstance c = w.saga(cancel);
  ASSERT_FALSE(c.phase == Phase::kCompensated &&
               c.last_reason.find("lock_held") != std::string::npos)
      << "The customer cancelled order 13 while it was being created, and the cancel was refused "
         "at once ("
      << c.last_reason << "): a cancel is worth waiting for.";
  ASSERT_FALSE(early && c.phase == Phase::kCompensated)
      << "The customer's cancel of order 13 was lost: it reached the Order service while Create "
         "Order was still running on the order, was refused there ("
      << c.last_reason << "), and rolled back. The order ended " << w.orders().at(13).state << ".";
  EXPECT_FALSE(early) << "Cancel Order sent commands for order 13 while Create Order was still "
                         "running on it.";
  EXPECT_EQ(c.phase, Phase::kCompleted) << "the cancel saga: " << c.last_reason;
  EXPECT_EQ(w.orders().at(13).state, "CANCELLED") << "order 13 after the cancel";
  EXPECT_EQ(w.tickets().at(13), "CANCELLED") << "order 13's kitchen ticket after the cancel";
  EXPECT_TRUE(w.authorizations().at(13).reversed) << "order 13's card authorization was not "
                                                     "given back";
}

TEST(Workshop10SemanticLock, TheLockIsOnTheOrderNotOnEveryOrder) {
  FtgoWorld w(definitions());
  ASSERT_TRUE(w.status().is_ok()) << w.status().to_string();
  const std::string first = w.create_order(16);
  ASSERT_TRUE(w.run_until_ended({first}, Millis{10'000}));
  w.hold_authorization(17);  // another order is being created
  const std::string other = w.create_order(17);
  w.run(Millis{20});
  const std::string cancel = w.cancel_order(16);
  w.run(Millis{200});
  EXPECT_TRUE(saga::is_terminal(w.saga(cancel).phase))
      << "The cancel of order 16 waited while Create Order ran on order 17: one order's saga "
         "held up a change of another order.";
  w.release_authorization();
  ASSERT_TRUE(w.run_until_ended({other, cancel}, Millis{30'000}));
  EXPECT_EQ(w.orders().at(16).state, "CANCELLED");
  EXPECT_EQ(w.orders().at(17).state, "APPROVED");
}

TEST(Workshop10SemanticLock, ASmallRevisionDuringCreateIsRefusedAtOnce) {
  FtgoWorld w(definitions());
  ASSERT_TRUE(w.status().is_ok()) << w.status().to_string();
  w.hold_authorization(14);
  const std::string create = w.create_order(14, 2'940);
  w.run(Millis{20});
  const std::string revise = w.revise_order(14, 3'785);
  w.run(Millis{20});
  const saga::SagaInstance r = w.saga(revise);
  EXPECT_TRUE(saga::is_terminal(r.phase))
      << "A small revision (29.40 to 37.85) of an order still being created was not answered "
         "at once: the customer is kept waiting for a change worth little, and small revisions "
         "queue in front of cancels.";
  EXPECT_FALSE(sent(w, revise)) << "The small revision of order 14 reached the services while "
                                   "Create Order was still running on the order.";
  w.release_authorization();
  ASSERT_TRUE(w.run_until_ended({create, revise}, Millis{30'000}));
  EXPECT_EQ(w.saga(revise).phase, Phase::kCompensated) << "the small revision: refused";
  EXPECT_EQ(w.orders().at(14).state, "APPROVED");
  EXPECT_EQ(money(w.orders().at(14).total_cents), "29.40") << "order 14 stays as created";
}

TEST(Workshop10SemanticLock, ABigRevisionDuringCreateWaitsThenRuns) {
  FtgoWorld w(definitions());
  ASSERT_TRUE(w.status().is_ok()) << w.status().to_string();
  w.hold_authorization(15);
  const std::string create = w.create_order(15, 2'940);
  w.run(Millis{20});
  const std::string revise = w.revise_order(15, 12'950);
  w.run(Millis{20});
  const bool ended_early = saga::is_terminal(w.saga(revise).phase);
  const bool early = sent(w, revise);
  w.release_authorization();
  ASSERT_TRUE(w.run_until_ended({create, revise}, Millis{30'000}));
  const saga::SagaInstance r = w.saga(revise);
  ASSERT_FALSE(early) << "The big revision of order 15 reached the services while Create Order "
                         "was still running on the order"
                      << (r.phase == Phase::kCompensated
                              ? ", was refused there (" + r.last_reason + ") and rolled back."
                              : ".");
  ASSERT_FALSE(ended_early)
      << "A big revision (29.40 to 129.50) of an order still being created was refused at once ("
      << r.last_reason << "): with that much at stake the customer would rather wait.";
  EXPECT_EQ(r.phase, Phase::kCompleted) << "the big revision: " << r.last_reason;
  EXPECT_EQ(money(w.orders().at(15).total_cents), "129.50") << "order 15's total after revision";
  EXPECT_EQ(w.orders().at(15).version, 2) << "order 15 revised once";
  EXPECT_EQ(money(w.authorizations().at(15).amount_cents), "129.50")
      << "the card authorization of order 15 after the revision";
}

}  // namespace
