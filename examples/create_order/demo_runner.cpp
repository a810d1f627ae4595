#include "demo_runner.h"

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <vector>

#include "change_scenarios.h"
#include "control_scenarios.h"
#include "curve_keys.h"
#include "domain_state.h"
#include "order_service.h"
#include "saga/decide.h"
#ifdef SAGA_POSTGRES
#include "scale_out_runner.h"
#endif
#include "scenario_runner.h"
#include "scenarios.h"
#include "service_host.h"
#include "service_support.h"
#include "timeline.h"

namespace ftgo {
namespace {

void print_intro(const DemoOptions& o, const DataPaths& paths) {
  std::printf(
      "FTGO Create Order saga demo (Richardson, Microservices Patterns, ch. 4)\n\n"
      "  The Order service creates each order APPROVAL_PENDING and starts its saga. The saga's\n"
      "  orchestrator (embedded in the Order service) then asks, in turn:\n"
      "    1 Order       (on rollback only) RejectOrder             -> REJECTED\n"
      "    2 Consumer    ValidateOrderByConsumer                    (read-only)\n"
      "    3 Kitchen     CreateTicket -> CREATE_PENDING      undo: CancelCreateTicket\n"
      "    4 Accounting  AuthorizeCard                       the pivot: no way back after it\n"
      "    5 Kitchen     ConfirmCreateTicket -> AWAITING_ACCEPTANCE   retried until done\n"
      "    6 Order       ApproveOrder -> APPROVED                     retried until done\n"
      "  A failure at steps 2-4 undoes the steps before it in reverse order. The saga holds the\n"
      "  engine's semantic lock order:<id> from start to end.\n\n"
      "  Services: %s. Databases in %s\n",
      o.processes ? "four separate processes over tcp://127.0.0.1"
                  : "threads of this process "
                    "over ipc:// sockets",
      paths.dir.c_str());
  if (o.delivery) {
    std::printf(
        "  --delivery: Create Order version 5. Steps 2 and 3 run together, then a child step\n"
        "  'deliver' starts the Delivery saga <order saga>/deliver (Kitchen: ScheduleDelivery,\n"
        "  undo CancelDelivery; then AssignCourier) and waits for it; then steps 4-6.\n");
  }
  if (o.curve_keys_dir.empty()) {
    std::printf("  CURVE: off (plain connections; --curve to encrypt them)\n\n");
  } else {
    std::printf("  CURVE: on, every connection encrypted and authenticated (keys in %s)\n\n",
                o.curve_keys_dir.c_str());
  }
}

void print_progress(std::size_t done, std::size_t total) {
  constexpr int kWidth = 40;
  const int filled = static_cast<int>(kWidth * done / (total == 0 ? 1 : total));
  std::printf("\r  [%s%s] %zu/%zu", std::string(static_cast<std::size_t>(filled), '#').c_str(),
              std::string(static_cast<std::size_t>(kWidth - filled), ' ').c_str(), done, total);
  if (done == total) std::printf("\n");
  std::fflush(stdout);
}

void print_walkthrough(OrderService& service, const std::vector<ScenarioResult>& results,
                       const DomainState& state) {
  for (const ScenarioResult& r : results) {
    std::printf("=== Order %lld: %s ===\n  %s\n  Expected: %s\n\n",
                static_cast<long long>(r.scenario.order.order_id), r.scenario.name.c_str(),
                r.scenario.explanation.c_str(), expected_text(r.scenario).c_str());
    auto history = service.engine().history(r.saga_id);
    // Create Order version 5: its child, the Delivery saga, interleaved with it.
    const std::string child_id = saga::child_saga_id(r.saga_id, "deliver");
    auto child = service.engine().history(child_id);
    const saga::SagaDefinition* delivery = service.definition_of("delivery");
    if (history && delivery != nullptr && child && !child.value().empty()) {
      std::printf("  Saga %s and its child saga %s, interleaved:\n", r.saga_id.c_str(),
                  child_id.c_str());
      print_timelines(std::cout, {{r.saga_id, &service.definition(), history.value()},
                                  {child_id, delivery, child.value()}});
    } else if (history) {
      std::printf("  Saga %s timeline:\n", r.saga_id.c_str());
      print_timeline(std::cout, service.definition(), r.saga, history.value());
    }
    std::printf("\n  Final state in each service:\n");
    print_order_state(std::cout, state, r.scenario.order.order_id);
    std::printf("\n");
  }
}

// `text` wrapped at about 96 columns, each line indented by two spaces.
std::string wrapped(const std::string& text) {
  std::string out = "  ";
  std::size_t column = 2;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(start, end - start);
    if (column > 2 && column + 1 + word.size() > 96) {
      out += "\n  ";
      column = 2;
    } else if (column > 2) {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
    start = end + 1;
  }
  return out;
}

void print_change_intro() {
  std::printf(
      "=== Cancel Order and Revise Order: sagas that change an approved order ===\n\n"
      "  Cancel Order: 1 Order BeginCancelOrder APPROVED -> CANCEL_PENDING (undo: -> APPROVED)\n"
      "                2 Kitchen BeginCancelTicket -> CANCEL_PENDING, refused once PREPARING\n"
      "                3 Accounting ReverseAuthorization (the pivot)\n"
      "                4 Kitchen ConfirmCancelTicket -> CANCELLED, 5 Order ConfirmCancelOrder -> "
      "CANCELLED\n"
      "  Revise Order: 1 Order BeginReviseOrder APPROVED -> REVISION_PENDING (undo: -> APPROVED)\n"
      "                2 Kitchen BeginReviseTicket -> REVISION_PENDING (undo: state before)\n"
      "                3 Accounting ReviseAuthorization of the new total (the pivot)\n"
      "                4 Kitchen ConfirmReviseTicket, 5 Order ConfirmReviseOrder (rereads the "
      "version)\n"
      "  Semantic locks. Create, Cancel and Revise Order each hold the engine lock order:<id>\n"
      "  from start to end: Create and Cancel wait for it; Revise waits when 100.00 or more is\n"
      "  at stake and otherwise fails fast (lock_held) -- by value. In the services, the order's\n"
      "  and the ticket's *_PENDING states lock them too (a saga reaching a locked order is\n"
      "  refused: order_locked).\n\n");
}

void print_change_walkthrough(OrderService& service, const std::vector<ChangeResult>& results,
                              const DomainState& state) {
  print_change_intro();
  for (const ChangeResult& r : results) {
    const ChangeScenario& s = r.scenario;
    std::printf("=== Order %lld: %s ===\n%s\n  Expected: %s\n\n",
                static_cast<long long>(s.order.order_id), s.name.c_str(),
                wrapped(s.explanation).c_str(), expected_text(s).c_str());
    std::vector<TimelineSaga> sagas;
    // Create Order's own timeline is the happy path shown above; it is interleaved here only
    // when it overlapped the change.
    std::vector<std::pair<std::string, const saga::SagaDefinition*>> ids;
    if (s.during_create) ids.emplace_back(r.create_saga_id, service.definition_of("create_order"));
    ids.emplace_back(r.change_saga_id, service.definition_of(r.change_saga.type));
    for (const auto& [id, definition] : ids) {
      auto history = service.engine().history(id);
      if (history && definition != nullptr) sagas.push_back({id, definition, history.value()});
    }
    if (!s.during_create) {
      std::printf("  %s: create_order %s%s.\n", r.create_saga_id.c_str(),
                  std::string(to_string(r.create_saga.phase)).c_str(),
                  s.prepare_first ? "; then the restaurant started PREPARING the food" : "");
    }
    std::printf("  Timeline%s:\n", s.during_create ? " of both sagas, interleaved" : "");
    print_timelines(std::cout, sagas);
    std::printf("\n  Final state in each service:\n");
    print_order_state(std::cout, state, s.order.order_id);
    std::printf("\n");
  }
}

void print_change_summary(const std::vector<ChangeResult>& results) {
  std::printf("\n=== Summary: Cancel Order and Revise Order ===\n");
  std::printf("  %-6s %-24s %-12s %-48s %-48s %s\n", "order", "scenario", "saga", "expected",
              "actual", "result");
  for (const ChangeResult& r : results) {
    std::printf("  %-6lld %-24s %-12s %-48s %-48s %s\n",
                static_cast<long long>(r.scenario.order.order_id), r.scenario.name.c_str(),
                r.change_saga_id.c_str(), expected_text(r.scenario).c_str(), actual_text(r).c_str(),
                verdict(r.ok, r.ended));
  }
}

void print_summary_table(const std::vector<ScenarioResult>& results) {
  std::printf("=== Summary ===\n");
  std::printf("  %-6s %-18s %-30s %-30s %s\n", "order", "scenario", "expected", "actual", "result");
  for (const ScenarioResult& r : results) {
    std::printf("  %-6lld %-18s %-30s %-30s %s\n",
                static_cast<long long>(r.scenario.order.order_id), r.scenario.name.c_str(),
                expected_text(r.scenario).c_str(), actual_text(r.saga, r.order_state).c_str(),
                verdict(r.ok, r.ended));
  }
}

void print_mix_summary(const std::vector<ScenarioResult>& results) {
  struct Row {
    std::size_t count = 0, ok = 0;
    std::string expected;
  };
  std::map<std::string, Row> rows;
  for (const ScenarioResult& r : results) {
    Row& row = rows[r.scenario.name];
    ++row.count;
    row.ok += r.ok ? 1 : 0;
    row.expected = expected_text(r.scenario);
  }
  std::printf("=== Summary ===\n  %-18s %-30s %7s %7s %9s\n", "scenario", "expected", "orders",
              "OK", "MISMATCH");
  for (const auto& [name, row] : rows) {
    std::printf("  %-18s %-30s %7zu %7zu %9zu\n", name.c_str(), row.expected.c_str(), row.count,
                row.ok, row.count - row.ok);
  }
  for (const ScenarioResult& r : results) {
    if (!r.ok) {
      std::printf("  %s %s: expected %s, got %s\n", verdict(r.ok, r.ended), r.saga_id.c_str(),
                  expected_text(r.scenario).c_str(), actual_text(r.saga, r.order_state).c_str());
    }
  }
}

// Where the engine takes external events (the Kitchen's TicketAccepted), with --accept-within-ms.
std::string events_endpoint(const DataPaths& paths) {
  return "ipc://" + paths.dir + "/events.sock";
}

// Starts the three participant services; fills `registry`. Threads or child processes.
saga::Status start_services(const DemoOptions& o, const DataPaths& paths,
                            const std::shared_ptr<FailureInjector>& injector,
                            const std::optional<DemoCurveKeys>& curve, ServiceThreads& threads,
                            ServiceSupervisor& children, saga::ParticipantRegistry& registry) {
  for (ServiceKind kind : kParticipantServices) {
    const std::string name(to_string(kind));
    const std::string db = paths.dir + "/" + name + ".db";
    std::string endpoint;
    if (kind == ServiceKind::kAccounting && o.python_accounting) {
      std::vector<std::string> args{python_accounting_script(), "--service", name, "--bind",
                                    "tcp://127.0.0.1:0",        "--db",      db};
      for (const std::string& f : o.failures.to_flags()) args.push_back(f);
      if (!o.log_level.empty() || o.verbose) {
        args.push_back("--log-level");
        args.push_back(o.log_level.empty() ? "info" : o.log_level);
      }
      auto child = children.spawn(std::move(args), "/usr/bin/python3");
      if (!child) return child.status();
      endpoint = child.value();
    } else if (o.processes) {
      std::vector<std::string> args{"--service", name, "--bind", "tcp://127.0.0.1:0", "--db", db};
      for (const std::string& f : o.failures.to_flags()) args.push_back(f);
      if (kind == ServiceKind::kKitchen && o.accept_within.count() > 0) {
        args.insert(args.end(), {"--events", events_endpoint(paths), "--accept-after-ms",
                                 std::to_string(o.accept_after.count())});
      }
      if (o.verbose) args.push_back("--verbose");
      if (!o.log_level.empty()) {
        args.push_back("--log-level");
        args.push_back(o.log_level);
      }
      if (curve) {
        args.push_back("--curve-keys");
        args.push_back(o.curve_keys_dir);
      }
      auto child = children.spawn(std::move(args));
      if (!child) return child.status();
      endpoint = child.value();
    } else {
      ServiceOptions options{"ipc://" + paths.dir + "/" + name + ".sock", db, injector,
                             saga::Synchronous::kFull};
      if (curve) options.curve = curve->server();
      if (o.verbose) options.log_level = saga::LogLevel::kInfo;
      if (auto level = parse_log_level(o.log_level)) options.log_level = *level;
      if (o.accept_within.count() > 0) {
        options.events_endpoint = events_endpoint(paths);
        options.accept_after = o.accept_after;
      }
      auto service = open_service(kind, options);
      if (!service) return service.status().with_context(name);
      endpoint = threads.run(kind, std::move(service).value(), options);
    }
    if (saga::Status s = registry.add(name, endpoint); !s) return s;
  }
  return saga::Status::ok();
}

// The files a run leaves in its data dir: the four databases (with their WAL and shared-memory
// files; the Order service's holds the engine's tables) and the services' ipc sockets.
std::vector<std::filesystem::path> run_files(const DataPaths& paths) {
  std::vector<std::filesystem::path> out;
  for (const std::string& db :
       {paths.consumer_db(), paths.kitchen_db(), paths.accounting_db(), paths.orders_db()}) {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) out.emplace_back(db + suffix);
  }
  for (const char* name : {"consumer", "kitchen", "accounting", "order"}) {
    out.emplace_back(paths.dir + "/" + name + ".sock");
  }
  return out;
}

// A rerun on a previous run's databases: the engine resumed its unfinished sagas when the
// Order service started; wait for them, then check the invariants. Places no order.
int finish_resumed(OrderService& service, const DataPaths& paths) {
  auto all = service.engine().list(std::nullopt, 1'000'000);
  if (!all) {
    std::fprintf(stderr, "demo: %s\n", all.status().to_string().c_str());
    return 2;
  }
  bool all_ended = true;
  std::size_t resumed = 0;
  for (const saga::SagaInstance& s : all.value()) {
    if (saga::is_terminal(s.phase)) continue;
    ++resumed;
    all_ended = service.engine().wait(s.id, saga::Millis{60'000}).is_ok() && all_ended;
  }
  std::map<saga::Phase, std::size_t> phases;
  auto ended = service.engine().list(std::nullopt, 1'000'000);
  for (const saga::SagaInstance& s : ended ? ended.value() : all.value()) ++phases[s.phase];
  std::printf("  Resumed %zu unfinished saga(s) of the previous run%s. Sagas in the database:",
              resumed, resumed == 0 ? " (there were none)" : "");
  for (const auto& [phase, count] : phases) {
    std::printf(" %zu %s", count, std::string(saga::to_string(phase)).c_str());
  }
  auto state = read_domain_state(paths);
  if (state) state.value().deliveries_expected = service.definition_of("delivery") != nullptr;
  std::vector<std::string> violations = state
                                            ? check_invariants(state.value(), all_ended)
                                            : std::vector<std::string>{state.status().to_string()};
  std::printf("\n  Invariants across the services' databases: %s\n",
              violations.empty() ? "all hold" : "VIOLATED");
  for (const std::string& v : violations) std::printf("    %s\n", v.c_str());
  return all_ended && violations.empty() ? 0 : 1;
}

int run(const DemoOptions& o, const DataPaths& paths, const std::optional<DemoCurveKeys>& curve,
        bool resume) {
  std::vector<Scenario> scenarios =
      o.orders == 0 ? demo_scenarios() : mixed_scenarios(o.orders, o.seed);
  // The walkthrough goes on with Cancel Order and Revise Order (orders 9..14).
  const std::vector<ChangeScenario> changes =
      o.orders == 0 ? change_scenarios() : std::vector<ChangeScenario>{};
  FailurePlan plan = o.failures;
  add_injections(scenarios, plan);
  add_change_injections(changes, plan);
  // With --accept-within-ms the walkthrough goes on with the saga-control scenarios (16..22).
  const std::vector<ControlScenario> controls = o.orders == 0 && o.accept_within.count() > 0
                                                    ? control_scenarios(o.accept_within)
                                                    : std::vector<ControlScenario>{};
  if (saga::Status s = add_control_injections(controls, plan); !s) {
    std::fprintf(stderr, "demo: %s\n", s.to_string().c_str());
    return 2;
  }
  // --crash-after is for the service processes; this process (the Order service and the
  // orchestrator) keeps running and reports.
  FailurePlan local_plan = plan;
  local_plan.crash_after = 0;
  auto injector = std::make_shared<FailureInjector>(local_plan);

  DemoOptions child_options = o;
  child_options.failures = plan;
  ServiceThreads threads;
  ServiceSupervisor children(o.program);
  OrderServiceOptions order;
  if (saga::Status s =
          start_services(child_options, paths, injector, curve, threads, children, order.registry);
      !s) {
    std::fprintf(stderr, "demo: %s\n", s.to_string().c_str());
    children.stop();
    return 2;
  }
  order.participant =
      ServiceOptions{o.processes ? "tcp://127.0.0.1:*" : "ipc://" + paths.dir + "/order.sock",
                     paths.orders_db(), injector, saga::Synchronous::kFull};
  if (curve) {
    order.participant.curve = curve->server();
    order.curve = curve->client();
  }
  order.timing = o.timing;
  order.parallel = o.parallel;
  order.delivery = o.delivery;
  if (o.accept_within.count() > 0) {
    order.accept_within = o.accept_within;
    order.events_endpoint = events_endpoint(paths);
  }
  order.log_level = o.verbose ? saga::LogLevel::kInfo : saga::LogLevel::kError;
  if (auto level = parse_log_level(o.log_level)) order.log_level = *level;
  auto service = OrderService::open(std::move(order));
  saga::Status started = service ? service.value()->start() : service.status();
  if (!started) {
    std::fprintf(stderr, "demo: order service: %s\n", started.to_string().c_str());
    children.stop();
    return 2;
  }

  std::unique_ptr<DemoConsole> console;
  if (!o.console.address.empty()) {
    auto started_console =
        DemoConsole::start(o.console, paths.dir, paths.engine_db(), service.value()->engine());
    if (!started_console) {
      std::fprintf(stderr, "demo: console: %s\n", started_console.status().to_string().c_str());
      children.stop();
      return 2;
    }
    console = std::move(started_console).value();
  }
  if (o.processes || o.python_accounting) children.watch();
  if (resume) {
    const int code = finish_resumed(*service.value(), paths);
    service.value()->stop();
    threads.stop();
    children.stop();
    return code;
  }
  RunOptions run_options;
  if (o.orders > 0 && isatty(STDOUT_FILENO)) run_options.progress = &print_progress;
  const auto begin = std::chrono::steady_clock::now();
  auto results = run_scenarios(*service.value(), scenarios, run_options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  if (!results) {
    std::fprintf(stderr, "demo: %s\n", results.status().to_string().c_str());
    children.stop();
    return 2;
  }
  KitchenService kitchen(paths.kitchen_db());
  auto change_results = run_change_scenarios(*service.value(), kitchen, changes);
  if (!change_results) {
    std::fprintf(stderr, "demo: %s\n", change_results.status().to_string().c_str());
    children.stop();
    return 2;
  }
  auto control_results = run_control_scenarios(*service.value(), paths.kitchen_db(), controls);
  if (!control_results) {
    std::fprintf(stderr, "demo: %s\n", control_results.status().to_string().c_str());
    children.stop();
    return 2;
  }
  auto state = read_domain_state(paths);
  if (state) state.value().deliveries_expected = o.delivery;
  if (o.orders == 0 && state) {
    print_walkthrough(*service.value(), results.value(), state.value());
    print_change_walkthrough(*service.value(), change_results.value(), state.value());
    if (!controls.empty()) {
      print_control_walkthrough(*service.value(), control_results.value(), state.value());
    }
  }
  if (console) console->hold();
  service.value()->stop();
  threads.stop();
  children.stop();

  std::size_t mismatches = 0;  // ended otherwise than expected
  std::size_t running = 0;     // not ended within the wait: outcome unknown, not a mismatch
  bool all_ended = true;
  for (const ScenarioResult& r : results.value()) {
    mismatches += r.ok || !r.ended ? 0 : 1;
    running += r.ended ? 0 : 1;
    all_ended = all_ended && r.ended;
  }
  std::size_t sagas = results.value().size();
  for (const ChangeResult& r : change_results.value()) {
    mismatches += r.ok || !r.ended ? 0 : 1;
    running += r.ended ? 0 : 1;
    all_ended = all_ended && r.ended;
    ++sagas;
  }
  for (const ControlResult& r : control_results.value()) {
    mismatches += r.ok || !r.ended ? 0 : 1;
    running += r.ended ? 0 : 1;
    all_ended = all_ended && r.ended;
    ++sagas;
  }
  if (o.orders == 0) {
    print_summary_table(results.value());
    print_change_summary(change_results.value());
    if (!controls.empty()) print_control_summary(control_results.value());
  } else {
    print_mix_summary(results.value());
    std::printf("\n  %zu sagas in %.2f s: %.0f sagas/s\n", results.value().size(), seconds,
                static_cast<double>(results.value().size()) / seconds);
  }
  std::vector<std::string> violations = state
                                            ? check_invariants(state.value(), all_ended)
                                            : std::vector<std::string>{state.status().to_string()};
  std::printf(
      "\n  Invariants across the services' databases (no CREATE_PENDING ticket for a rejected "
      "order,\n  no approved order without a card authorization, no authorization for a "
      "rejected order,\n  approved orders have confirmed tickets, cancelled orders a cancelled "
      "ticket and a\n  reversed authorization, approved totals are what is authorized, each "
      "consumer's balance\n  adds up, nothing left pending or locked): %s\n",
      violations.empty() ? "all hold" : "VIOLATED");
  for (const std::string& v : violations) std::printf("    %s\n", v.c_str());
  std::printf("\n  %zu of %zu %s ended as expected", sagas - mismatches - running, sagas,
              changes.empty() ? "sagas" : "scenarios");
  if (running > 0) std::printf("; %zu still running when the wait ran out", running);
  std::printf(".\n");
  if (mismatches > 0 || !violations.empty()) return 1;
  return running == 0 ? 0 : 3;
}

}  // namespace

std::string python_accounting_script() {
  const char* path = std::getenv("FTGO_PYTHON_ACCOUNTING");
  return path != nullptr ? std::string(path) : std::string(FTGO_PYTHON_ACCOUNTING);
}

int run_demo(DemoOptions options) {
  if (options.failures.crash_after > 0 && !options.processes) {
    std::fprintf(stderr,
                 "create_order_demo: --crash-after needs --processes (in one process it would "
                 "take the whole demo down)\n");
    return 2;
  }
  DataPaths paths;
  bool remove = false;
  if (options.data_dir.empty()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "create_order.XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("mkdtemp");
      return 2;
    }
    paths.dir = pattern;
    remove = !options.keep;
  } else {
    std::filesystem::create_directories(options.data_dir);
    paths.dir = std::filesystem::absolute(options.data_dir).string();
  }
  bool resume = false;
  if (std::filesystem::exists(paths.engine_db())) {
    if (options.fresh) {
      for (const std::filesystem::path& f : run_files(paths)) std::filesystem::remove(f);
      std::printf("Starting fresh: removed the previous run's databases from %s (--fresh).\n\n",
                  paths.dir.c_str());
    } else {
      resume = true;
      std::printf(
          "Resuming the previous run in %s: its unfinished sagas are driven to their end, and\n"
          "no order is placed again (the walkthrough's orders exist already). To run the\n"
          "walkthrough again on this directory: --fresh (removes its databases first).\n\n",
          paths.dir.c_str());
    }
  }
  options.failures.drop_hold = options.timing.reply_timeout + options.timing.reply_timeout / 2;
  std::optional<DemoCurveKeys> curve;
  if (options.curve || !options.curve_keys_dir.empty()) {
    if (options.curve_keys_dir.empty()) options.curve_keys_dir = paths.dir + "/curve";
    auto keys = load_or_create_curve_keys(options.curve_keys_dir);
    if (!keys) {
      std::fprintf(stderr, "create_order_demo: %s\n", keys.status().to_string().c_str());
      return 2;
    }
    curve = std::move(keys).value();
  }
  int code = 2;
  if (options.store.empty()) {
    print_intro(options, paths);
    code = run(options, paths, curve, resume);
  } else if (resume) {
    std::fprintf(stderr, "create_order_demo: --store needs a data dir without an earlier run\n");
  } else {
#ifdef SAGA_POSTGRES
    code = run_scale_out_demo(options, paths);
#else
    std::fprintf(stderr, "create_order_demo: --store: built without PostgreSQL (SAGA_POSTGRES)\n");
#endif
  }
  if (remove) {
    std::error_code ignored;
    std::filesystem::remove_all(paths.dir, ignored);
  }
  return code;
}

}  // namespace ftgo
