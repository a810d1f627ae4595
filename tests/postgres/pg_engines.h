// Engines in the test's process on one PostgreSQL database, with the transfer saga's
// participants (examples/scale_out/transfer_saga.h) serving on ipc sockets in a folder. For the
// tests that run several instances without separate processes.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pg_cluster.h"
#include "saga/engine.h"
#include "saga/zmq_transport.h"
#include "serving.h"
#include "transfer_saga.h"

namespace saga::pg_test {

using transfer::Serving;

// The bank and shipping participants in `dir` (bank.sock, bank.db, shipping.sock, ship.db).
struct TransferParticipants {
  explicit TransferParticipants(const std::string& dir, Millis ship_delay = Millis{0})
      : bank(transfer::open_bank("ipc://" + dir + "/bank.sock", dir + "/bank.db")),
        shipping(transfer::open_shipping("ipc://" + dir + "/shipping.sock", dir + "/ship.db",
                                         ship_delay)) {
    EXPECT_TRUE(bank.status().is_ok()) << bank.status().to_string();
    EXPECT_TRUE(shipping.status().is_ok()) << shipping.status().to_string();
  }
  Serving bank;
  Serving shipping;
};

// A fresh database of the binary's throwaway cluster, named after the running test.
inline Result<std::string> database_for_this_test() {
  return test::PgCluster::shared().create_database(
      ::testing::UnitTest::GetInstance()->current_test_info()->name());
}

// An engine instance `name` on `url`, sending to the participants in `dir`, with `definitions`
// registered and started (`tweak` changes the options first); null (and a test failure) when it
// cannot open.
inline std::unique_ptr<Engine> open_engine(
    const std::string& url, const std::string& dir, const std::string& name,
    const std::vector<std::shared_ptr<const SagaDefinition>>& definitions,
    const std::function<void(EngineOptions&)>& tweak = {}) {
  ParticipantRegistry registry;
  EXPECT_TRUE(registry.add("bank", "ipc://" + dir + "/bank.sock"));
  EXPECT_TRUE(registry.add("shipping", "ipc://" + dir + "/shipping.sock"));
  ZmqTransportOptions t;
  t.registry = std::move(registry);
  auto transport = make_zmq_transport(std::move(t));
  EXPECT_TRUE(transport.is_ok());
  EngineOptions o;
  o.database_path = url;
  o.transport = std::move(transport).value();
  o.instance_name = name;
  o.lease = Millis{5'000};
  // SAGA_TEST_LOG=1: the engines' log lines on stderr (to debug a failure).
  if (std::getenv("SAGA_TEST_LOG") == nullptr) o.log = [](LogLevel, std::string_view) {};
  if (std::getenv("SAGA_TEST_LOG") != nullptr) o.log_level = LogLevel::kDebug;
  if (tweak) tweak(o);
  auto engine = Engine::open(std::move(o));
  EXPECT_TRUE(engine.is_ok()) << engine.status().to_string();
  if (!engine) return nullptr;
  for (const auto& d : definitions) EXPECT_EQ((*engine)->register_definition(d), Status::ok());
  EXPECT_EQ((*engine)->start(), Status::ok());
  return std::move(engine).value();
}

}  // namespace saga::pg_test
