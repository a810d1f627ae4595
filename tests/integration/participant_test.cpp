// Goal: the participant library answers saga/1 commands exactly as docs/participants.md and
// docs/protocol.md promise. Method: drive a real participant (loopback tcp/ipc ROUTER, temp SQLite
// file) with a DEALER.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <thread>

#include "integration/participant_test_support.h"

namespace saga::test {
namespace {

constexpr const char* kTcp = "tcp://127.0.0.1:*";

template <typename T>
T body_of(const Envelope& reply) {
  auto decoded = decode_body<T>(reply.body, reply.content_type);
  EXPECT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  return decoded ? decoded.value() : T{};
}

class ParticipantTest : public ::testing::Test {
 protected:
  void SetUp() override { start(kTcp); }

  void start(const std::string& endpoint, ParticipantOptions options = {}) {
    participant_ = open_participant(endpoint, dir_.file("kitchen.db"), std::move(options));
    ASSERT_NE(participant_, nullptr);
    install_kitchen(*participant_, runs_);
    running_ = std::make_unique<Running>(*participant_);
    client_ = std::make_unique<Client>(participant_->endpoint());
  }

  void restart(const std::string& endpoint = kTcp) {
    client_.reset();
    running_.reset();
    participant_.reset();
    start(endpoint);
  }

  std::int64_t count_tickets(const std::string& state = "") {
    static int n = 0;
    auto r = client_->call(
        typed_command(CountTickets{state}, "count-" + std::to_string(++n), ContentType::kJson));
    EXPECT_TRUE(r.has_value());
    return r ? body_of<TicketCount>(*r).count : -1;
  }

  TempDir dir_;
  HandlerRuns runs_;
  std::unique_ptr<Participant> participant_;
  std::unique_ptr<Running> running_;
  std::unique_ptr<Client> client_;
};

TEST_F(ParticipantTest, TypedCommandGetsTypedReply) {
  EXPECT_NE(participant_->endpoint(), kTcp);  // the real port was read back
  Envelope cmd = typed_command(OpenTicket{99, "pizza"}, "m-1", ContentType::kCerealBinary);
  cmd.trace_id = "trace-7";
  auto reply = client_->call(cmd);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->kind, MessageKind::kReply);
  EXPECT_EQ(reply->correlation_id, "m-1");
  EXPECT_EQ(reply->saga_id, "saga-1");
  EXPECT_EQ(reply->trace_id, "trace-7");
  EXPECT_EQ(reply->outcome, Outcome::kSuccess);
  EXPECT_EQ(reply->name, "TicketOpened");
  EXPECT_EQ(reply->content_type, ContentType::kCerealBinary);
  EXPECT_FALSE(reply->message_id.empty());
  TicketOpened created = body_of<TicketOpened>(*reply);
  EXPECT_EQ(created.order_id, 99);
  EXPECT_GT(created.ticket_id, 0);
  EXPECT_EQ(participant_->stats().handled, 1u);
}

TEST_F(ParticipantTest, JsonCommandGetsJsonReplyOverIpc) {
  restart("ipc://" + dir_.file("kitchen.sock"));
  Envelope cmd = command("OpenTicket", "m-json");
  cmd.content_type = ContentType::kJson;
  cmd.body = R"({"order_id": 5, "items": "soup"})";  // as a Python participant would write it
  auto reply = client_->call(cmd);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->content_type, ContentType::kJson);
  EXPECT_EQ(reply->outcome, Outcome::kSuccess);
  EXPECT_EQ(reply->body.front(), '{') << reply->body;  // a JSON object
  EXPECT_NE(reply->body.find("\"ticket_id\""), std::string::npos) << reply->body;
  EXPECT_EQ(body_of<TicketOpened>(*reply).order_id, 5);
}

TEST_F(ParticipantTest, DuplicateDeliveryGetsTheStoredReplyAndRunsOnce) {
  Envelope cmd = typed_command(OpenTicket{1, "tea"}, "m-dup", ContentType::kCerealBinary);
  auto first = client_->call(cmd);
  cmd.attempt = 2;
  auto second = client_->call(cmd);
  auto third = client_->call(cmd);
  ASSERT_TRUE(first && second && third);
  EXPECT_EQ(second->body, first->body);
  EXPECT_EQ(third->name, first->name);
  EXPECT_EQ(third->message_id, first->message_id);
  EXPECT_EQ(runs_.create.load(), 1);
  EXPECT_EQ(count_tickets(), 1);
  EXPECT_EQ(participant_->stats().duplicates, 2u);
}

