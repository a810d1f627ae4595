// The Create Order demo on PostgreSQL with several orchestrator instances (docs/scale-out.md):
//
//   create_order_demo --store postgresql://... [--instances N] [--orders N] [--seed S]
//                     [--lease-ms MS] [failure flags]
//
// The participant services (Consumer, Kitchen, Accounting, and the Order service's participant
// with the orders table) run as threads of this process over ipc:// sockets, each with its own
// SQLite database in the data directory, as in the default mode. The orchestrator is N engine
// instances, each its own child process ("engine-0" ...), sharing the PostgreSQL database.
// The demo writes every order's row (APPROVAL_PENDING) first; instance k then starts the Create
// Order sagas of every N-th share of the orders (the load balancer's part; each start by its
// saga id "order-<id>", so a repeated start is kAlreadyExists). With N >= 2 the last instance is
// killed with SIGKILL once it has placed its starts and still owns unfinished sagas; the others
// take them over when its lease runs out, resending its commands with the same message ids.
// The output shows progress by owner, the kill and the takeover; then every saga's outcome
// against its scenario and the invariants across the services' databases (domain_state.h).
//
// Not the Order service's atomic start: on PostgreSQL the order row (SQLite) and the saga's
// start are two writes here (the transactional start is SQLite's, saga/transactional_start.h).
// The database must hold no saga of an earlier run; the data directory no earlier run either.
// Exit codes as run_demo (demo_runner.h); also 1 when N >= 2 and no failover was seen.
#pragma once

#include "demo_runner.h"
#include "domain_state.h"

namespace ftgo {

int run_scale_out_demo(const DemoOptions& options, const DataPaths& paths);

}  // namespace ftgo
