// Goal: exercise 9 — with a version file, Accounting turns an AuthorizeCard that arrives after
// the ReverseAuthorization of the same order into a no-op, and still authorizes and reverses
// when they arrive in order.
// Method: the student's handlers in a real Participant (real SQLite file, real ZeroMQ socket),
// commands sent in the order the wire delivered them; then the table is read back.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <thread>

#include "command_client.h"
#include "ftgo/messages.h"
#include "saga/participant.h"
#include "saga/testing/temp_dir.h"
#include "saga/version_file.h"

namespace workshop {
saga::Status install_card_authorizations(saga::Participant& p);  // the student's file
}

namespace {

class Workshop09VersionFile : public ::testing::Test {
 protected:
  void SetUp() override {
    saga::ParticipantOptions options;
    options.endpoint = "tcp://127.0.0.1:*";
    options.database_path = dir_.file("accounting.db");
    options.synchronous = saga::Synchronous::kNormal;
    options.log = [](saga::LogLevel, std::string_view) {};
    auto opened = saga::Participant::open(std::move(options));
    ASSERT_TRUE(opened) << opened.status().to_string();
    participant_ = std::move(opened).value();
    ASSERT_TRUE(workshop::install_card_authorizations(*participant_).is_ok());
    runner_ = std::thread([this] { participant_->run(); });
    saga::ParticipantRegistry registry;
    ASSERT_TRUE(registry.add("accounting", participant_->endpoint()).is_ok());
    auto client = ftgo::CommandClient::open(std::move(registry));
    ASSERT_TRUE(client) << client.status().to_string();
    client_ = std::move(client).value();
  }
  void TearDown() override {
    if (participant_) participant_->stop();
    if (runner_.joinable()) runner_.join();
    participant_.reset();
  }

  // Create Order's AuthorizeCard for `order` (saga order-N, step authorize_card).
  saga::Envelope authorize(std::int64_t order) {
    ftgo::AuthorizeCard c{1, order, 2'940};
    return send(ftgo::CommandClient::command(c, "order-" + std::to_string(order), "authorize_card",
                                             "auth-" + std::to_string(order)));
  }
  // Cancel Order's ReverseAuthorization for `order` (saga cancel-N).
  saga::Envelope reverse(std::int64_t order) {
    ftgo::ReverseAuthorization c{order};
    return send(ftgo::CommandClient::command(c, "cancel-" + std::to_string(order),
                                             "reverse_authorization",
                                             "rev-" + std::to_string(order)));
  }
  saga::Envelope send(saga::Result<saga::Envelope> command) {
    EXPECT_TRUE(command) << command.status().to_string();
    auto reply = client_->call("accounting", std::move(command).value());
    EXPECT_TRUE(reply) << reply.status().to_string();
    return reply ? std::move(reply).value() : saga::Envelope{};
  }

  // The order's authorization state, "none" without a row.
  std::string state(std::int64_t order) {
    SQLite::Database db(dir_.file("accounting.db"), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT state FROM card_authorizations WHERE order_id = ?");
    q.bind(1, static_cast<std::int64_t>(order));
    return q.executeStep() ? q.getColumn(0).getString() : "none";
  }
  // Rows of the version file, to see that the library's file was used.
  int version_rows(std::int64_t order) {
    SQLite::Database db(dir_.file("accounting.db"), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT count(*) FROM saga_version_file WHERE entity = ?");
    q.bind(1, "authorization:" + std::to_string(order));
    return q.executeStep() ? q.getColumn(0).getInt() : 0;
  }

  saga::testing::TempDir dir_;
  std::unique_ptr<saga::Participant> participant_;
  std::thread runner_;
  std::unique_ptr<ftgo::CommandClient> client_;
};

TEST_F(Workshop09VersionFile, InOrderTheCardIsAuthorizedThenReversed) {
  const saga::Envelope authorized = authorize(17);
  EXPECT_EQ(authorized.outcome, saga::Outcome::kSuccess) << authorized.reason;
  EXPECT_EQ(state(17), "AUTHORIZED");
  const saga::Envelope reversed = reverse(17);
  EXPECT_EQ(reversed.outcome, saga::Outcome::kSuccess) << reversed.reason;
  auto back = saga::decode_body<ftgo::AuthorizationReversed>(reversed.body, reversed.content_type);
  ASSERT_TRUE(back);
  EXPECT_EQ(back.value().amount_cents, 2'940);
  EXPECT_EQ(state(17), "REVERSED");
}

// The book's case: the reverse (of nothing yet) arrives first, the delayed authorize after it.
TEST_F(Workshop09VersionFile, AnAuthorizeThatArrivesAfterItsReverseIsANoOp) {
  EXPECT_EQ(reverse(16).outcome, saga::Outcome::kSuccess);
  const saga::Envelope late = authorize(16);
  EXPECT_EQ(late.outcome, saga::Outcome::kFailure)
      << "the late AuthorizeCard authorized a card that nobody will ever reverse";
  EXPECT_EQ(late.reason, saga::kReasonSuperseded);
  EXPECT_NE(state(16), "AUTHORIZED");
  EXPECT_EQ(version_rows(16), 2) << "both operations are recorded in the version file";
}

// Ten orders, each authorized and reversed, their commands shuffled as a slow network would
// (seed 9): whatever the order, no card stays authorized.
TEST_F(Workshop09VersionFile, SeededReorderingsLeaveNoAuthorizationBehind) {
  std::vector<std::pair<std::int64_t, bool>> arrivals;  // (order, is the authorize)
  for (std::int64_t order = 30; order < 40; ++order) {
    arrivals.emplace_back(order, true);
    arrivals.emplace_back(order, false);
  }
  std::mt19937 random(9);
  std::shuffle(arrivals.begin(), arrivals.end(), random);
  for (const auto& [order, is_authorize] : arrivals) {
    if (is_authorize) {
      (void)authorize(order);
    } else {
      (void)reverse(order);
    }
  }
  for (std::int64_t order = 30; order < 40; ++order) {
    EXPECT_NE(state(order), "AUTHORIZED") << "order " << order;
  }
}

}  // namespace
