// Goal: create_order_demo's command line: an unknown flag (or a missing value, or a number that
// does not parse) prints the usage and exits with 2; --accept-within-ms runs the saga-control
// scenarios (the Kitchen's TicketAccepted event over the wire, cancels of a running Create
// Order) in threads and in processes; --curve and --curve-keys DIR run the demo
// with every connection encrypted and authenticated, in threads and in processes; a service
// started with --curve-keys answers only the orchestrator's key.
// Method: the demo binary run as a real process (CREATE_ORDER_DEMO_PATH) with its output in
// files; a Kitchen service process started like the demo starts it, and raw DEALER clients
// with and without the keys read from the keys directory.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "curve_keys.h"
#include "ftgo/messages.h"
#include "integration/participant_test_support.h"
#include "saga/testing/temp_dir.h"
#include "service_host.h"

namespace ftgo {
namespace {

struct DemoRun {
  int code = -1;
  std::string out;
  std::string err;
};

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

class CreateOrderDemoTest : public ::testing::Test {
 protected:
  DemoRun demo(const std::vector<std::string>& args) {
    const std::string out = dir_.file("out");
    const std::string err = dir_.file("err");
    std::string command = CREATE_ORDER_DEMO_PATH;
    for (const std::string& a : args) command += " '" + a + "'";
    command += " >'" + out + "' 2>'" + err + "'";
    const int status = std::system(command.c_str());
    return DemoRun{WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
  }

  saga::testing::TempDir dir_;
};

TEST_F(CreateOrderDemoTest, ABadCommandLinePrintsTheUsageAndExitsWithTwo) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--bogus", "1"}, "unknown flag --bogus"},
      {{"--orders", "10", "--procesess"}, "unknown flag --procesess"},
      {{"--orders"}, "--orders needs a value"},
      {{"--fail", "nonsense"}, "invalid_argument: --fail: expected CMD:N, got 'nonsense'"},
      {{"--orders", "ten"}, "--orders needs a number, not 'ten'"},
      {{"stray"}, "unexpected argument 'stray'"},
      {{"--service", "pantry", "--bind", "tcp://127.0.0.1:0", "--db", "x.db"},
       "unknown service 'pantry'"},
  };
  for (const auto& [args, problem] : cases) {
    DemoRun r = demo(args);
    EXPECT_EQ(r.code, 2) << problem;
    EXPECT_NE(r.err.find("create_order_demo: " + problem + "\n"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("usage: create_order_demo"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "") << problem;  // nothing ran
  }
  DemoRun help = demo({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.err.find("--curve-keys DIR"), std::string::npos);
}

TEST_F(CreateOrderDemoTest, CurveGeneratesKeysInTheDataDirAndEverySagaEnds) {
  const std::string data = dir_.file("data");
  DemoRun r = demo({"--curve", "--orders", "12", "--data-dir", data});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("CURVE: on, every connection encrypted and authenticated (keys in " + data +
                       "/curve)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("12 of 12 sagas ended as expected"), std::string::npos) << r.out;
  for (const char* file : {"participants.secret", "orchestrator.secret"}) {
    struct stat st {};
    ASSERT_EQ(::stat((data + "/curve/" + file).c_str(), &st), 0) << file;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << file;
  }
  DemoRun plain = demo({"--orders", "3"});
  EXPECT_EQ(plain.code, 0);
  EXPECT_NE(plain.out.find("CURVE: off"), std::string::npos) << plain.out;
}

TEST_F(CreateOrderDemoTest, CurveKeysFromADirectoryAcrossProcesses) {
  const std::string keys = dir_.file("keys");
  auto made = load_or_create_curve_keys(keys);  // the operator's keys, made beforehand
  ASSERT_TRUE(made) << made.status().to_string();
  DemoRun r = demo(
      {"--processes", "--curve-keys", keys, "--orders", "12", "--data-dir", dir_.file("data")});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("(keys in " + keys + ")"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("12 of 12 sagas ended as expected"), std::string::npos) << r.out;
  // The same keys were used: the files are unchanged.
  auto again = load_or_create_curve_keys(keys);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->orchestrator.secret_key, made->orchestrator.secret_key);

  std::ofstream(keys + "/orchestrator.secret") << "not a key\n";
  DemoRun bad = demo({"--curve-keys", keys});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find(keys + "/orchestrator.secret does not hold a 40-character Z85"),
            std::string::npos)
      << bad.err;
}

TEST_F(CreateOrderDemoTest, AServiceWithCurveKeysAnswersOnlyTheOrchestratorsKey) {
  const std::string keys = dir_.file("keys");
  auto curve = load_or_create_curve_keys(keys);
  ASSERT_TRUE(curve) << curve.status().to_string();
  auto kitchen = spawn_service(CREATE_ORDER_DEMO_PATH,
                               {"--service", "kitchen", "--bind", "tcp://127.0.0.1:0", "--db",
                                dir_.file("kitchen.db"), "--curve-keys", keys});
  ASSERT_TRUE(kitchen) << kitchen.status().to_string();
  const auto create = [](const std::string& id) {
    return saga::test::typed_command(CreateTicket{1, 41, {{"vindaloo", 2}}}, id,
                                     saga::ContentType::kCerealBinary, "order-41", "create_ticket");
  };
  {
    saga::test::Client plain(kitchen->endpoint);  // no CURVE: no handshake, no reply
    plain.send(create("m-plain"));
    EXPECT_FALSE(plain.receive(std::chrono::milliseconds(500)).has_value());
  }
  {
    saga::CurveKeyPair stranger = saga::generate_curve_keypair().value();
    const saga::CurveClientKeys keys_of_stranger{stranger.public_key, stranger.secret_key,
                                                 curve->participants.public_key};
    saga::test::Client other(kitchen->endpoint, &keys_of_stranger);  // a key not allowed
    other.send(create("m-stranger"));
    EXPECT_FALSE(other.receive(std::chrono::milliseconds(500)).has_value());
  }
  const saga::CurveClientKeys orchestrator = curve->client();
  saga::test::Client allowed(kitchen->endpoint, &orchestrator);
  std::optional<saga::Envelope> reply = allowed.call(create("m-allowed"));
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->correlation_id, "m-allowed");
  EXPECT_EQ(reply->outcome, saga::Outcome::kSuccess) << reply->reason;
  stop_child(kitchen.value(), SIGTERM);
}

// The summary line of `scenario` ends with OK.
bool scenario_ok(const std::string& out, const std::string& scenario) {
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.find(" " + scenario + " ") != std::string::npos && line.ends_with(" OK")) return true;
  }
  return false;
}

