// Goal: the orchestrator's ZeroMQ transport carries saga/1 commands and replies over real
// sockets, survives participants that start late or restart, wakes on demand, and speaks CURVE.
// Method: raw cppzmq ROUTER sockets stand in for participants on tcp loopback and ipc in a temp
// dir; the registry parser gets files written to a temp dir.
#include "saga/zmq_transport.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <thread>

#include "integration/zmq_test_peer.h"
#include "saga/participant_registry.h"

namespace saga {
namespace {

using testing::FakeParticipant;
using testing::sample_command;
using testing::sample_reply;
using testing::TempDir;

constexpr Millis kLongPoll{10'000};

std::unique_ptr<Transport> make_transport(const std::string& name, const std::string& endpoint,
                                          std::optional<CurveClientKeys> curve = std::nullopt) {
  ZmqTransportOptions options;
  EXPECT_TRUE(options.registry.add(name, endpoint).is_ok());
  options.curve = std::move(curve);
  Result<std::unique_ptr<Transport>> transport = make_zmq_transport(std::move(options));
  EXPECT_TRUE(transport.is_ok()) << transport.status().to_string();
  return transport.is_ok() ? std::move(transport).value() : nullptr;
}

// Polls until one reply arrives; a bounded number of long polls so a broken transport fails.
std::vector<Envelope> poll_one(Transport& transport) {
  std::vector<Envelope> out;
  for (int i = 0; i < 3 && out.empty(); ++i) transport.poll(kLongPoll, out, 16);
  return out;
}

// The command as the participant sees it: [routing id, tag, header, body], decoded.
Envelope expect_command_frames(const std::vector<std::string>& frames) {
  EXPECT_EQ(frames.size(), 4u);
  if (frames.size() != 4) return {};
  EXPECT_FALSE(frames[0].empty());
  EXPECT_EQ(frames[1], kProtocolTag);
  Result<Envelope> decoded = decode(frames[1], frames[2], frames[3]);
  EXPECT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  return decoded.is_ok() ? decoded.value() : Envelope{};
}

TEST(ZmqTransportTest, CommandReachesTheRouterAsRoutingIdTagHeaderBody) {
  FakeParticipant kitchen("tcp://127.0.0.1:*");
  auto transport = make_transport("kitchen", kitchen.endpoint());
  ASSERT_NE(transport, nullptr);

  const Envelope command = sample_command();
  ASSERT_TRUE(transport->send("kitchen", command).is_ok());
  EXPECT_EQ(expect_command_frames(kitchen.receive_frames()), command);
  EXPECT_EQ(transport->stats().sent, 1u);
}

TEST(ZmqTransportTest, ReplyFromTheRouterComesBackFromPoll) {
  FakeParticipant kitchen("tcp://127.0.0.1:*");
  auto transport = make_transport("kitchen", kitchen.endpoint());
  ASSERT_NE(transport, nullptr);

  const Envelope command = sample_command();
  ASSERT_TRUE(transport->send("kitchen", command).is_ok());
  std::vector<std::string> frames = kitchen.receive_frames();
  ASSERT_EQ(frames.size(), 4u);
  const Envelope reply = sample_reply(command);
  kitchen.send_reply(frames[0], reply);

  std::vector<Envelope> out = poll_one(*transport);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], reply);
  EXPECT_EQ(transport->stats().received, 1u);
}

TEST(ZmqTransportTest, PollReturnsAtMostMaxRepliesAndKeepsTheRest) {
  FakeParticipant kitchen("tcp://127.0.0.1:*");
  auto transport = make_transport("kitchen", kitchen.endpoint());
  ASSERT_NE(transport, nullptr);
  const Envelope command = sample_command();
  ASSERT_TRUE(transport->send("kitchen", command).is_ok());
  std::vector<std::string> frames = kitchen.receive_frames();
  ASSERT_EQ(frames.size(), 4u);
  for (int i = 0; i < 5; ++i)
    kitchen.send_reply(frames[0], sample_reply(command, "r" + std::to_string(i)));

  std::vector<Envelope> out;
  while (out.size() < 5) {
    const std::size_t before = out.size();
    transport->poll(kLongPoll, out, 2);
    ASSERT_GT(out.size(), before);  // a long poll returns only with replies here
    ASSERT_LE(out.size() - before, 2u);
  }
  for (int i = 0; i < 5; ++i) EXPECT_EQ(out[i].message_id, "r" + std::to_string(i));  // in order
}

TEST(ZmqTransportTest, ParticipantThatBindsAfterTheTransportConnectedReceivesTheCommand) {
  TempDir dir;
  const std::string endpoint = "ipc://" + (dir.path() / "kitchen.sock").string();
  auto transport = make_transport("kitchen", endpoint);
  ASSERT_NE(transport, nullptr);

  const Envelope command = sample_command();
  ASSERT_TRUE(transport->send("kitchen", command).is_ok());  // queued: nobody listens yet
  FakeParticipant kitchen(endpoint);
  EXPECT_EQ(expect_command_frames(kitchen.receive_frames()), command);
}

TEST(ZmqTransportTest, ParticipantThatBindsLaterOnTcpReceivesTheCommand) {
  std::string endpoint;
  { endpoint = FakeParticipant("tcp://127.0.0.1:*").endpoint(); }  // a port that was free
  auto transport = make_transport("kitchen", endpoint);
  ASSERT_NE(transport, nullptr);

  const Envelope command = sample_command();
  ASSERT_TRUE(transport->send("kitchen", command).is_ok());
  FakeParticipant kitchen(endpoint);
  EXPECT_EQ(expect_command_frames(kitchen.receive_frames()), command);
}

// Sends `command` again until the participant gets it, as the engine's deadline resend does:
// a command written to a connection that was breaking may be lost.
void resend_until_received(Transport& transport, FakeParticipant& participant,
                           const Envelope& command) {
  participant.set_receive_timeout_ms(200);
  for (int attempt = 1; attempt <= 100; ++attempt) {
    ASSERT_TRUE(transport.send("kitchen", command).is_ok());
    std::vector<std::string> frames = participant.receive_frames();
    if (!frames.empty()) {
      EXPECT_EQ(expect_command_frames(frames), command);
      return;
    }
  }
  FAIL() << "the restarted participant never received the command";
}

void expect_restarted_participant_receives(const std::string& first_endpoint) {
  auto first = std::make_unique<FakeParticipant>(first_endpoint);
  const std::string endpoint = first->endpoint();
  auto transport = make_transport("kitchen", endpoint);
  ASSERT_NE(transport, nullptr);
  const Envelope before = sample_command("saga-1/1");
  ASSERT_TRUE(transport->send("kitchen", before).is_ok());
  EXPECT_EQ(expect_command_frames(first->receive_frames()), before);

  first.reset();                     // the participant goes down ...
  FakeParticipant second(endpoint);  // ... and comes back on the same endpoint
  resend_until_received(*transport, second, sample_command("saga-1/2"));

  // The reply goes back over the new connection.
  second.set_receive_timeout_ms(testing::kReceiveTimeoutMs);
  const Envelope command = sample_command("saga-1/3");
  ASSERT_TRUE(transport->send("kitchen", command).is_ok());
  std::vector<std::string> frames;
  do {
    frames = second.receive_frames();  // skip resends that were still queued
  } while (frames.size() == 4 && expect_command_frames(frames).message_id != "saga-1/3");
  ASSERT_EQ(frames.size(), 4u);
  second.send_reply(frames[0], sample_reply(command));
  std::vector<Envelope> out = poll_one(*transport);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].correlation_id, "saga-1/3");
}

