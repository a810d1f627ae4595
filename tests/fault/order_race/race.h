// The order race driver (private to order_race_simulation.cpp and order_race_checks.cpp): a
// SimWorld (saga/testing/sim_world.h: the network, the crashes and the event loop) with the
// example's three definitions, the services' models, the scenario of each order and the
// restaurant's staff. See order_race_simulation.h.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ftgo/create_order_saga.h"
#include "ftgo_services_model.h"
#include "order_race_simulation.h"
#include "saga/definition.h"
#include "saga/testing/sim_world.h"

namespace SQLite {
class Database;
}

namespace order_race {

enum class Kind { kCreate, kCancel, kRevise };

// One saga the scenario asks for, and what the driver learns about it.
struct SagaRecord {
  std::string id;
  Kind kind = Kind::kCreate;
  std::int64_t order_id = 0;
  std::vector<ftgo::LineItem> items;  // Create: the order's; Revise: the revision's
  std::string data;                   // encoded when first requested
  bool started = false;
  // At the first start attempt: the saga's lock mode and whether another saga held its key.
  bool has_lock = false;
  saga::LockMode mode = saga::LockMode::kWait;
  bool key_held_by_other = false;
};

// A command the engine sent, when.
struct Send {
  saga::Millis at{0};
  std::string step;
  bool compensation = false;
};

enum class KitchenAct { kAccept, kPrepare };

class Race final : public saga::testing::SimWorld {
 public:
  Race(const OrderRaceConfig& config, std::uint64_t seed);
  ~Race() override;

  OrderRaceResult run();

 private:
  // SimWorld.
  bool prepare() override;
  saga::Envelope handle(const std::string& participant, const saga::Envelope& command) override;
  bool start(const std::string& id) override;
  void check() override;
  void on_send(const saga::Envelope& command) override;
  saga::Millis next_event(saga::Millis next) const override;
  void on_turn() override;  // the restaurant's staff

  std::string at(saga::Millis t) const { return std::to_string((t - t0()).count()) + " ms"; }
  bool load_definitions();
  void plan();
  std::vector<ftgo::LineItem> random_items(bool allow_big);
  void note_lock_state(SagaRecord& record, const saga::SagaDefinition& definition);
  bool start_in_transaction(SagaRecord& record, const saga::SagaDefinition& definition);
  void check_orders_while_down();
  bool starts_pending();
  void check_order(std::int64_t order_id, const std::vector<const SagaRecord*>& sagas);
  const saga::SagaDefinition& definition(Kind kind) const {
    return *definitions_[static_cast<std::size_t>(kind)];
  }

  const OrderRaceConfig& config_;
  OrderRaceResult result_;
  OrderRaceStats& stats_ = result_.stats;
  ftgo_model::FtgoServices services_;
  std::vector<std::shared_ptr<const saga::SagaDefinition>> definitions_;  // by Kind
  std::uint64_t seq_ = 0;                    // orders the kitchen's acts due at the same time
  std::map<std::string, SagaRecord> sagas_;  // by saga id
  std::map<std::pair<saga::Millis, std::uint64_t>, std::pair<std::int64_t, KitchenAct>> kitchen_;
  std::map<std::string, std::vector<Send>> sends_;  // by saga id
  // The Order service's own connection to the file (the engine's tables are in it): each
  // order change and its saga's start commit in one transaction (start_saga_in_transaction).
  std::unique_ptr<SQLite::Database> orders_db_;
};

}  // namespace order_race