TEST_F(ParticipantTest, DuplicatesInOneBatchAreHandledOnce) {
  // Sent back to back, these likely share one transaction; each still runs once.
  const int kCommands = 40;
  for (int i = 0; i < kCommands; ++i) {
    client_->send(typed_command(OpenTicket{i, "x"}, "m-" + std::to_string(i % 20),
                                ContentType::kCerealBinary, "saga-" + std::to_string(i)));
  }
  int replies = 0;
  while (replies < kCommands && client_->receive()) ++replies;
  EXPECT_EQ(replies, kCommands);
  EXPECT_EQ(runs_.create.load(), 20);
  EXPECT_EQ(count_tickets(), 20);
}

TEST_F(ParticipantTest, AThrowingHandlerInABatchUndoesOnlyItsOwnWrites) {
  const std::vector<std::string> items = {"a", "explode", "b", "explode", "c"};
  for (std::size_t i = 0; i < items.size(); ++i) {
    client_->send(typed_command(OpenTicket{static_cast<std::int64_t>(i), items[i]},
                                "m-batch-" + std::to_string(i), ContentType::kCerealBinary,
                                "saga-b" + std::to_string(i)));
  }
  int errors = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto reply = client_->receive();
    ASSERT_TRUE(reply.has_value());
    if (reply->reason == kReasonHandlerError) ++errors;
  }
  EXPECT_EQ(errors, 2);
  EXPECT_EQ(count_tickets(), 3);
}

// A failed handler rolls back only its own writes: the inbox and barrier rows of the commands
// before it in the same transaction stay (the library writes them outside the handler's
// savepoint). The five commands are queued before the participant runs, so that one run_once()
// takes them as one batch.
TEST(ParticipantBatchTest, AFailedHandlerKeepsTheInboxAndBarrierRowsOfTheOthers) {
  TempDir dir;
  HandlerRuns runs;
  std::unique_ptr<Participant> participant = open_participant(kTcp, dir.file("kitchen.db"));
  ASSERT_NE(participant, nullptr);
  install_kitchen(*participant, runs);
  Client client(participant->endpoint());
  const std::vector<std::string> items = {"a", "explode", "b", "explode", "c"};
  std::vector<Envelope> commands;
  for (std::size_t i = 0; i < items.size(); ++i) {
    commands.push_back(typed_command(OpenTicket{static_cast<std::int64_t>(i), items[i]},
                                     "m-one-" + std::to_string(i), ContentType::kCerealBinary,
                                     "saga-one-" + std::to_string(i)));
    client.send(commands.back());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // all five at the socket
  ASSERT_TRUE(participant->run_once(std::chrono::seconds(2)).is_ok());
  std::map<std::string, Envelope> first;
  while (first.size() < items.size()) {
    std::optional<Envelope> reply = client.receive(std::chrono::milliseconds(500));
    if (!reply) break;
    first[reply->correlation_id] = *reply;
  }
  ASSERT_EQ(first.size(), items.size()) << "the five commands were not one batch";
  EXPECT_EQ(runs.create.load(), 5);

  Running running(*participant);
  for (const Envelope& c : commands) {  // each gets its stored reply, byte for byte
    std::optional<Envelope> again = client.call(c);
    ASSERT_TRUE(again.has_value());
    const Envelope& was = first.at(c.message_id);
    EXPECT_EQ(encode_header(*again).value(), encode_header(was).value()) << c.message_id;
    EXPECT_EQ(again->body, was.body) << c.message_id;
  }
  EXPECT_EQ(runs.create.load(), 5);
  for (std::size_t i = 0; i < items.size(); ++i) {  // the barrier: action_done only if it succeeded
    std::optional<Envelope> cancel = client.call(typed_command(
        VoidTicket{static_cast<std::int64_t>(i)}, "m-one-c" + std::to_string(i),
        ContentType::kCerealBinary, "saga-one-" + std::to_string(i), "create_ticket", true));
    ASSERT_TRUE(cancel.has_value());
    EXPECT_EQ(cancel->name, items[i] == "explode" ? std::string(kNullCompensationReply)
                                                  : std::string("TicketVoided"))
        << i;
  }
  EXPECT_EQ(runs.cancel.load(), 3);
}

// run_once() takes at most max_batch messages, however many are ready, each with all its frames.
TEST(ParticipantBatchTest, RunOnceTakesAtMostMaxBatchCommands) {
  TempDir dir;
  HandlerRuns runs;
  ParticipantOptions options;
  options.max_batch = 2;
  std::unique_ptr<Participant> participant =
      open_participant(kTcp, dir.file("kitchen.db"), std::move(options));
  ASSERT_NE(participant, nullptr);
  install_kitchen(*participant, runs);
  Client client(participant->endpoint());
  for (int i = 0; i < 5; ++i) {
    client.send(typed_command(OpenTicket{i, "x"}, "m-max-" + std::to_string(i),
                              ContentType::kCerealBinary, "saga-max-" + std::to_string(i)));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // all five at the socket
  for (int expected : {2, 4, 5}) {
    ASSERT_TRUE(participant->run_once(std::chrono::seconds(2)).is_ok());
    EXPECT_EQ(runs.create.load(), expected);
  }
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(client.receive().has_value()) << i;
  EXPECT_EQ(participant->stats().malformed_dropped, 0u);
}

TEST_F(ParticipantTest, BusinessFailureCarriesReasonAndPayloadAndIsStored) {
  Envelope cmd = typed_command(OpenTicket{3, "declined"}, "m-decl", ContentType::kJson);
  auto reply = client_->call(cmd);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->outcome, Outcome::kFailure);
  EXPECT_EQ(reply->reason, "card_declined");
  EXPECT_EQ(reply->name, "PaymentRefused");
  EXPECT_EQ(body_of<PaymentRefused>(*reply).card, "4111");
  auto again = client_->call(cmd);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->reason, "card_declined");
  EXPECT_EQ(runs_.create.load(), 1);
}

