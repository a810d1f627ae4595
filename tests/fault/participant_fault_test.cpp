// Goal: frames that are not valid saga/1 never crash a participant nor stop it serving.
// Method: a DEALER sends seeded garbage, truncated, oversized, miscounted frames, then a command.
#include <gtest/gtest.h>

#include <cstdio>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "integration/participant_test_support.h"

namespace saga::test {
namespace {

constexpr std::size_t kMaxBody = 1024;

class ParticipantFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ParticipantOptions options;
    options.max_message_bytes = kMaxBody;
    options.log = [this](LogLevel, std::string_view line) {
      std::lock_guard lock(log_mutex_);
      log_.emplace_back(line);
    };
    participant_ = open_participant("tcp://127.0.0.1:*", dir_.file("fault.db"), options);
    ASSERT_NE(participant_, nullptr);
    install_kitchen(*participant_, runs_);
    running_ = std::make_unique<Running>(*participant_);
  }
  void TearDown() override { running_.reset(); }

  // A valid command on `client` is still answered; being ordered on the connection after
  // whatever was sent before, its answer also means all of that was processed.
  void expect_still_serving(Client& client) {
    const std::string id = "valid-" + std::to_string(++valid_);
    auto reply = client.call(
        typed_command(OpenTicket{1, "ok"}, id, ContentType::kCerealBinary, "saga-" + id));
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->outcome, Outcome::kSuccess);
  }

  std::string valid_header(const std::string& id = "m-1") {
    return encode_header(command("OpenTicket", id)).value();
  }

  bool logged(const std::string& text) {
    std::lock_guard lock(log_mutex_);
    for (const std::string& line : log_) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }

  TempDir dir_;
  std::mutex log_mutex_;
  std::vector<std::string> log_;  // what the participant logged (its run thread)
  HandlerRuns runs_;
  std::unique_ptr<Participant> participant_;
  std::unique_ptr<Running> running_;
  int valid_ = 0;
};

std::string random_bytes(std::mt19937& rng, std::size_t n) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(byte(rng));
  return s;
}

TEST_F(ParticipantFaultTest, WrongFrameCountsAreDroppedAndCounted) {
  Client client(participant_->endpoint());
  const std::string tag(kProtocolTag);
  client.send_frames({tag});
  client.send_frames({tag, valid_header()});
  client.send_frames({tag, valid_header(), "", ""});
  client.send_frames({"", tag, valid_header(), ""});  // a REQ-style empty delimiter
  client.send_frames({tag, valid_header(), "", "", "", "", "", "", "", ""});
  expect_still_serving(client);
  EXPECT_EQ(participant_->stats().malformed_dropped, 5u);
  EXPECT_EQ(runs_.create.load(), 1);
}

TEST_F(ParticipantFaultTest, BadTagsAndHeadersAreDropped) {
  Client client(participant_->endpoint());
  const std::string tag(kProtocolTag);
  const std::vector<std::vector<std::string>> bad = {
      {"saga/2", valid_header(), ""},
      {"", valid_header(), ""},
      {tag, "", ""},
      {tag, "[]", ""},
      {tag, "{", ""},
      {tag, R"({"kind":"command"})", ""},
      {tag, R"({"kind":"nonsense","message_id":"a","saga_id":"s","name":"n"})", ""},
      {tag, std::string("{\"kind\":\"command\",\"message_id\":\"\xff\"}"), ""},
      {tag, valid_header().substr(0, 10), ""},
  };
  for (const auto& frames : bad) client.send_frames(frames);
  expect_still_serving(client);
  EXPECT_EQ(participant_->stats().malformed_dropped, bad.size());
}

TEST_F(ParticipantFaultTest, TruncatedHeadersNeverCrash) {
  Client client(participant_->endpoint());
  const std::string header = valid_header("m-trunc");
  for (std::size_t n = 0; n < header.size(); ++n) {
    client.send_frames({std::string(kProtocolTag), header.substr(0, n), ""});
  }
  expect_still_serving(client);
  EXPECT_EQ(participant_->stats().malformed_dropped, header.size());
  EXPECT_EQ(runs_.create.load(), 1);
}