TEST(ZmqTransportTest, ParticipantRestartedOnTheSameTcpPortReceivesLaterCommands) {
  expect_restarted_participant_receives("tcp://127.0.0.1:*");
}

TEST(ZmqTransportTest, ParticipantRestartedOnTheSameIpcPathReceivesLaterCommands) {
  TempDir dir;
  expect_restarted_participant_receives("ipc://" + (dir.path() / "kitchen.sock").string());
}

TEST(ZmqTransportTest, WakeFromAnotherThreadEndsALongPollWithoutMessages) {
  FakeParticipant kitchen("tcp://127.0.0.1:*");
  auto transport = make_transport("kitchen", kitchen.endpoint());
  ASSERT_NE(transport, nullptr);

  // A watchdog far beyond any scheduling delay: if wake() were ignored, poll() would run its
  // full minute and the watchdog would fire first. No duration is asserted otherwise.
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  std::atomic<bool> watchdog_fired{false};
  std::thread watchdog([&] {
    std::unique_lock lock(mutex);
    if (!done_cv.wait_for(lock, std::chrono::seconds(30), [&] { return done; })) {
      watchdog_fired = true;
    }
  });
  std::thread waker([&] { transport->wake(); });

  std::vector<Envelope> out;
  transport->poll(Millis{60'000}, out, 16);
  {
    std::lock_guard lock(mutex);
    done = true;
  }
  done_cv.notify_all();
  waker.join();
  watchdog.join();
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(watchdog_fired.load());
}

TEST(ZmqTransportTest, WakeWithNoParticipantsStillEndsPoll) {
  Result<std::unique_ptr<Transport>> transport = make_zmq_transport(ZmqTransportOptions{});
  ASSERT_TRUE(transport.is_ok()) << transport.status().to_string();
  transport.value()->wake();
  transport.value()->wake();  // several wake-ups before a poll are one
  std::vector<Envelope> out;
  transport.value()->poll(kLongPoll, out, 16);
  EXPECT_TRUE(out.empty());
}

TEST(ZmqTransportTest, UnknownParticipantIsAnErrorAndCounted) {
  FakeParticipant kitchen("tcp://127.0.0.1:*");
  auto transport = make_transport("kitchen", kitchen.endpoint());
  ASSERT_NE(transport, nullptr);
  Status s = transport->send("accounting", sample_command());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("accounting"), std::string::npos);
  EXPECT_EQ(transport->stats().send_failures, 1u);
  EXPECT_EQ(transport->stats().sent, 0u);
}

TEST(ZmqTransportTest, SendingAReplyOrAnOversizedCommandIsRefused) {
  ZmqTransportOptions options;
  ASSERT_TRUE(options.registry.add("kitchen", "tcp://127.0.0.1:1").is_ok());
  options.max_message_bytes = 1024;
  auto transport = make_zmq_transport(std::move(options));
  ASSERT_TRUE(transport.is_ok());
  Envelope big = sample_command();
  big.body.assign(2048, 'x');
  const Status oversized = transport.value()->send("kitchen", big);
  EXPECT_EQ(oversized.code(), StatusCode::kInvalidArgument);
  // The size is the whole message (tag, header, body); the limit is the option's value.
  const std::size_t total =
      kProtocolTag.size() + encode_header(big).value().size() + big.body.size();
  EXPECT_EQ(oversized.message(), "zmq transport: command of " + std::to_string(total) +
                                     " bytes exceeds max_message_bytes (1024 bytes)");
  EXPECT_EQ(transport.value()->send("kitchen", sample_reply(sample_command())).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(transport.value()->stats().send_failures, 2u);
}

TEST(ZmqTransportTest, FullQueueIsAnErrorNotABlock) {
  ZmqTransportOptions options;
  TempDir dir;  // nobody ever listens here
  ASSERT_TRUE(options.registry.add("kitchen", "ipc://" + (dir.path() / "none").string()).is_ok());
  options.send_hwm = 4;
  auto transport = make_zmq_transport(std::move(options));
  ASSERT_TRUE(transport.is_ok());
  Status last;
  int accepted = 0;
  for (int i = 0; i < 1000 && last.is_ok(); ++i) {
    last = transport.value()->send("kitchen", sample_command("m" + std::to_string(i)));
    if (last.is_ok()) ++accepted;
  }
  EXPECT_EQ(last.code(), StatusCode::kUnavailable) << last.to_string();
  EXPECT_GE(accepted, 4);
  EXPECT_EQ(transport.value()->stats().send_failures, 1u);
  // The destructor returns although queued commands can never be delivered (linger).
}

TEST(ZmqTransportTest, BadOptionsAreRefused) {
  ZmqTransportOptions zero;
  zero.max_message_bytes = 0;
  EXPECT_EQ(make_zmq_transport(zero).status().code(), StatusCode::kInvalidArgument);
  ZmqTransportOptions linger;
  linger.linger = Millis{-1};
  EXPECT_EQ(make_zmq_transport(linger).status().code(), StatusCode::kInvalidArgument);
  ZmqTransportOptions curve;
  curve.curve = CurveClientKeys{"short", "short", "short"};
  EXPECT_EQ(make_zmq_transport(curve).status().code(), StatusCode::kInvalidArgument);
  ZmqTransportOptions endpoint;
  ASSERT_TRUE(endpoint.registry.add("kitchen", "tcp://127.0.0.1").is_ok());  // no port
  Status s = make_zmq_transport(endpoint).status();
  EXPECT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("kitchen"), std::string::npos) << s.to_string();
}

// --- CURVE ----------------------------------------------------------------------------------

TEST(ZmqTransportTest, CurveClientWithTheServerKeyTalksToACurveServer) {
  Result<CurveKeyPair> server = generate_curve_keypair();
  Result<CurveKeyPair> client = generate_curve_keypair();
  if (server.status().code() == StatusCode::kUnavailable) GTEST_SKIP() << "libzmq lacks CURVE";
  ASSERT_TRUE(server.is_ok() && client.is_ok());
  EXPECT_EQ(server->public_key.size(), 40u);

  FakeParticipant kitchen("tcp://127.0.0.1:*", FakeParticipant::CurveServer{server->secret_key});
  auto transport =
      make_transport("kitchen", kitchen.endpoint(),
                     CurveClientKeys{client->public_key, client->secret_key, server->public_key});
  ASSERT_NE(transport, nullptr);

  const Envelope command = sample_command();
  ASSERT_TRUE(transport->send("kitchen", command).is_ok());
  std::vector<std::string> frames = kitchen.receive_frames();
  EXPECT_EQ(expect_command_frames(frames), command);
  ASSERT_EQ(frames.size(), 4u);
  kitchen.send_reply(frames[0], sample_reply(command));
  std::vector<Envelope> out = poll_one(*transport);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].correlation_id, command.message_id);
}

