// create_order_demo: the FTGO Create Order saga, end to end. See README.md.
//
//   create_order_demo [--processes] [--orders N] [--seed S] [--data-dir DIR [--fresh]] [--keep]
//                     [--reply-timeout-ms MS] [--retry-ms MS] [--verbose] [failure flags]
// On a --data-dir that holds a previous run, the demo resumes that run (finishes its unfinished
// sagas, places nothing) unless --fresh, which removes the previous run's databases first.
//   create_order_demo --service consumer|kitchen|accounting --bind EP --db FILE [failure flags]
//   create_order_demo --service orchestrator --db ENGINE.db --orders-db ORDERS.db --bind EP
//                     (--participants registry.conf | --consumer EP --kitchen EP
//                      --accounting EP) [--orders N] [--seed S] [failure flags]
// Failure flags: --fail CMD:N[@SAGA] | CMD:always, --delay-ms CMD:MS, --drop-replies CMD:N,
// --crash-after N (see failure_injection.h).
#include <unistd.h>

#include <charconv>
#include <climits>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>

#include "demo_runner.h"
#include "scenario_runner.h"
#include "service_host.h"

namespace {

void usage() {
  std::fprintf(stderr,
               "usage: create_order_demo [--processes] [--orders N] [--seed S] [--data-dir DIR]\n"
               "         [--fresh] [--keep] [--reply-timeout-ms MS] [--retry-ms MS] [--verbose]\n"
               "         [--fail CMD:N[@SAGA]] [--delay-ms CMD:MS] [--drop-replies CMD:N]\n"
               "         [--crash-after N]\n"
               "       create_order_demo --service consumer|kitchen|accounting --bind EP --db F\n"
               "       create_order_demo --service orchestrator --db ENGINE.db --orders-db F\n"
               "         --bind EP (--participants FILE | --consumer EP --kitchen EP "
               "--accounting EP)\n"
               "         [--orders N] [--seed S]\n"
               "  --data-dir DIR holding a previous run: resumes it (finishes its unfinished\n"
               "  sagas, places no order); --fresh removes its databases and starts over.\n");
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
                      const ftgo::DemoOptions& demo) {
  ftgo::OrchestratorConfig config;
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
      ftgo::ServiceOptions{flags["--bind"], flags["--orders-db"],
                           std::make_shared<ftgo::FailureInjector>(plan), saga::Synchronous::kFull};
  config.order.engine_database_path = flags["--db"];
  config.order.timing = demo.timing;
  return ftgo::run_orchestrator_process(std::move(config));
}

}  // namespace

int main(int argc, char** argv) {
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
    } else if (flag.starts_with("--") && i + 1 < argc) {
      const std::string_view value = argv[++i];
      saga::Status s = plan.apply_flag(flag, value);
      if (s.code() == saga::StatusCode::kNotFound) {
        flags[std::string(flag)] = std::string(value);
      } else if (!s) {
        std::fprintf(stderr, "create_order_demo: %s\n", s.to_string().c_str());
        return 2;
      }
    } else {
      usage();
      return 2;
    }
  }
  std::uint64_t n = 0;
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
  if (flags.contains("--data-dir")) demo.data_dir = flags["--data-dir"];

  if (flags.contains("--service")) {
    const std::string& service = flags["--service"];
    if (service == "orchestrator" || service == "order") {
      return orchestrator_main(flags, std::move(plan), demo);
    }
    auto kind = ftgo::parse_service_kind(service);
    if (!kind || !flags.contains("--bind") || !flags.contains("--db")) {
      usage();
      return 2;
    }
    ftgo::ServiceOptions options{flags["--bind"], flags["--db"],
                                 std::make_shared<ftgo::FailureInjector>(plan),
                                 saga::Synchronous::kFull};
    return ftgo::run_service_process(*kind, std::move(options));
  }
  demo.failures = std::move(plan);
  return ftgo::run_demo(std::move(demo));
}
