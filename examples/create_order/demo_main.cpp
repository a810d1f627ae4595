// create_order_demo: the FTGO Create Order saga, end to end. See README.md.
//
//   create_order_demo [--processes] [--orders N] [--seed S] [--data-dir DIR [--fresh]] [--keep]
//                     [--reply-timeout-ms MS] [--retry-ms MS] [--retry-attempts N] [--verbose]
//                     [--parallel | --delivery]
//                     [--accounting python|cpp] [--curve | --curve-keys DIR]
//                     [--console HOST:PORT [--console-read-token SRC] [--console-write-token SRC]]
//                     [failure flags]
//   create_order_demo --store postgresql://... [--instances N] [--lease-ms MS] [--orders N]
//                     [--seed S] [failure flags]        (scale_out_runner.h)
//   create_order_demo --service consumer|kitchen|accounting --bind EP --db FILE
//                     [--curve-keys DIR] [failure flags]
//   create_order_demo --service feeder --db ORDERS.db [--orders N]   (order_feeder.h)
//   create_order_demo --service orchestrator --db ORDERS.db --bind EP
//                     (--participants registry.conf | --consumer EP --kitchen EP
//                      --accounting EP) [--orders N] [--seed S] [--curve-keys DIR]
//                     [failure flags]
// An unknown flag, a flag without its value or a number that does not parse prints the usage
// and exits with 2.
// On a --data-dir that holds a previous run, the demo resumes that run (finishes its unfinished
// sagas, places nothing) unless --fresh, which removes the previous run's databases first.
// Failure flags: --fail CMD:N[@SAGA] | CMD:always, --delay-ms CMD:MS, --drop-replies CMD:N,
// --crash-after N (see failure_injection.h).
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstdio>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "curve_keys.h"
#include "demo_runner.h"
#include "order_feeder.h"
#include "saga/sqlite_process.h"
#include "scenario_runner.h"
#include "service_host.h"
#include "service_support.h"

