// The demo's --store mode (scale_out_runner.h).
#include "scale_out_runner.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <thread>
#include <vector>

#include "instance_watch.h"
#include "order_feeder.h"
#include "saga/engine.h"
#include "saga/inspection.h"
#include "saga/zmq_transport.h"
#include "scenario_runner.h"
#include "scenarios.h"
#include "service_host.h"
#include "service_support.h"

namespace ftgo {
namespace {

using Clock = std::chrono::steady_clock;

std::string endpoint(const DataPaths& paths, std::string_view name) {
  return "ipc://" + paths.dir + "/" + std::string(name) + ".sock";
}

// Every order's row, APPROVAL_PENDING, in one transaction of the Order service's file.
saga::Status write_order_rows(const DataPaths& paths, const std::vector<Scenario>& scenarios) {
  try {
    SQLite::Database db(paths.orders_db(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, 5'000);
    db.exec(kOrdersTableSql);
    SQLite::Transaction transaction(db);
    SQLite::Statement insert(db, kInsertOrderSql);
    for (const Scenario& s : scenarios) {
      insert_order_row(insert, order_saga_data(s.order.order_id, s.order));
    }
    transaction.commit();
  } catch (const std::exception& e) {
    return orders_error(e, "insert");
  }
  return saga::Status::ok();
}

struct Instance {
  int index = 0;
  const DemoOptions* demo = nullptr;
  const DataPaths* paths = nullptr;
  std::vector<const Scenario*> share;  // the orders it starts
};

// One orchestrator instance, in a forked child: the engine on PostgreSQL with the ZeroMQ
// transport to the four services; starts its share of the sagas, then runs until killed.
[[noreturn]] void run_instance(const Instance& in) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlives the demo
  const std::string name = "engine-" + std::to_string(in.index);
  std::FILE* log = std::fopen((in.paths->dir + "/" + name + ".log").c_str(), "w");
  if (log == nullptr) _exit(2);
  saga::ZmqTransportOptions t;
  for (const char* service : {"consumer", "kitchen", "accounting", "order"}) {
    if (!t.registry.add(service, endpoint(*in.paths, service))) _exit(2);
  }
  auto transport = saga::make_zmq_transport(std::move(t));
  auto definition = create_order_definition(in.demo->timing);
  if (!transport || !definition) _exit(3);
  saga::EngineOptions o;
  o.database_path = in.demo->store;
  o.transport = std::move(transport).value();
  o.instance_name = name;
  o.lease = saga::Millis{in.demo->lease_ms};
  o.max_poll_wait = saga::Millis{10};
  o.log_level = saga::LogLevel::kInfo;
  o.log = [log](saga::LogLevel, std::string_view line) {
    std::fprintf(log, "%.*s\n", static_cast<int>(line.size()), line.data());
    std::fflush(log);
  };
  auto engine = saga::Engine::open(std::move(o));
  if (!engine) {
    std::fprintf(log, "open: %s\n", engine.status().to_string().c_str());
    _exit(4);
  }
  if (!(*engine)->register_definition(std::move(definition).value()) || !(*engine)->start()) {
    _exit(5);
  }
  for (const Scenario* s : in.share) {
    saga::StartOptions start;
    start.id = saga_id_of_order(s->order.order_id);
    const CreateOrderData data = order_saga_data(s->order.order_id, s->order);
    for (;;) {  // a start refused by a fault is asked again; its id makes it happen once
      auto id = (*engine)->start_saga_with(kCreateOrderSaga, data, start);
      if (id || id.status().code() == saga::StatusCode::kAlreadyExists) break;
      std::fprintf(log, "start %s: %s\n", start.id.c_str(), id.status().to_string().c_str());
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  std::fclose(std::fopen((in.paths->dir + "/started-" + std::to_string(in.index)).c_str(), "w"));
  for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
}

saga::Status start_participants(const DemoOptions& o, const DataPaths& paths,
                                const FailurePlan& plan, ServiceThreads& threads) {
  auto injector = std::make_shared<FailureInjector>(plan);
  for (ServiceKind kind : kParticipantServices) {
    const std::string name(to_string(kind));
    ServiceOptions options{endpoint(paths, name), paths.dir + "/" + name + ".db", injector,
                           saga::Synchronous::kFull};
    // Quiet: replies to the killed instance cannot be sent (its socket is gone).
    options.log_level = parse_log_level(o.log_level).value_or(saga::LogLevel::kError);
    auto service = open_service(kind, options);
    if (!service) return service.status().with_context(name);
    threads.run(std::move(service).value());
  }
  ServiceOptions order{endpoint(paths, "order"), paths.orders_db(), injector,
                       saga::Synchronous::kFull};
  order.log_level = parse_log_level(o.log_level).value_or(saga::LogLevel::kError);
  auto participant = open_order_participant(order);
  if (!participant) return participant.status().with_context("order");
  threads.run(std::move(participant).value());
  return saga::Status::ok();
}

// Each scenario's saga as it is in the database, with its order's state.
saga::Result<std::vector<ScenarioResult>> read_results(const std::string& url,
                                                       const std::vector<Scenario>& scenarios,
                                                       const DomainState& state) {
  auto inspector = saga::Inspector::open(saga::InspectorOptions{url});
  if (!inspector) return inspector.status();
  std::vector<ScenarioResult> results;
  for (const Scenario& s : scenarios) {
    ScenarioResult r;
    r.scenario = s;
    r.saga_id = saga_id_of_order(s.order.order_id);
    auto detail = (*inspector)->saga(r.saga_id);
    if (!detail) return detail.status();
    if (*detail) r.saga = (*detail)->instance;
    r.ended = *detail && saga::is_terminal(r.saga.phase);
    const auto order = state.orders.find(s.order.order_id);
    r.order_state = order == state.orders.end() ? "" : order->second;
    r.ok = r.ended && matches(s, r.saga, r.order_state);
    results.push_back(std::move(r));
  }
  return results;
}

int report(const std::vector<ScenarioResult>& results, const DomainState& state, bool all_ended) {
  std::map<std::string, std::pair<std::size_t, std::size_t>> rows;  // name -> orders, OK
  std::size_t mismatches = 0, running = 0;
  for (const ScenarioResult& r : results) {
    auto& row = rows[r.scenario.name];
    ++row.first;
    row.second += r.ok ? 1 : 0;
    mismatches += r.ok || !r.ended ? 0 : 1;
    running += r.ended ? 0 : 1;
  }
  std::printf("\n=== Summary ===\n  %-18s %7s %7s\n", "scenario", "orders", "OK");
  for (const auto& [name, row] : rows) {
    std::printf("  %-18s %7zu %7zu\n", name.c_str(), row.first, row.second);
  }
  for (const ScenarioResult& r : results) {
    if (!r.ok) {
      std::printf("  %s %s: expected %s, got %s\n", verdict(r.ok, r.ended), r.saga_id.c_str(),
                  expected_text(r.scenario).c_str(), actual_text(r.saga, r.order_state).c_str());
    }
  }
  const std::vector<std::string> violations = check_invariants(state, all_ended);
  std::printf("  Invariants across the services' databases: %s\n",
              violations.empty() ? "all hold" : "VIOLATED");
  for (const std::string& v : violations) std::printf("    %s\n", v.c_str());
  std::printf("  %zu of %zu sagas ended as expected.\n", results.size() - mismatches - running,
              results.size());
  if (mismatches > 0 || !violations.empty()) return 1;
  return running == 0 ? 0 : 3;
}

// Prints progress by owner every second and kills the last instance mid-run (Failover) until
// every saga ended (and the failover was seen), at most `limit`. True when all ended.
bool watch_run(saga::scale_out::SagaWatch& watch, saga::scale_out::Failover* failover,
               std::int64_t orders, std::chrono::seconds limit) {
  const auto begin = Clock::now();
  for (int tick = 0; Clock::now() - begin < limit; ++tick) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const std::int64_t done = watch.ended();
    if (tick % 10 == 0) {
      std::printf("%5.1f s  %lld/%lld ended%s\n",
                  std::chrono::duration<double>(Clock::now() - begin).count(),
                  static_cast<long long>(done), static_cast<long long>(orders),
                  watch.owners_line().c_str());
      std::fflush(stdout);
    }
    if (failover != nullptr) failover->tick(watch);
    // Done, unless the failover is under way (every saga may end before the kill: then none).
    if (done == orders && (failover == nullptr || failover->taken_over() || !failover->killed())) {
      std::printf("%5.1f s  %lld/%lld ended%s\n",
                  std::chrono::duration<double>(Clock::now() - begin).count(),
                  static_cast<long long>(done), static_cast<long long>(orders),
                  watch.owners_line().c_str());
      return true;
    }
  }
  return watch.ended() == orders;
}

}  // namespace

int run_scale_out_demo(const DemoOptions& o, const DataPaths& paths) {
  if (o.processes || o.python_accounting || o.curve || !o.curve_keys_dir.empty() ||
      !o.console.address.empty()) {
    std::fprintf(stderr,
                 "create_order_demo: --store runs the services as threads over ipc: it takes no "
                 "--processes, --accounting python, --curve, --curve-keys or --console\n");
    return 2;
  }
  if (!o.store.starts_with("postgresql://") && !o.store.starts_with("postgres://")) {
    std::fprintf(stderr, "create_order_demo: --store takes a postgresql:// URI\n");
    return 2;
  }
  auto opened = saga::scale_out::SagaWatch::open(o.store);
  if (!opened) {
    std::fprintf(stderr, "create_order_demo: %s\n", opened.status().to_string().c_str());
    return 2;
  }
  saga::scale_out::SagaWatch& watch = **opened;
  if (watch.total() > 0) {
    std::fprintf(stderr,
                 "create_order_demo: %s holds sagas of an earlier run: use an empty "
                 "database\n",
                 o.store.c_str());
    return 2;
  }
  const int instances = static_cast<int>(std::max<std::size_t>(1, o.instances));
  const std::vector<Scenario> scenarios = mixed_scenarios(o.orders == 0 ? 60 : o.orders, o.seed);
  FailurePlan plan = o.failures;
  plan.crash_after = 0;
  add_injections(scenarios, plan);
  // A slow last step keeps sagas in flight long enough for the kill to find some.
  const saga::Millis approve_delay = plan.delay.try_emplace("ApproveOrder", 40).first->second;
  std::printf(
      "FTGO Create Order saga on PostgreSQL: %zu orders, %d orchestrator instance(s) (child\n"
      "processes engine-0..%d) sharing %s, lease %lld ms.\n"
      "  Consumer, Kitchen, Accounting and Order run as threads of this process, with their\n"
      "  SQLite databases in %s. Instance k starts the k-th of %d shares of the orders.\n"
      "  ApproveOrder takes %lld ms (--delay-ms ApproveOrder:MS), so that sagas are in flight.\n",
      scenarios.size(), instances, instances - 1, o.store.c_str(),
      static_cast<long long>(o.lease_ms), paths.dir.c_str(), instances,
      static_cast<long long>(approve_delay.count()));
  if (instances >= 2) {
    std::printf(
        "  engine-%d will be killed with SIGKILL mid-run; the others take its sagas over.\n",
        instances - 1);
  }
  std::printf("\n");
  std::fflush(stdout);
  if (saga::Status s = write_order_rows(paths, scenarios); !s) {
    std::fprintf(stderr, "demo: %s\n", s.to_string().c_str());
    return 2;
  }
  // The instances are forked before this process starts any thread or socket.
  std::vector<pid_t> pids;
  const std::size_t share = (scenarios.size() + instances - 1) / instances;
  for (int k = 0; k < instances; ++k) {
    Instance in{k, &o, &paths, {}};
    for (std::size_t i = k * share; i < std::min(scenarios.size(), (k + 1) * share); ++i) {
      in.share.push_back(&scenarios[i]);
    }
    const pid_t pid = fork();
    if (pid == 0) run_instance(in);
    pids.push_back(pid);
  }
  int code = 2;
  {
    ServiceThreads threads;
    if (saga::Status s = start_participants(o, paths, plan, threads); !s) {
      std::fprintf(stderr, "demo: %s\n", s.to_string().c_str());
    } else {
      std::optional<saga::scale_out::Failover> failover;
      if (instances >= 2) {
        failover.emplace(pids.back(), "engine-" + std::to_string(instances - 1),
                         paths.dir + "/started-" + std::to_string(instances - 1),
                         /*min_ended=*/0);  // as soon as its starts are placed
      }
      const bool all_ended =
          watch_run(watch, failover ? &*failover : nullptr,
                    static_cast<std::int64_t>(scenarios.size()), std::chrono::seconds(120));
      threads.stop();
      auto state = read_domain_state(paths);
      auto results = state ? read_results(o.store, scenarios, *state) : state.status();
      if (!results) {
        std::fprintf(stderr, "demo: %s\n", results.status().to_string().c_str());
      } else {
        code = report(*results, *state, all_ended);
        if (failover && !failover->taken_over()) {
          std::printf("  No failover was seen: %s was not killed while it owned sagas.\n",
                      failover->owner().c_str());
          code = code == 0 ? 1 : code;
        }
      }
    }
  }
  for (pid_t pid : pids) {
    if (kill(pid, SIGKILL) == 0) waitpid(pid, nullptr, 0);
  }
  return code;
}

}  // namespace ftgo