TEST(ZmqTransportTest, CurveClientWithAWrongServerKeyDeliversNothing) {
  Result<CurveKeyPair> server = generate_curve_keypair();
  Result<CurveKeyPair> impostor = generate_curve_keypair();
  Result<CurveKeyPair> client = generate_curve_keypair();
  if (server.status().code() == StatusCode::kUnavailable) GTEST_SKIP() << "libzmq lacks CURVE";
  ASSERT_TRUE(server.is_ok() && impostor.is_ok() && client.is_ok());

  FakeParticipant kitchen("tcp://127.0.0.1:*", FakeParticipant::CurveServer{server->secret_key});
  kitchen.set_receive_timeout_ms(500);  // only a wrong pass can come of a short wait here
  auto transport =
      make_transport("kitchen", kitchen.endpoint(),
                     CurveClientKeys{client->public_key, client->secret_key, impostor->public_key});
  ASSERT_NE(transport, nullptr);
  ASSERT_TRUE(transport->send("kitchen", sample_command()).is_ok());
  EXPECT_TRUE(kitchen.receive_frames().empty());
}

// --- Participant registry -------------------------------------------------------------------

class ParticipantRegistryTest : public ::testing::Test {
 protected:
  std::string write(const std::string& text) {
    const std::string path = (dir_.path() / "participants.conf").string();
    std::ofstream(path) << text;
    return path;
  }
  TempDir dir_;
};

