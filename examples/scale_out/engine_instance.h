// One orchestrator instance of the scale-out example, as its own process: an Engine on a shared
// PostgreSQL database (docs/scale-out.md) with the ZeroMQ transport to the transfer saga's
// participants (transfer_saga.h), placing its share of the orders. Used by scale_out_demo and
// the failover test (tests/postgres/pg_failover_test.cpp).
#pragma once

#include <cstdint>
#include <string>

#include "saga/clock.h"

namespace saga::transfer {

struct EngineInstance {
  int index = 0;                 // named "engine-<index>"
  std::string url;               // the postgresql:// database
  std::string dir;               // bank.sock and shipping.sock (ipc), engine-<index>.log, markers
  Millis lease{3'000};           // EngineOptions::lease
  std::int64_t first_order = 1;  // places orders first_order .. first_order + orders - 1
  std::int64_t orders = 0;       // (saga ids "t-<order>")
  Millis start_interval{0};      // a pause between two starts (a paced load); 0: none
};

// Runs the instance until the process is killed (it dies with its parent too). Writes the
// engine's log to DIR/engine-<index>.log and creates DIR/started-<index> once every one of its
// starts is committed. A start refused by a fault is asked again, as a client would (its own id
// makes it happen once). Exits with 2..5 when it cannot open or start the engine.
[[noreturn]] void run_engine_instance(const EngineInstance& instance);

}  // namespace saga::transfer
