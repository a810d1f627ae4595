// The demo program's modes (demo_main.cpp parses the flags).
#pragma once

#include <cstdint>
#include <string>

#include "console_hook.h"
#include "failure_injection.h"
#include "ftgo/create_order_saga.h"

namespace ftgo {

struct DemoOptions {
  bool processes = false;  // services as child processes over tcp (else threads over ipc)
  std::size_t orders = 0;  // 0: the walkthrough scenarios; N: N mixed orders
  std::uint64_t seed = 1;  // of the mix
  std::string data_dir;    // empty: a temp dir, removed at the end
  bool keep = false;       // keep the temp dir
  // An existing data_dir that holds a previous run's databases is resumed (its unfinished
  // sagas driven to their end, nothing placed again) unless `fresh`, which removes them first.
  bool fresh = false;
  bool verbose = false;  // the engine's info lines on stderr (else errors only)
  // --log-level debug|info|warning|error, for the engine and every service process; empty: the
  // engine at error (info with verbose), the participant services at warning (info).
  std::string log_level;
  SagaTiming timing;
  bool parallel = false;  // --parallel: Create Order version 3, with parallel groups
  // --delivery: Create Order version 5 (version 3 with the Delivery child saga,
  // ftgo/delivery_saga.h); implies parallel.
  bool delivery = false;
  FailurePlan failures;  // from the flags, for every service
  std::string program;   // this executable, for --processes
  // The Accounting service in Python (accounting_service.py, run by python3 as a child
  // process over tcp, in both modes) instead of C++.
  bool python_accounting = false;
  // CURVE on every connection (curve_keys.h): keys from curve_keys_dir, generated there when
  // missing; --curve alone uses DATA_DIR/curve. Both empty/false: plain connections.
  bool curve = false;
  std::string curve_keys_dir;
  ConsoleOptions console;  // --console: the admin console beside the engine
  // --store postgresql://...: the orchestrator is `instances` engine processes on that database
  // (scale_out_runner.h), each with this lease; empty: one engine in the Order service's file.
  std::string store;
  std::size_t instances = 1;
  std::int64_t lease_ms = 2'000;
  // --accept-within-ms MS: Create Order version 4, which waits MS for the restaurant's
  // TicketAccepted event (ftgo/ticket_acceptance.h); the Kitchen sends it accept_after
  // (--accept-after-ms) after CreateTicket, and the walkthrough goes on with the saga-control
  // scenarios (control_scenarios.h). 0: off, the example's version 2 saga (the default).
  saga::Millis accept_within{0};
  saga::Millis accept_after{100};
};

// The Python Accounting service's script: FTGO_PYTHON_ACCOUNTING from the environment, else the
// source tree's examples/create_order/accounting_service.py.
std::string python_accounting_script();

// Runs the demo; returns the process exit code (0 when every saga ended as expected and every
// invariant holds).
int run_demo(DemoOptions options);

}  // namespace ftgo