namespace {

void usage() {
  std::fprintf(
      stderr,
      "usage: create_order_demo [--processes] [--orders N] [--seed S] [--data-dir DIR]\n"
      "         [--fresh] [--keep] [--reply-timeout-ms MS] [--retry-ms MS] [--retry-attempts N]\n"
      "         [--verbose | --log-level debug|info|warning|error] [--parallel | --delivery]\n"
      "         [--console HOST:PORT [--console-read-token file:F|env:V]\n"
      "         [--console-write-token file:F|env:V]]\n"
      "         [--accounting python|cpp] [--curve | --curve-keys DIR]\n"
      "         [--fail CMD:N[@SAGA]] [--delay-ms CMD:MS] [--drop-replies CMD:N]\n"
      "         [--crash-after N] [--accept-within-ms MS [--accept-after-ms MS]]\n"
      "       create_order_demo --store postgresql://... [--instances N] [--lease-ms MS]\n"
      "         [--orders N] [--seed S] [failure flags]\n"
      "       create_order_demo --service consumer|kitchen|accounting --bind EP --db F\n"
      "         [--curve-keys DIR] [--verbose | --log-level L]\n"
      "         [--events EP [--accept-after-ms MS]]   (kitchen: sends TicketAccepted to EP)\n"
      "       create_order_demo --service feeder --db F [--orders N]\n"
      "       create_order_demo --service orchestrator --db F\n"
      "         --bind EP (--participants FILE | --consumer EP --kitchen EP "
      "--accounting EP)\n"
      "         [--orders N] [--seed S] [--curve-keys DIR]\n"
      "  --parallel         Create Order version 3: verify the consumer and create the\n"
      "                     ticket in parallel (a parallel group; docs/dsl.md)\n"
      "  --delivery         Create Order version 5: version 3 with a child saga, Delivery\n"
      "                     (schedule_delivery, assign_courier at the Kitchen service)\n"
      "  --curve            encrypt and authenticate every connection (CURVE), with\n"
      "                     keys generated in DATA_DIR/curve\n"
      "  --curve-keys DIR   CURVE with the keys in DIR (participants.secret,\n"
      "                     orchestrator.secret), generated there when missing\n"
      "  --accept-within-ms MS  Create Order waits MS for the restaurant's TicketAccepted\n"
      "                     event (the kitchen sends it --accept-after-ms after the ticket,\n"
      "                     default 100); the walkthrough adds the saga-control scenarios\n"
      "  --data-dir DIR holding a previous run: resumes it (finishes its unfinished\n"
      "  sagas, places no order); --fresh removes its databases and starts over.\n");
}

// The flags that take a value, besides the failure flags (failure_injection.h).
constexpr std::string_view kValueFlags[] = {"--orders",
                                            "--seed",
                                            "--data-dir",
                                            "--reply-timeout-ms",
                                            "--retry-ms",
                                            "--service",
                                            "--bind",
                                            "--db",
                                            "--orders-db",
                                            "--participants",
                                            "--consumer",
                                            "--kitchen",
                                            "--accounting",
                                            "--curve-keys",
                                            "--retry-attempts",
                                            "--console",
                                            "--console-read-token",
                                            "--console-write-token",
                                            "--log-level",
                                            "--store",
                                            "--instances",
                                            "--lease-ms",
                                            "--accept-within-ms",
                                            "--accept-after-ms",
                                            "--events"};
// FailurePlan::apply_flag's flags (failure_injection.h).
constexpr std::string_view kFailureFlags[] = {"--fail", "--drop-replies", "--delay-ms",
                                              "--drop-hold-ms", "--crash-after"};
constexpr std::string_view kNumberFlags[] = {
    "--orders",    "--seed",     "--reply-timeout-ms", "--retry-ms",       "--retry-attempts",
    "--instances", "--lease-ms", "--accept-within-ms", "--accept-after-ms"};

// Prints `problem` and the usage; the exit code of a bad command line.
int bad_usage(const std::string& problem) {
  std::fprintf(stderr, "create_order_demo: %s\n", problem.c_str());
  usage();
  return 2;
}

bool to_number(std::string_view text, std::uint64_t& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

std::string self_path() {
  char buffer[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
}

int orchestrator_main(std::map<std::string, std::string>& flags, ftgo::FailurePlan plan,
                      const ftgo::DemoOptions& demo,
                      const std::optional<ftgo::DemoCurveKeys>& curve) {
  ftgo::OrchestratorConfig config;
  // One file holds the orders and the engine's tables: --orders-db, when given, names it too.
  if (flags.contains("--orders-db") && flags["--orders-db"] != flags["--db"]) {
    return bad_usage(
        "--orders-db must be the --db file (the Order service keeps its orders and "
        "the engine's tables in one database) or be left out");
  }
  if (flags.contains("--participants")) {
    auto registry = saga::load_participant_registry(flags["--participants"]);
    if (!registry) {
      std::fprintf(stderr, "orchestrator: %s\n", registry.status().to_string().c_str());
      return 2;
    }
    config.order.registry = std::move(registry).value();
  }
  for (const char* name : {"consumer", "kitchen", "accounting"}) {
    const std::string flag = std::string("--") + name;
    if (flags.contains(flag) && !config.order.registry.add(name, flags[flag])) return 2;
  }
  config.scenarios =
      demo.orders == 0 ? ftgo::demo_scenarios() : ftgo::mixed_scenarios(demo.orders, demo.seed);
  ftgo::add_injections(config.scenarios, plan);
  config.order.participant =
      ftgo::ServiceOptions{flags["--bind"], flags["--db"],
                           std::make_shared<ftgo::FailureInjector>(plan), saga::Synchronous::kFull};
  if (curve) {
    config.order.participant.curve = curve->server();
    config.order.curve = curve->client();
  }
  config.order.log_level = demo.verbose ? saga::LogLevel::kInfo : saga::LogLevel::kError;
  config.order.participant.log_level =
      demo.verbose ? saga::LogLevel::kInfo : saga::LogLevel::kWarning;
  if (auto level = ftgo::parse_log_level(demo.log_level)) {
    config.order.log_level = *level;
    config.order.participant.log_level = *level;
  }
  config.order.timing = demo.timing;
  config.order.parallel = demo.parallel;
  config.order.delivery = demo.delivery;
  return ftgo::run_orchestrator_process(std::move(config));
}

}  // namespace

int main(int argc, char** argv) {
  // A program's choice, made before any database opens (saga/sqlite_process.h): SQLite's
  // allocation statistics off, one global mutex less on every SQLite allocation.
  (void)saga::disable_sqlite_memory_statistics();
  ftgo::DemoOptions demo;
  demo.program = self_path();
  ftgo::FailurePlan plan;
  std::map<std::string, std::string> flags;  // flags with a value
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--processes") {
      demo.processes = true;
    } else if (flag == "--fresh") {
      demo.fresh = true;
    } else if (flag == "--keep") {
      demo.keep = true;
    } else if (flag == "--verbose") {
      demo.verbose = true;
    } else if (flag == "--help" || flag == "-h") {
      usage();
      return 0;
    } else if (flag == "--curve") {
      demo.curve = true;
    } else if (flag == "--parallel") {  // Create Order version 3 (parallel groups)
      demo.parallel = true;
    } else if (flag == "--delivery") {  // Create Order version 5 (a child saga)
      demo.parallel = true;
      demo.delivery = true;
    } else if (flag.starts_with("--")) {
      const bool value_flag =
          std::find(std::begin(kValueFlags), std::end(kValueFlags), flag) != std::end(kValueFlags);
      const bool failure_flag = std::find(std::begin(kFailureFlags), std::end(kFailureFlags),
                                          flag) != std::end(kFailureFlags);
      if (!value_flag && !failure_flag) return bad_usage("unknown flag " + std::string(flag));
      if (i + 1 >= argc) return bad_usage(std::string(flag) + " needs a value");
      const std::string_view value = argv[++i];
      if (value_flag) {
        flags[std::string(flag)] = std::string(value);
      } else if (saga::Status s = plan.apply_flag(flag, value); !s) {
        return bad_usage(s.to_string());
      }
    } else {
      return bad_usage("unexpected argument '" + std::string(flag) + "'");
    }
  }
  std::uint64_t n = 0;
  for (std::string_view number : kNumberFlags) {
    const auto it = flags.find(std::string(number));
    if (it != flags.end() && !to_number(it->second, n)) {
      return bad_usage(std::string(number) + " needs a number, not '" + it->second + "'");
    }
  }
  if (flags.contains("--curve-keys")) demo.curve_keys_dir = flags["--curve-keys"];
  std::optional<ftgo::DemoCurveKeys> curve;
  if (flags.contains("--service") && !demo.curve_keys_dir.empty()) {
    auto keys = ftgo::load_or_create_curve_keys(demo.curve_keys_dir);
    if (!keys) {
      std::fprintf(stderr, "create_order_demo: %s\n", keys.status().to_string().c_str());
      return 2;
    }
    curve = std::move(keys).value();
  }
  if (flags.contains("--orders") && to_number(flags["--orders"], n)) demo.orders = n;
  if (flags.contains("--seed") && to_number(flags["--seed"], n)) demo.seed = n;
  if (flags.contains("--reply-timeout-ms") && to_number(flags["--reply-timeout-ms"], n)) {
    demo.timing.reply_timeout = saga::Millis{static_cast<std::int64_t>(n)};
  } else {
    demo.timing.reply_timeout = saga::Millis{1'000};
  }
  if (flags.contains("--retry-ms") && to_number(flags["--retry-ms"], n)) {
    demo.timing.retry_interval = saga::Millis{static_cast<std::int64_t>(n)};
  }
  if (flags.contains("--retry-attempts") && to_number(flags["--retry-attempts"], n)) {
    demo.timing.retry_attempts = static_cast<std::uint32_t>(n);
  }
  if (flags.contains("--data-dir")) demo.data_dir = flags["--data-dir"];
  demo.store = flags["--store"];
  if (flags.contains("--instances") && to_number(flags["--instances"], n)) demo.instances = n;
  if (flags.contains("--lease-ms") && to_number(flags["--lease-ms"], n)) {
    demo.lease_ms = static_cast<std::int64_t>(n);
  }
  if (flags.contains("--accept-within-ms") && to_number(flags["--accept-within-ms"], n)) {
    demo.accept_within = saga::Millis{static_cast<std::int64_t>(n)};
  }
  if (flags.contains("--accept-after-ms") && to_number(flags["--accept-after-ms"], n)) {
    demo.accept_after = saga::Millis{static_cast<std::int64_t>(n)};
  }
  if (demo.accept_within.count() > 0 && (demo.curve || flags.contains("--curve-keys"))) {
    return bad_usage(
        "--accept-within-ms does not go with CURVE yet (the events endpoint is plain)");
  }
  demo.log_level = flags["--log-level"];
  if (!demo.log_level.empty() && !ftgo::parse_log_level(demo.log_level)) {
    return bad_usage("--log-level takes debug, info, warning or error, not '" + demo.log_level +
                     "'");
  }
  demo.console.address = flags["--console"];
  demo.console.read_token = flags["--console-read-token"];
  demo.console.write_token = flags["--console-write-token"];

  if (flags.contains("--service")) {
    const std::string& service = flags["--service"];
    if (service == "orchestrator" || service == "order") {
      return orchestrator_main(flags, std::move(plan), demo, curve);
    }
    if (service == "feeder") {  // a second process writing orders + saga starts (order_feeder.h)
      if (!flags.contains("--db")) return bad_usage("--service feeder needs --db");
      return ftgo::run_feeder_process({flags["--db"], demo.orders == 0 ? 10 : demo.orders});
    }
    auto kind = ftgo::parse_service_kind(service);
    if (!kind) return bad_usage("unknown service '" + service + "'");
    if (!flags.contains("--bind") || !flags.contains("--db")) {
      return bad_usage("--service " + service + " needs --bind and --db");
    }
    ftgo::ServiceOptions options{flags["--bind"], flags["--db"],
                                 std::make_shared<ftgo::FailureInjector>(plan),
                                 saga::Synchronous::kFull};
    if (curve) options.curve = curve->server();
    options.events_endpoint = flags["--events"];  // the Kitchen's TicketAccepted, when given
    options.accept_after = demo.accept_after;
    if (demo.verbose) options.log_level = saga::LogLevel::kInfo;
    if (auto level = ftgo::parse_log_level(demo.log_level)) options.log_level = *level;
    return ftgo::run_service_process(*kind, std::move(options));
  }
  if (flags.contains("--accounting")) {
    if (flags["--accounting"] != "python" && flags["--accounting"] != "cpp") {
      std::fprintf(stderr, "create_order_demo: --accounting takes python or cpp\n");
      return 2;
    }
    demo.python_accounting = flags["--accounting"] == "python";
  }
  demo.failures = std::move(plan);
  return ftgo::run_demo(std::move(demo));
}