TEST_F(ParticipantTest, ThrowingHandlerRollsBackItsWritesAndRepliesHandlerError) {
  Envelope cmd = typed_command(OpenTicket{4, "explode"}, "m-boom", ContentType::kCerealBinary);
  auto reply = client_->call(cmd);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->outcome, Outcome::kFailure);
  EXPECT_EQ(reply->reason, kReasonHandlerError);
  EXPECT_EQ(count_tickets(), 0);  // the INSERT before the throw was rolled back
  // Stored: a duplicate gets the same answer without running the handler again.
  auto again = client_->call(cmd);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->reason, kReasonHandlerError);
  EXPECT_EQ(runs_.create.load(), 1);
  EXPECT_EQ(participant_->stats().handler_errors, 1u);
}

TEST_F(ParticipantTest, HandlerWritesCommitWithTheInboxRecord) {
  ASSERT_TRUE(client_->call(typed_command(OpenTicket{8, "a"}, "m-a", ContentType::kJson)));
  ASSERT_TRUE(client_->call(typed_command(OpenTicket{9, "b"}, "m-b", ContentType::kJson)));
  EXPECT_EQ(count_tickets("created"), 2);
}

TEST_F(ParticipantTest, CompensationWithoutActionIsANullCompensation) {
  auto cancel = client_->call(typed_command(VoidTicket{7}, "m-cancel", ContentType::kCerealBinary,
                                            "saga-7", "create_ticket", true));
  ASSERT_TRUE(cancel.has_value());
  EXPECT_EQ(cancel->outcome, Outcome::kSuccess);
  EXPECT_EQ(cancel->name, kNullCompensationReply);
  EXPECT_EQ(runs_.cancel.load(), 0);

  // The action arrives late: refused, its handler does not run.
  auto late = client_->call(
      typed_command(OpenTicket{7, "late"}, "m-late", ContentType::kCerealBinary, "saga-7"));
  ASSERT_TRUE(late.has_value());
  EXPECT_EQ(late->outcome, Outcome::kFailure);
  EXPECT_EQ(late->reason, kReasonCompensated);
  EXPECT_EQ(runs_.create.load(), 0);
  EXPECT_EQ(count_tickets(), 0);
  EXPECT_EQ(participant_->stats().null_compensations, 1u);
  EXPECT_EQ(participant_->stats().refused_compensated, 1u);
}