TEST_F(ParticipantFaultTest, OversizedBodiesAreDroppedAndCounted) {
  Client client(participant_->endpoint());
  Envelope big = typed_command(OpenTicket{1, std::string(kMaxBody + 100, 'x')}, "m-big",
                               ContentType::kCerealBinary);
  client.send(big);
  expect_still_serving(client);
  EXPECT_EQ(participant_->stats().oversized_dropped, 1u);
  EXPECT_EQ(runs_.create.load(), 1);
  EXPECT_TRUE(logged("dropped an oversized message: body of " + std::to_string(big.body.size()) +
                     " bytes exceeds the limit of " + std::to_string(kMaxBody) +
                     " bytes (max_message_bytes)"));

  // Over the socket's own frame limit: libzmq drops the connection; a new one is served.
  Client huge_sender(participant_->endpoint());
  huge_sender.send_frames(
      {std::string(kProtocolTag), valid_header("m-huge"), std::string(200 * 1024, 'y')});
  EXPECT_FALSE(huge_sender.receive(std::chrono::milliseconds(300)).has_value());
  Client fresh(participant_->endpoint());
  expect_still_serving(fresh);
  EXPECT_EQ(runs_.create.load(), 2);

  // A header over 64 KiB (the body small; the frame under the socket's own limit of
  // max_message_bytes + 64 KiB): the header's size and limit are named.
  fresh.send_frames({std::string(kProtocolTag), std::string(66'000, ' '), ""});
  expect_still_serving(fresh);
  EXPECT_EQ(participant_->stats().oversized_dropped, 2u);
  EXPECT_EQ(runs_.create.load(), 3);
  EXPECT_TRUE(logged("dropped an oversized message: header of " + std::to_string(66'000) +
                     " bytes exceeds the limit of 65536 bytes"));
}

TEST_F(ParticipantFaultTest, RandomGarbageNeverCrashes) {
  const unsigned seed = static_cast<unsigned>(::testing::UnitTest::GetInstance()->random_seed());
  std::printf("seed %u (rerun with --gtest_random_seed=%u)\n", seed, seed);
  std::mt19937 rng(seed);
  Client client(participant_->endpoint());
  const std::string tag(kProtocolTag);
  const std::string header = valid_header("m-garbage");
  std::uniform_int_distribution<int> kind(0, 5);
  std::uniform_int_distribution<std::size_t> frames_count(1, 6);
  std::uniform_int_distribution<std::size_t> length(0, 300);
  for (int i = 0; i < 500; ++i) {
    std::vector<std::string> frames;
    switch (kind(rng)) {
      case 0:  // random frames
        for (std::size_t f = frames_count(rng); f > 0; --f) {
          frames.push_back(random_bytes(rng, length(rng)));
        }
        break;
      case 1:  // good tag, random header
        frames = {tag, random_bytes(rng, length(rng)), random_bytes(rng, length(rng))};
        break;
      case 2: {  // good header with one byte flipped
        std::string h = header;
        h[std::uniform_int_distribution<std::size_t>(0, h.size() - 1)(rng)] =
            static_cast<char>(rng());
        frames = {tag, h, ""};
        break;
      }
      case 3:  // good header, random body: answered malformed_command (not stored)
        frames = {tag, header, random_bytes(rng, length(rng))};
        break;
      case 4:  // good tag and header, wrong frame count
        frames = {tag, header};
        for (std::size_t f = frames_count(rng); f > 0; --f) frames.push_back("");
        if (frames.size() == 3) frames.push_back("");
        break;
      default:  // JSON-ish header with random values
        frames = {
            tag, "{\"kind\":\"command\",\"message_id\":" + random_bytes(rng, length(rng) % 8) + "}",
            ""};
        break;
    }
    client.send_frames(frames);
  }
  expect_still_serving(client);
  const ParticipantStats stats = participant_->stats();
  EXPECT_GT(stats.malformed_dropped, 0u);
  EXPECT_EQ(stats.store_errors, 0u);
  std::printf("dropped %llu, malformed commands %llu, handled %llu\n",
              static_cast<unsigned long long>(stats.malformed_dropped),
              static_cast<unsigned long long>(stats.malformed_commands),
              static_cast<unsigned long long>(stats.handled));
}

}  // namespace
}  // namespace saga::test