void expect_control_scenarios(const DemoRun& r) {
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("=== Summary: saga control ==="), std::string::npos) << r.out;
  for (const char* name :
       {"accepted in time", "never accepted", "accepted too late", "accepted twice",
        "cancelled while waiting", "cancelled after the pivot", "scheduled order"}) {
    EXPECT_TRUE(scenario_ok(r.out, name)) << name << "\n" << r.out;
  }
  // The lost answer's resend was a duplicate; the late event and the one after the cancel
  // were refused by the engine.
  EXPECT_NE(r.out.find("; duplicate"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("TicketAccepted: REFUSED, answered: not_found"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(event_timeout: TicketAccepted)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(cancelled: order-service)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Invariants across the services' databases"), std::string::npos);
  EXPECT_EQ(r.out.find("VIOLATED"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Right after the order was placed its saga was in phase scheduled."),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("22 of 22 scenarios ended as expected"), std::string::npos) << r.out;
}

TEST_F(CreateOrderDemoTest, SagaControlScenariosEndAsExpectedInThreads) {
  expect_control_scenarios(demo({"--accept-within-ms", "700", "--accept-after-ms", "50"}));
}

TEST_F(CreateOrderDemoTest, SagaControlScenariosEndAsExpectedInProcesses) {
  // The Kitchen process sends TicketAccepted to the orchestrator's events endpoint (ipc).
  expect_control_scenarios(
      demo({"--processes", "--accept-within-ms", "700", "--accept-after-ms", "50"}));
}

TEST_F(CreateOrderDemoTest, AcceptanceEventsRefuseCurveAndABadLimit) {
  DemoRun curve = demo({"--accept-within-ms", "500", "--curve"});
  EXPECT_EQ(curve.code, 2);
  EXPECT_NE(curve.err.find("--accept-within-ms does not go with CURVE yet"), std::string::npos)
      << curve.err;
  DemoRun bad = demo({"--accept-within-ms", "soon"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--accept-within-ms needs a number, not 'soon'"), std::string::npos)
      << bad.err;
}

}  // namespace
}  // namespace ftgo