TEST_F(ParticipantTest, CompensationAfterActionRunsItsHandler) {
  ASSERT_TRUE(client_->call(
      typed_command(OpenTicket{6, "rice"}, "m-act", ContentType::kCerealBinary, "saga-6")));
  auto cancel = client_->call(typed_command(VoidTicket{6}, "m-comp", ContentType::kCerealBinary,
                                            "saga-6", "create_ticket", true));
  ASSERT_TRUE(cancel.has_value());
  EXPECT_EQ(cancel->outcome, Outcome::kSuccess);
  EXPECT_EQ(cancel->name, "TicketVoided");
  EXPECT_EQ(body_of<TicketVoided>(*cancel).rows, 1);
  EXPECT_EQ(runs_.cancel.load(), 1);
  EXPECT_EQ(count_tickets("cancelled"), 1);
  // The same action resent with its original message_id still gets its original answer.
  auto resent = client_->call(
      typed_command(OpenTicket{6, "rice"}, "m-act", ContentType::kCerealBinary, "saga-6"));
  ASSERT_TRUE(resent.has_value());
  EXPECT_EQ(resent->outcome, Outcome::kSuccess);
  EXPECT_EQ(runs_.create.load(), 1);
}

TEST_F(ParticipantTest, ActionWithFailureReplyLeavesNothingToCompensate) {
  ASSERT_TRUE(client_->call(
      typed_command(OpenTicket{2, "declined"}, "m-f", ContentType::kCerealBinary, "saga-2")));
  auto cancel = client_->call(typed_command(VoidTicket{2}, "m-fc", ContentType::kCerealBinary,
                                            "saga-2", "create_ticket", true));
  ASSERT_TRUE(cancel.has_value());
  EXPECT_EQ(cancel->name, kNullCompensationReply);
  EXPECT_EQ(runs_.cancel.load(), 0);
}

TEST_F(ParticipantTest, UnknownCommandGetsUnknownCommandFailure) {
  Envelope cmd = command("MakeCoffee", "m-unknown");
  auto reply = client_->call(cmd);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->outcome, Outcome::kFailure);
  EXPECT_EQ(reply->reason, kReasonUnknownCommand);
  EXPECT_EQ(reply->name, kFailureReply);
  EXPECT_EQ(participant_->stats().unknown_commands, 1u);
}

TEST_F(ParticipantTest, BodyThatDoesNotDecodeGetsMalformedCommandFailure) {
  Envelope binary = command("OpenTicket", "m-bad-bin");
  binary.body = "\x01\x02";
  Envelope json = command("OpenTicket", "m-bad-json");
  json.content_type = ContentType::kJson;
  json.body = R"({"order_id": "not a number"})";
  for (const Envelope& cmd : {binary, json}) {
    auto reply = client_->call(cmd);
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->outcome, Outcome::kFailure);
    EXPECT_EQ(reply->reason, kReasonMalformedCommand);
    EXPECT_EQ(reply->content_type, cmd.content_type);
  }
  EXPECT_EQ(runs_.create.load(), 0);
  EXPECT_EQ(participant_->stats().malformed_commands, 2u);
}

TEST_F(ParticipantTest, CompensationFlagThatDoesNotMatchTheHandlerIsMalformed) {
  auto reply = client_->call(typed_command(OpenTicket{1, "x"}, "m-flag", ContentType::kCerealBinary,
                                           "saga-1", "create_ticket", true));
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->reason, kReasonMalformedCommand);
  EXPECT_EQ(runs_.create.load(), 0);
}

TEST_F(ParticipantTest, ReplySentToAParticipantIsDroppedAndCounted) {
  Envelope reply = make_reply_to(command("OpenTicket", "m-x"));
  reply.message_id = "r-x";
  reply.name = "TicketOpened";
  client_->send(reply);
  // Ordered on the connection: once this answer is back, the reply above was seen.
  ASSERT_TRUE(client_->call(typed_command(OpenTicket{1, "x"}, "m-after", ContentType::kJson)));
  EXPECT_EQ(participant_->stats().replies_dropped, 1u);
}