TEST_F(ParticipantRegistryTest, GoodFileWithCommentsAndBlankLinesLoads) {
  const std::string path = write(
      "# Create Order participants\n"
      "\n"
      "kitchen    = tcp://127.0.0.1:7001   # the kitchen service\n"
      "  accounting=ipc:///run/saga/accounting.sock\n"
      "consumer-v2 = tcp://consumer.internal:7003\r\n");
  Result<ParticipantRegistry> registry = load_participant_registry(path);
  ASSERT_TRUE(registry.is_ok()) << registry.status().to_string();
  EXPECT_EQ(registry->size(), 3u);
  EXPECT_EQ(registry->find("kitchen"), "tcp://127.0.0.1:7001");
  EXPECT_EQ(registry->find("accounting"), "ipc:///run/saga/accounting.sock");
  EXPECT_EQ(registry->find("consumer-v2"), "tcp://consumer.internal:7003");
  EXPECT_EQ(registry->find("order"), std::nullopt);
}

TEST_F(ParticipantRegistryTest, DuplicateNameNamesBothLines) {
  Result<ParticipantRegistry> r =
      load_participant_registry(write("kitchen = tcp://a:1\n# c\nkitchen = tcp://b:2\n"));
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(r.status().message().find("participants.conf:3:"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("line 1"), std::string::npos) << r.status().message();
}

TEST_F(ParticipantRegistryTest, LineWithoutEqualsIsRejectedWithItsNumber) {
  Result<ParticipantRegistry> r =
      load_participant_registry(write("kitchen = tcp://a:1\n\nkitchen tcp://b:2\n"));
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find(":3:"), std::string::npos) << r.status().message();
}

TEST_F(ParticipantRegistryTest, OtherBadSyntaxIsRejectedWithItsLineNumber) {
  for (const char* line : {"= tcp://a:1", "kit chen = tcp://a:1", "kitchen = tcp://a:1 = x",
                           "kitchen =", "kitchen = tcp://"}) {
    Result<ParticipantRegistry> r = parse_participant_registry(std::string("# x\n") + line, "f");
    ASSERT_FALSE(r.is_ok()) << line;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << line;
    EXPECT_EQ(r.status().message().rfind("f:2:", 0), 0u) << r.status().message();
  }
}

TEST_F(ParticipantRegistryTest, BadSchemeIsRejectedWithItsLineNumber) {
  Result<ParticipantRegistry> r =
      load_participant_registry(write("kitchen = tcp://a:1\nbilling = http://b:2\n"));
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find(":2:"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("tcp:// or ipc://"), std::string::npos);
}

TEST_F(ParticipantRegistryTest, MissingFileIsNotFound) {
  EXPECT_EQ(load_participant_registry((dir_.path() / "absent").string()).status().code(),
            StatusCode::kNotFound);
}

TEST_F(ParticipantRegistryTest, AddInCodeRefusesDuplicatesAndLeavesTheRegistryUnchanged) {
  ParticipantRegistry registry;
  ASSERT_TRUE(registry.add("kitchen", "tcp://a:1").is_ok());
  EXPECT_EQ(registry.add("kitchen", "tcp://b:2").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(registry.add("billing", "udp://b:2").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.size(), 1u);
  EXPECT_EQ(registry.find("kitchen"), "tcp://a:1");
}

}  // namespace
}  // namespace saga
