// Recovery benchmark (issue 8): kill the orchestrator with K Create Order sagas in flight and
// time its restart.
//
// For each K:
//   1. populate: a child process (this binary, --populate) runs the example's Order service
//      (its engine, orders table and participant) with Consumer, Kitchen and Accounting pointed
//      at sinks in this process that receive commands and never answer. It places K orders
//      (group commit), waits until the engine has started every saga (each saga now waits for
//      ValidateOrderByConsumer, its command in the outbox), records its memory, says READY and
//      is killed with SIGKILL.
//   2. resend: in this process, a bare saga::Engine opens a copy of the killed engine's database
//      with the transport pointed at the sinks (still silent). Timed: Engine::start() (load
//      every unfinished saga and its outbox row, resend), and until the Consumer sink has
//      received every one of the K commands. Twice: with the default flow control
//      (max_in_flight 4096 per participant: the rest wait in memory for replies) and with
//      max_in_flight and the transport's HWM raised above K, so that every command goes out.
//   3. complete: the Order service restarts on the original files with the real Consumer,
//      Kitchen and Accounting services answering (threads, own SQLite databases, FULL). Timed:
//      OrderService::start() (engine recovery; before schema v6 also the service's check for orders
//      without a saga) and until all K sagas completed.
//
//   recovery_bench [--k 10000,100000] [--json FILE] [--skip-complete]
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "bench_support.h"
#include "order_service.h"
#include "saga/engine.h"
#include "saga/zmq_transport.h"
#include "seed_data.h"
#include "service_host.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;
using bench::parse_list;
using bench::status_kib;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "recovery_bench: %s\n", what.c_str());
  std::exit(2);
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Long enough that no reply deadline passes during the benchmark: a timeout would resend and
// blur the counts. The same timing in every process: it is part of the definition's
// fingerprint.
ftgo::SagaTiming bench_timing() {
  ftgo::SagaTiming t;
  t.reply_timeout = saga::Millis{600'000};
  return t;
}

ftgo::OrderRequest order(std::int64_t id) {
  ftgo::OrderRequest r;
  r.order_id = id;
  r.consumer_id = ftgo::kConsumerAda;
  r.restaurant_id = ftgo::kRestaurantAjanta;
  r.line_items = {{"vindaloo", 2}, {"naan", 1}};
  r.total_cents = 2940;
  return r;
}

// ROUTER sockets that take commands and never answer; counts what each received.
class Sinks {
 public:
  Sinks() {
    for (const char* name : {"consumer", "kitchen", "accounting"}) {
      sockets_.emplace_back(context_, zmq::socket_type::router);
      sockets_.back().set(zmq::sockopt::rcvhwm, 0);
      sockets_.back().bind("tcp://127.0.0.1:*");
      names_.emplace_back(name);
      endpoints_.push_back(sockets_.back().get(zmq::sockopt::last_endpoint));
    }
    counts_ = std::vector<std::atomic<std::size_t>>(sockets_.size());
    thread_ = std::thread([this] { run(); });
  }
  ~Sinks() {
    stop_ = true;
    thread_.join();
  }
  Sinks(const Sinks&) = delete;
  Sinks& operator=(const Sinks&) = delete;

  saga::ParticipantRegistry registry() const {
    saga::ParticipantRegistry r;
    for (std::size_t i = 0; i < names_.size(); ++i) {
      if (saga::Status s = r.add(names_[i], endpoints_[i]); !s) die(s.to_string());
    }
    return r;
  }
  const std::vector<std::string>& endpoints() const { return endpoints_; }
  std::size_t consumer_count() const { return counts_[0].load(); }
  void reset() {
    for (auto& c : counts_) c = 0;
  }

 private:
  void run() {
    std::vector<zmq::pollitem_t> items;
    for (auto& s : sockets_) items.push_back({s.handle(), 0, ZMQ_POLLIN, 0});
    while (!stop_) {
      zmq::poll(items.data(), items.size(), std::chrono::milliseconds(20));
      for (std::size_t i = 0; i < sockets_.size(); ++i) {
        for (;;) {
          std::vector<zmq::message_t> frames;
          auto got = zmq::recv_multipart(sockets_[i], std::back_inserter(frames),
                                         zmq::recv_flags::dontwait);
          if (!got) break;
          ++counts_[i];
        }
      }
    }
  }

  zmq::context_t context_;
  std::vector<zmq::socket_t> sockets_;
  std::vector<std::string> names_;
  std::vector<std::string> endpoints_;
  std::vector<std::atomic<std::size_t>> counts_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// --- 1. populate (child process) ----------------------------------------------------------

int populate(const std::string& dir, std::size_t k, const std::vector<std::string>& sinks) {
  saga::ParticipantRegistry registry;
  const char* names[] = {"consumer", "kitchen", "accounting"};
  for (std::size_t i = 0; i < 3; ++i) {
    if (saga::Status s = registry.add(names[i], sinks.at(i)); !s) die(s.to_string());
  }
  ftgo::OrderServiceOptions o;
  // One file: orders, inbox and the engine's tables (the Order service's atomic start).
  o.participant = ftgo::ServiceOptions{"tcp://127.0.0.1:*", dir + "/orchestrator.db", nullptr,
                                       saga::Synchronous::kFull};
  o.registry = registry;
  o.timing = bench_timing();
  auto service = ftgo::OrderService::open(std::move(o));
  if (!service) die("populate: " + service.status().to_string());
  if (auto s = service.value()->start(); !s) die("populate: " + s.to_string());
  const long rss_before = status_kib("VmRSS");
  const std::uint64_t started_before = service.value()->engine().stats().sagas_started;
  const auto begin = Clock::now();
  std::deque<std::future<saga::Result<std::string>>> starts;
  for (std::size_t i = 1; i <= k; ++i) {
    starts.push_back(service.value()->create_order_async(order(static_cast<std::int64_t>(i))));
    // Keep the queue bounded (the writer batches up to 1024 rows per transaction).
    while (starts.size() > 8192) {
      if (auto r = starts.front().get(); !r) die("populate: " + r.status().to_string());
      starts.pop_front();
    }
  }
  for (auto& f : starts) {
    if (auto r = f.get(); !r) die("populate: " + r.status().to_string());
  }
  // The orders' transactions also hold their sagas' start rows (schema v6): wait until the
  // engine has started every one of them (each an instance in memory and in the store, its
  // first command in the outbox), else the kill would find start rows, not sagas in flight.
  const saga::Engine& engine = service.value()->engine();
  while (engine.stats().sagas_started < started_before + k) {
    if (seconds_since(begin) > 600) die("populate: the engine did not start every saga");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double seconds = seconds_since(begin);
  // Let the engine send and settle what it will (up to its flow-control cap).
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const long rss_after = status_kib("VmRSS");
  {
    std::ofstream out(dir + "/populate.txt");
    out << rss_before << " " << rss_after << " " << seconds << "\n";
  }
  std::printf("READY populated\n");
  std::fflush(stdout);
  for (;;) pause();  // until SIGKILL
}

// --- 2. resend (bare engine, silent sinks) -------------------------------------------------

struct ResendResult {
  double start_s = 0;     // Engine::start() returned
  double all_sent_s = 0;  // the Consumer sink received every expected command
  std::size_t received = 0;
  double rss_kib_per_saga = 0;  // RSS growth over start(), per recovered saga
};

// Runs in a child process of its own (--resend), so that its RSS growth is the recovered
// engine's alone; the sinks are in that process too.
ResendResult resend(const std::string& db, std::size_t k, bool unlimited) {
  Sinks sinks;
  saga::ZmqTransportOptions t;
  t.registry = sinks.registry();
  if (saga::Status s = t.registry.add("order", sinks.endpoints()[0]); !s) die(s.to_string());
  if (unlimited) t.send_hwm = 0;
  auto transport = saga::make_zmq_transport(std::move(t));
  if (!transport) die(transport.status().to_string());
  saga::EngineOptions e;
  e.database_path = db;
  e.transport = std::move(transport).value();
  e.log_level = saga::LogLevel::kError;
  if (unlimited) e.participant_defaults.max_in_flight = static_cast<std::uint32_t>(k + 1000);
  auto engine = saga::Engine::open(std::move(e));
  if (!engine) die(engine.status().to_string());
  auto definition = ftgo::create_order_definition(bench_timing());
  if (!definition) die(definition.status().to_string());
  if (saga::Status s = engine.value()->register_definition(std::move(definition).value()); !s) {
    die(s.to_string());
  }
  sinks.reset();
  const std::size_t expected = unlimited ? k : std::min<std::size_t>(k, 4096);
  ResendResult r;
  const long rss_before = status_kib("VmRSS");
  const auto begin = Clock::now();
  if (saga::Status s = engine.value()->start(); !s) die("restart: " + s.to_string());
  r.start_s = seconds_since(begin);
  while (sinks.consumer_count() < expected && seconds_since(begin) < 120) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  r.all_sent_s = seconds_since(begin);
  r.received = sinks.consumer_count();
  r.rss_kib_per_saga =
      static_cast<double>(status_kib("VmRSS") - rss_before) / static_cast<double>(k);
  engine.value()->stop();
  return r;
}

int resend_process(const std::string& db, std::size_t k, bool unlimited, const std::string& out) {
  const ResendResult r = resend(db, k, unlimited);
  {
    std::ofstream file(out);
    file << r.start_s << " " << r.all_sent_s << " " << r.received << " " << r.rss_kib_per_saga
         << "\n";
  }
  std::printf("READY resent\n");
  std::fflush(stdout);
  return 0;
}

ResendResult resend_in_child(const std::string& db, std::size_t k, bool unlimited) {
  const std::string out = db + ".result";
  auto child = ftgo::spawn_service("/proc/self/exe",
                                   {"--resend", db, std::to_string(k), unlimited ? "1" : "0", out},
                                   saga::Millis{600'000});
  if (!child) die("resend: " + child.status().to_string());
  ftgo::stop_child(child.value(), SIGTERM);  // it has finished: this only reaps it
  ResendResult r;
  std::ifstream in(out);
  in >> r.start_s >> r.all_sent_s >> r.received >> r.rss_kib_per_saga;
  return r;
}

// --- 3. complete (Order service + real participants) ---------------------------------------

struct CompleteResult {
  double start_s = 0;     // OrderService::start() returned
  double all_done_s = 0;  // every saga ended
  std::size_t completed = 0;
  std::size_t ended = 0;
};

CompleteResult complete(const std::string& dir, std::size_t k) {
  ftgo::ServiceThreads threads;
  saga::ParticipantRegistry registry;
  for (ftgo::ServiceKind kind : ftgo::kParticipantServices) {
    const std::string name(ftgo::to_string(kind));
    ftgo::ServiceOptions options{"tcp://127.0.0.1:*", dir + "/" + name + ".db", nullptr,
                                 saga::Synchronous::kFull};
    auto service = ftgo::open_service(kind, options);
    if (!service) die(name + ": " + service.status().to_string());
    if (saga::Status s = registry.add(name, threads.run(std::move(service).value())); !s) {
      die(s.to_string());
    }
  }
  ftgo::OrderServiceOptions o;
  // One file: orders, inbox and the engine's tables (the Order service's atomic start).
  o.participant = ftgo::ServiceOptions{"tcp://127.0.0.1:*", dir + "/orchestrator.db", nullptr,
                                       saga::Synchronous::kFull};
  o.registry = registry;
  o.timing = bench_timing();
  auto service = ftgo::OrderService::open(std::move(o));
  if (!service) die("restart: " + service.status().to_string());
  std::mutex mutex;
  std::condition_variable cv;
  CompleteResult r;
  service.value()->engine().on_end([&](const saga::SagaInstance& instance) {
    std::lock_guard lock(mutex);
    ++r.ended;
    if (instance.phase == saga::Phase::kCompleted) ++r.completed;
    cv.notify_all();
  });
  const auto begin = Clock::now();
  saga::Status restarted = service.value()->start();
  if (!restarted) die("restart: " + restarted.to_string());
  r.start_s = seconds_since(begin);
  {
    std::unique_lock lock(mutex);
    if (!cv.wait_for(lock, std::chrono::seconds(900), [&] { return r.ended >= k; })) {
      die("restart: sagas did not end within 900 s");
    }
  }
  r.all_done_s = seconds_since(begin);
  service.value()->stop();
  threads.stop();
  return r;
}

struct KResult {
  std::size_t k = 0;
  double populate_s = 0;
  double populate_rss_kib_per_saga = 0;
  ResendResult capped;
  ResendResult unlimited;
  CompleteResult done;
  bool has_done = false;
};

void copy_db(const fs::path& from, const fs::path& to, const std::string& name) {
  for (const char* suffix : {"", "-wal"}) {
    const fs::path f = from / (name + suffix);
    if (fs::exists(f)) fs::copy_file(f, to / (name + suffix), fs::copy_options::overwrite_existing);
  }
}

KResult run_k(std::size_t k, bool skip_complete) {
  const fs::path dir = fs::temp_directory_path() /
                       ("recovery_bench." + std::to_string(getpid()) + "." + std::to_string(k));
  fs::create_directories(dir);
  KResult r;
  r.k = k;
  {
    Sinks sinks;
    std::vector<std::string> args{"--populate", dir.string(), std::to_string(k)};
    for (const std::string& e : sinks.endpoints()) args.push_back(e);
    const auto begin = Clock::now();
    auto child = ftgo::spawn_service("/proc/self/exe", args, saga::Millis{1'800'000});
    if (!child) die("populate: " + child.status().to_string());
    // The orchestrator dies with K sagas in flight, as a crash would.
    ftgo::stop_child(child.value(), SIGKILL);
    std::fprintf(stderr, "  K=%zu: populated and killed after %.1f s\n", k, seconds_since(begin));
    std::ifstream in(dir / "populate.txt");
    long rss_before = 0;
    long rss_after = 0;
    in >> rss_before >> rss_after >> r.populate_s;
    r.populate_rss_kib_per_saga =
        static_cast<double>(rss_after - rss_before) / static_cast<double>(k);

    for (bool unlimited : {false, true}) {
      const fs::path copy = dir / (unlimited ? "unlimited" : "capped");
      fs::create_directories(copy);
      copy_db(dir, copy, "orchestrator.db");
      ResendResult& out = unlimited ? r.unlimited : r.capped;
      out = resend_in_child((copy / "orchestrator.db").string(), k, unlimited);
      std::fprintf(stderr,
                   "  K=%zu %s: start() %.3f s, %zu commands at the consumer after %.3f s\n", k,
                   unlimited ? "max_in_flight > K" : "default limits", out.start_s, out.received,
                   out.all_sent_s);
      fs::remove_all(copy);
    }
  }
  if (!skip_complete) {
    r.done = complete(dir.string(), k);
    r.has_done = true;
    std::fprintf(stderr, "  K=%zu complete: start() %.3f s, all %zu ended after %.3f s\n", k,
                 r.done.start_s, r.done.ended, r.done.all_done_s);
  }
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  return r;
}

void print(const std::vector<KResult>& results) {
  std::printf("Recovery of the Create Order orchestrator killed with K sagas in flight (FULL)\n");
  std::printf("%8s %12s %14s | %-32s | %-32s | %-36s\n", "K", "populate s", "KiB/saga (1)",
              "default limits: start s / sent s", "max_in_flight>K: start s / all s",
              "real participants: start s / done s");
  for (const KResult& r : results) {
    char done[64] = "-";
    if (r.has_done) {
      std::snprintf(done, sizeof done, "%.3f / %.3f (%zu/%zu ok)", r.done.start_s,
                    r.done.all_done_s, r.done.completed, r.k);
    }
    char capped[64];
    std::snprintf(capped, sizeof capped, "%.3f / %.3f (%zu)", r.capped.start_s, r.capped.all_sent_s,
                  r.capped.received);
    char unlimited[64];
    std::snprintf(unlimited, sizeof unlimited, "%.3f / %.3f (%zu)", r.unlimited.start_s,
                  r.unlimited.all_sent_s, r.unlimited.received);
    std::printf("%8zu %12.1f %14.2f | %-32s | %-32s | %-36s\n", r.k, r.populate_s,
                r.populate_rss_kib_per_saga, capped, unlimited, done);
  }
  std::printf(
      "(1) RSS growth of the Order service process (engine, order writer, SQLite) while "
      "placing K orders whose sagas stay in flight, per saga.\n");
  for (const KResult& r : results) {
    std::printf(
        "    K=%zu: RSS growth of the restarted engine's process from start() until sent, per "
        "saga: %.2f KiB (default limits), %.2f KiB (all sent at once)\n",
        r.k, r.capped.rss_kib_per_saga, r.unlimited.rss_kib_per_saga);
  }
}

void write_json(const std::string& path, const std::vector<KResult>& results) {
  std::ofstream out(path);
  out << "{\n  \"runs\": [\n";
  for (std::size_t i = 0; i < results.size(); ++i) {
    const KResult& r = results[i];
    out << "    {\"k\": " << r.k << ", \"populate_s\": " << r.populate_s
        << ", \"populate_rss_kib_per_saga\": " << r.populate_rss_kib_per_saga
        << ",\n     \"default_limits\": {\"start_s\": " << r.capped.start_s
        << ", \"sent_s\": " << r.capped.all_sent_s << ", \"received\": " << r.capped.received
        << ", \"rss_kib_per_saga\": " << r.capped.rss_kib_per_saga << "}"
        << ",\n     \"unlimited\": {\"start_s\": " << r.unlimited.start_s
        << ", \"sent_s\": " << r.unlimited.all_sent_s << ", \"received\": " << r.unlimited.received
        << ", \"rss_kib_per_saga\": " << r.unlimited.rss_kib_per_saga << "}";
    if (r.has_done) {
      out << ",\n     \"complete\": {\"start_s\": " << r.done.start_s
          << ", \"all_done_s\": " << r.done.all_done_s << ", \"completed\": " << r.done.completed
          << ", \"ended\": " << r.done.ended << "}";
    }
    out << "}" << (i + 1 < results.size() ? "," : "") << "\n";
  }
  out << "  ]\n}\n";
}

int usage() {
  std::fprintf(stderr,
               "usage: recovery_bench [--k 10000,100000] [--json FILE] [--skip-complete]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 6 && args[0] == "--populate") {
    return populate(args[1], std::stoul(args[2]), {args[3], args[4], args[5]});
  }
  if (args.size() == 5 && args[0] == "--resend") {
    return resend_process(args[1], std::stoul(args[2]), args[3] == "1", args[4]);
  }
  std::vector<std::size_t> ks{10'000, 100'000};
  std::string json;
  bool skip_complete = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) std::exit(usage());
      return args[++i];
    };
    if (args[i] == "--k") {
      ks = parse_list(value());
    } else if (args[i] == "--json") {
      json = value();
    } else if (args[i] == "--skip-complete") {
      skip_complete = true;
    } else {
      return usage();
    }
  }
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<KResult> results;
  for (std::size_t k : ks) results.push_back(run_k(k, skip_complete));
  print(results);
  if (!json.empty()) write_json(json, results);
  return 0;
}