TEST_F(ParticipantTest, RestartKeepsDeduplication) {
  Envelope cmd = typed_command(OpenTicket{11, "cake"}, "m-restart", ContentType::kCerealBinary);
  auto first = client_->call(cmd);
  ASSERT_TRUE(first.has_value());
  restart();  // same database file, new socket and port
  auto again = client_->call(cmd);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->body, first->body);
  EXPECT_EQ(again->outcome, Outcome::kSuccess);
  EXPECT_EQ(participant_->stats().duplicates, 1u);
  EXPECT_EQ(participant_->stats().handled, 0u);
  EXPECT_EQ(count_tickets(), 1);
}

TEST(ParticipantOpenTest, BadEndpointAndBadDatabaseAreErrors) {
  TempDir dir;
  ParticipantOptions options;
  options.endpoint = "nonsense://x";
  options.database_path = dir.file("p.db");
  EXPECT_FALSE(Participant::open(options).is_ok());
  options.endpoint = kTcp;
  options.database_path = dir.file("missing/dir/p.db");
  EXPECT_FALSE(Participant::open(options).is_ok());
}

class ParticipantCurveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = generate_curve_keypair().value();
    allowed_ = generate_curve_keypair().value();
    stranger_ = generate_curve_keypair().value();
    ParticipantOptions options;
    options.curve = CurveServerKeys{server_.public_key, server_.secret_key, {allowed_.public_key}};
    participant_ = open_participant(kTcp, dir_.file("curve.db"), options);
    ASSERT_NE(participant_, nullptr);
    install_kitchen(*participant_, runs_);
    running_ = std::make_unique<Running>(*participant_);
  }
  void TearDown() override { running_.reset(); }

  TempDir dir_;
  HandlerRuns runs_;
  CurveKeyPair server_, allowed_, stranger_;
  std::unique_ptr<Participant> participant_;
  std::unique_ptr<Running> running_;
};

TEST_F(ParticipantCurveTest, KeysAreZ85AndPublicKeyIsDerivable) {
  EXPECT_EQ(server_.public_key.size(), 40u);
  EXPECT_EQ(curve_public_key(server_.secret_key).value(), server_.public_key);
  EXPECT_FALSE(curve_public_key("short").is_ok());
}

TEST_F(ParticipantCurveTest, ListedClientIsServed) {
  CurveClientKeys keys{allowed_.public_key, allowed_.secret_key, server_.public_key};
  Client client(participant_->endpoint(), &keys);
  auto reply = client.call(typed_command(OpenTicket{1, "x"}, "m-c1", ContentType::kJson));
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->outcome, Outcome::kSuccess);
  EXPECT_EQ(runs_.create.load(), 1);
}

TEST_F(ParticipantCurveTest, UnlistedClientGetsNothingExecuted) {
  CurveClientKeys keys{stranger_.public_key, stranger_.secret_key, server_.public_key};
  Client client(participant_->endpoint(), &keys);
  client.send(typed_command(OpenTicket{1, "x"}, "m-c2", ContentType::kJson));
  EXPECT_FALSE(client.receive(std::chrono::milliseconds(1500)).has_value());
  EXPECT_EQ(runs_.create.load(), 0);
  EXPECT_GE(participant_->stats().clients_refused, 1u);
  // A plain (non-CURVE) client gets nothing either.
  Client plain(participant_->endpoint());
  plain.send(typed_command(OpenTicket{1, "x"}, "m-c3", ContentType::kJson));
  EXPECT_FALSE(plain.receive(std::chrono::milliseconds(500)).has_value());
  EXPECT_EQ(runs_.create.load(), 0);
}

TEST(ParticipantCurveOptionsTest, BadKeysAreRefusedAtOpen) {
  TempDir dir;
  ParticipantOptions options;
  options.curve = CurveServerKeys{"not-a-key", "not-a-key", {}};
  options.endpoint = kTcp;
  options.database_path = dir.file("p.db");
  auto opened = Participant::open(options);
  ASSERT_FALSE(opened.is_ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace saga::test
