// End-to-end benchmark of the Create Order saga (issue 8): the real engine, the real ZeroMQ
// transport over tcp://127.0.0.1 and the example's four participant services, each with its own
// SQLite database (durable inbox, WAL, synchronous FULL unless --synchronous normal).
//
// Closed loop: W sagas in flight; a new order is placed as soon as one ends. Each repetition
// starts from empty databases in a fresh temp dir, runs a warm-up, then N measured sagas.
// Reports sagas/s, latency p50/p90/p99 (order insert to the engine's on_end), CPU seconds per
// saga (getrusage of this process, plus the children's /proc times with --processes) and engine
// commits per saga, as medians over the repetitions with min and max. --ceilings measures what
// the building blocks can do on this machine (SQLite FULL commits, batched inserts, ZeroMQ round
// trips, codec) and the implied ceiling for a 6-step saga.
//
//   create_order_bench [--w 1,16,256] [--n N] [--reps R] [--warmup N]
//                      [--synchronous full|normal] [--processes] [--ceilings] [--json FILE]
//                      [--finished F]
//
// --finished F: F completed sagas already in the engine's store (growth); RSS is reported
// either way.
#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
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
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "order_service.h"
#include "order_writer.h"
#include "saga/body_codec.h"
#include "saga/envelope.h"
#include "saga/metrics.h"
#include "seed_data.h"
#include "service_host.h"
#include "store/sqlite_saga_store.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::vector<std::size_t> w{1, 16, 256};
  std::optional<std::size_t> n;  // default: by W (see sagas_for)
  std::size_t reps = 3;
  std::size_t warmup = 20;
  saga::Synchronous synchronous = saga::Synchronous::kFull;
  bool processes = false;
  bool ceilings = false;
  std::string json;
  std::size_t finished = 0;  // --finished: completed sagas already in the engine's store
  std::string template_db;   // the engine database holding them, copied before each run
};

// Small enough that the default run (W 1, 16, 256; 3 repetitions) takes about a minute, large
// enough that W=256 and W=4096 turn the window over several times.
std::size_t sagas_for(const Options& o, std::size_t w) {
  if (o.n) return *o.n;
  if (w == 1) return 100;
  return std::max<std::size_t>(2000, 4 * w);
}

double cpu_seconds(const rusage& r) {
  return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
         static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

double self_cpu_seconds() {
  rusage r{};
  getrusage(RUSAGE_SELF, &r);
  return cpu_seconds(r);
}

// utime + stime of a live child, from /proc/<pid>/stat (fields 14 and 15, in clock ticks).
double child_cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string skip;
  for (int i = 3; i < 14; ++i) fields >> skip;  // state .. cmajflt
  double utime = 0;
  double stime = 0;
  fields >> utime >> stime;
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// VmRSS or VmHWM of this process, in KiB (/proc/self/status).
long status_kib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(field) + ":";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) return std::stol(line.substr(prefix.size()));
  }
  return 0;
}

// fsync: the file's pages are on disk when this returns.
void sync_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return;  // the run then fails on the missing file itself
  ::fsync(fd);
  ::close(fd);
}

struct RunResult {
  double sagas_per_s = 0;
  double p50_ms = 0;
  double p90_ms = 0;
  double p99_ms = 0;
  double cpu_us_per_saga = 0;
  double commits_per_saga = 0;
  double inputs_per_commit = 0;
  double orders_per_commit = 0;  // order rows per transaction of the Order service (group commit)
  double rss_mib = 0;            // VmRSS of this process at the end of the measured run
  std::size_t completed = 0;
  std::size_t not_completed = 0;  // compensated or failed: should be 0 (happy path)
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(rank, v.size() - 1)];
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "create_order_bench: %s\n", what.c_str());
  std::exit(2);
}

// The services of one repetition: three participants (threads or children) and the Order
// service with the engine, all on tcp://127.0.0.1.
class Deployment {
 public:
  Deployment(const Options& o, const std::string& dir) {
    saga::ParticipantRegistry registry;
    for (ftgo::ServiceKind kind : ftgo::kParticipantServices) {
      const std::string name(ftgo::to_string(kind));
      const std::string db = dir + "/" + name + ".db";
      std::string endpoint;
      if (o.processes) {
        std::vector<std::string> args{
            "--service",     name,
            "--bind",        "tcp://127.0.0.1:0",
            "--db",          db,
            "--synchronous", o.synchronous == saga::Synchronous::kFull ? "full" : "normal"};
        auto child = ftgo::spawn_service("/proc/self/exe", args);
        if (!child) die(name + ": " + child.status().to_string());
        endpoint = child.value().endpoint;
        children_.push_back(child.value());
      } else {
        ftgo::ServiceOptions options{"tcp://127.0.0.1:*", db, nullptr, o.synchronous};
        auto service = ftgo::open_service(kind, options);
        if (!service) die(name + ": " + service.status().to_string());
        endpoint = threads_.run(std::move(service).value());
      }
      if (saga::Status s = registry.add(name, endpoint); !s) die(s.to_string());
    }
    ftgo::OrderServiceOptions order;
    order.participant =
        ftgo::ServiceOptions{"tcp://127.0.0.1:*", dir + "/orders.db", nullptr, o.synchronous};
    order.engine_database_path = dir + "/orchestrator.db";
    order.registry = registry;
    order.synchronous = o.synchronous;
    auto service = ftgo::OrderService::open(std::move(order));
    if (!service) die("order service: " + service.status().to_string());
    service_ = std::move(service).value();
  }

  ~Deployment() {
    service_->stop();
    threads_.stop();
    for (const ftgo::ChildProcess& c : children_) ftgo::stop_child(c, SIGTERM);
  }
  Deployment(const Deployment&) = delete;
  Deployment& operator=(const Deployment&) = delete;

  ftgo::OrderService& service() { return *service_; }

  double cpu_seconds() const {
    double total = self_cpu_seconds();
    for (const ftgo::ChildProcess& c : children_) total += child_cpu_seconds(c.pid);
    return total;
  }

 private:
  ftgo::ServiceThreads threads_;
  std::vector<ftgo::ChildProcess> children_;
  std::unique_ptr<ftgo::OrderService> service_;
};

// Places `count` happy-path orders with ids from `first`, at most `w` in flight; returns their
// latencies (ms), once every one has ended.
class ClosedLoop {
 public:
  explicit ClosedLoop(ftgo::OrderService& service) : service_(service) {
    service_.engine().on_end([this](const saga::SagaInstance& instance) { ended(instance); });
  }

  std::vector<double> run(std::int64_t first, std::size_t count, std::size_t w) {
    {
      std::lock_guard lock(mutex_);
      latencies_ms_.clear();
      ended_ = 0;
    }
    std::deque<std::future<saga::Result<std::string>>> starts;
    for (std::size_t i = 0; i < count; ++i) {
      {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return in_flight_ < w; });
        ++in_flight_;
      }
      ftgo::OrderRequest request;
      request.order_id = first + static_cast<std::int64_t>(i);
      request.consumer_id = ftgo::kConsumerAda;
      request.restaurant_id = ftgo::kRestaurantAjanta;
      request.line_items = {{"vindaloo", 2}, {"naan", 1}};
      request.total_cents = 2940;
      {
        std::lock_guard lock(mutex_);
        started_at_[saga_id(request.order_id)] = Clock::now();
      }
      starts.push_back(service_.create_order_async(request));
      while (!starts.empty() &&
             starts.front().wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        check(starts.front().get());
        starts.pop_front();
      }
    }
    for (auto& f : starts) check(f.get());
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, std::chrono::seconds(300), [&] { return ended_ == count; })) {
      die("sagas did not end within 300 s");
    }
    return latencies_ms_;
  }

  std::size_t not_completed() const { return not_completed_.load(); }

 private:
  static std::string saga_id(std::int64_t order_id) { return ftgo::saga_id_of_order(order_id); }
  static void check(const saga::Result<std::string>& started) {
    if (!started) die("start: " + started.status().to_string());
  }

  void ended(const saga::SagaInstance& instance) {
    const auto now = Clock::now();
    if (instance.phase != saga::Phase::kCompleted) ++not_completed_;
    std::lock_guard lock(mutex_);
    auto it = started_at_.find(instance.id);
    if (it != started_at_.end()) {
      latencies_ms_.push_back(std::chrono::duration<double, std::milli>(now - it->second).count());
      started_at_.erase(it);
    }
    ++ended_;
    --in_flight_;
    cv_.notify_all();
  }

  ftgo::OrderService& service_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::string, Clock::time_point> started_at_;
  std::vector<double> latencies_ms_;
  std::size_t in_flight_ = 0;
  std::size_t ended_ = 0;
  std::atomic<std::size_t> not_completed_{0};
};

RunResult run_once(const Options& o, std::size_t w, std::size_t n) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("create_order_bench." + std::to_string(getpid()) + "." +
                                     std::to_string(Clock::now().time_since_epoch().count()));
  std::filesystem::create_directories(dir);
  if (!o.template_db.empty()) {
    std::filesystem::copy_file(o.template_db, dir / "orchestrator.db");
    // Write the copy out now: otherwise the kernel's writeback of it competes with the run's
    // fsyncs on the same disk (it did: -28 % sagas/s with a 1M-saga copy).
    sync_file(dir / "orchestrator.db");
  }
  RunResult r;
  {
    Deployment deployment(o, dir.string());
    ClosedLoop loop(deployment.service());
    if (auto started = deployment.service().start(); !started) {
      die("start: " + started.status().to_string());
    }
    if (o.warmup > 0) loop.run(1, o.warmup, std::min(w, o.warmup));
    const saga::EngineStats before = deployment.service().engine().stats();
    const double cpu_before = deployment.cpu_seconds();
    const ftgo::OrderWriter& writer = deployment.service().order_writer();
    const std::size_t order_commits_before = writer.commits();
    const std::size_t orders_before = writer.orders_committed();
    const auto begin = Clock::now();
    std::vector<double> latencies = loop.run(static_cast<std::int64_t>(o.warmup) + 1, n, w);
    const double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
    const double cpu = deployment.cpu_seconds() - cpu_before;
    const saga::EngineStats after = deployment.service().engine().stats();
    const double sagas = static_cast<double>(n);
    r.sagas_per_s = sagas / seconds;
    const std::size_t order_commits = writer.commits() - order_commits_before;
    r.orders_per_commit =
        order_commits > 0
            ? static_cast<double>(writer.orders_committed() - orders_before) / order_commits
            : 0;
    r.p50_ms = percentile(latencies, 0.50);
    r.p90_ms = percentile(latencies, 0.90);
    r.p99_ms = percentile(latencies, 0.99);
    r.cpu_us_per_saga = cpu / sagas * 1e6;
    const auto commits = static_cast<double>(after.commits - before.commits);
    r.commits_per_saga = commits / sagas;
    r.inputs_per_commit =
        commits > 0
            ? static_cast<double>(after.inputs_committed - before.inputs_committed) / commits
            : 0;
    r.completed = latencies.size();
    r.not_completed = loop.not_completed();
    r.rss_mib = static_cast<double>(status_kib("VmRSS")) / 1024;
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return r;
}

// --- growth: finished sagas already in the store ------------------------------------------

// An engine database holding `o.finished` completed Create Order sagas. One real saga runs
// through a Deployment first; its instance row and its history are then copied, under new ids
// and earlier times, straight into the engine's store (the engine's own SqliteSagaStore, so the
// rows and indexes are exactly what the engine writes): running a million sagas through the
// engine would take longer than the benchmark itself.
std::filesystem::path build_finished_template(const Options& o) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("create_order_bench.finished." + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto begin = Clock::now();
  constexpr std::int64_t kModelOrder = 900'000'000;  // far from the ids the runs place
  saga::SagaInstance model;
  std::vector<saga::HistoryEntry> history;
  {
    Deployment deployment(o, dir.string());
    ClosedLoop loop(deployment.service());
    if (auto started = deployment.service().start(); !started) {
      die("start: " + started.status().to_string());
    }
    loop.run(kModelOrder, 1, 1);
    const std::string id = ftgo::saga_id_of_order(kModelOrder);
    auto instance = deployment.service().engine().get(id);
    auto entries = deployment.service().engine().history(id);
    if (!instance || !entries) die("model saga: not found");
    if (instance.value().phase != saga::Phase::kCompleted) die("model saga did not complete");
    model = instance.value();
    history = entries.value();
  }
  saga::StoreOptions options;
  options.path = (dir / "orchestrator.db").string();
  options.synchronous = saga::Synchronous::kOff;  // set-up only; the runs use FULL
  auto store = saga::SqliteSagaStore::open(options);
  if (!store) die("finished sagas: " + store.status().to_string());
  constexpr std::size_t kPerCommit = 10'000;
  for (std::size_t first = 0; first < o.finished; first += kPerCommit) {
    saga::StoreBatch batch;
    for (std::size_t i = first; i < std::min(o.finished, first + kPerCommit); ++i) {
      char id[32];
      std::snprintf(id, sizeof id, "finished-%09zu", i);
      // Spread over the past, one saga a millisecond, oldest first.
      const saga::Millis shift{static_cast<std::int64_t>(o.finished - i)};
      saga::SagaInstance instance = model;
      instance.id = id;
      instance.created_at -= shift;
      instance.updated_at -= shift;
      batch.inserts.push_back(std::move(instance));
      for (saga::HistoryEntry entry : history) {
        entry.time -= shift;
        batch.history.emplace_back(id, std::move(entry));
      }
    }
    if (saga::Status s = store.value()->commit(batch); !s) die("finished sagas: " + s.to_string());
  }
  store.value().reset();  // closes the file (and checkpoints its WAL into it)
  sync_file(dir / "orchestrator.db");
  std::fprintf(stderr, "  %zu finished sagas (%zu history rows each) written in %.1f s\n",
               o.finished, history.size(),
               std::chrono::duration<double>(Clock::now() - begin).count());
  return dir;
}

struct Stat {
  double median = 0;
  double min = 0;
  double max = 0;
};

Stat summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  Stat s;
  s.min = v.front();
  s.max = v.back();
  s.median = v.size() % 2 == 1 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  return s;
}

struct Row {
  std::size_t w = 0;
  std::size_t n = 0;
  std::map<std::string, Stat> stats;  // by metric name
  std::size_t not_completed = 0;
};

constexpr const char* kMetrics[] = {"sagas_per_s",
                                    "p50_ms",
                                    "p90_ms",
                                    "p99_ms",
                                    "cpu_us_per_saga",
                                    "commits_per_saga",
                                    "inputs_per_commit",
                                    "orders_per_commit",
                                    "rss_mib"};

Row measure(const Options& o, std::size_t w) {
  Row row;
  row.w = w;
  row.n = sagas_for(o, w);
  std::map<std::string, std::vector<double>> values;
  for (std::size_t rep = 0; rep < o.reps; ++rep) {
    RunResult r = run_once(o, w, row.n);
    values["sagas_per_s"].push_back(r.sagas_per_s);
    values["p50_ms"].push_back(r.p50_ms);
    values["p90_ms"].push_back(r.p90_ms);
    values["p99_ms"].push_back(r.p99_ms);
    values["cpu_us_per_saga"].push_back(r.cpu_us_per_saga);
    values["commits_per_saga"].push_back(r.commits_per_saga);
    values["inputs_per_commit"].push_back(r.inputs_per_commit);
    values["orders_per_commit"].push_back(r.orders_per_commit);
    values["rss_mib"].push_back(r.rss_mib);
    row.not_completed += r.not_completed;
    std::fprintf(stderr,
                 "  W=%zu rep %zu: %.0f sagas/s, p50 %.2f ms, %.0f us CPU/saga, engine %.2f "
                 "inputs/commit, orders %.2f rows/commit\n",
                 w, rep + 1, r.sagas_per_s, r.p50_ms, r.cpu_us_per_saga, r.inputs_per_commit,
                 r.orders_per_commit);
  }
  for (const char* m : kMetrics) row.stats[m] = summarize(values[m]);
  return row;
}

// --- ceilings ---------------------------------------------------------------------------------

struct Ceilings {
  double full_commits_per_s = 0;     // one single-row insert per transaction, FULL
  double batched_inserts_per_s = 0;  // inserts inside one transaction
  double zmq_round_trips_per_s = 0;  // DEALER/ROUTER ping-pong, 1 in flight
  double codec_us_per_message = 0;   // header encode + decode, one command
};

template <typename F>
double per_second(std::size_t count, F&& body) {
  const auto begin = Clock::now();
  for (std::size_t i = 0; i < count; ++i) body(i);
  return static_cast<double>(count) / std::chrono::duration<double>(Clock::now() - begin).count();
}

Ceilings measure_ceilings(saga::Synchronous synchronous) {
  Ceilings c;
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("create_order_bench.ceil." + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  {
    SQLite::Database db((dir / "ceiling.db").string(),
                        SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA journal_mode=WAL");
    db.exec("PRAGMA synchronous=" + std::to_string(static_cast<int>(synchronous)));
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)");
    SQLite::Statement insert(db, "INSERT INTO t (v) VALUES (?)");
    const std::string value(200, 'x');
    c.full_commits_per_s = per_second(1000, [&](std::size_t) {
      SQLite::Transaction transaction(db);
      insert.bind(1, value.data(), static_cast<int>(value.size()));
      insert.exec();
      insert.reset();
      transaction.commit();
    });
    SQLite::Transaction transaction(db);
    c.batched_inserts_per_s = per_second(200'000, [&](std::size_t) {
      insert.bind(1, value.data(), static_cast<int>(value.size()));
      insert.exec();
      insert.reset();
    });
    transaction.commit();
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);

  zmq::context_t context;
  zmq::socket_t router(context, zmq::socket_type::router);
  router.bind("tcp://127.0.0.1:*");
  const std::string endpoint = router.get(zmq::sockopt::last_endpoint);
  std::atomic<bool> stop{false};
  std::thread echo([&] {
    router.set(zmq::sockopt::rcvtimeo, 100);
    while (!stop.load()) {
      std::vector<zmq::message_t> frames;
      auto got = zmq::recv_multipart(router, std::back_inserter(frames));
      if (!got) continue;
      zmq::send_multipart(router, frames);
    }
  });
  zmq::socket_t dealer(context, zmq::socket_type::dealer);
  dealer.connect(endpoint);
  const saga::Envelope command = [] {
    saga::Envelope e;
    e.message_id = "5b0c2f9e8d7a41c6b3e2d1f0a9b8c7d6/3";
    e.saga_id = "order-123456";
    e.saga_type = "create_order";
    e.step = "create_ticket";
    e.name = "CreateTicket";
    e.trace_id = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
    e.body = std::string(48, 'b');
    return e;
  }();
  const std::string header = saga::encode_header(command).value();
  auto ping = [&](std::size_t) {
    std::array<zmq::const_buffer, 3> frames{zmq::buffer(saga::kProtocolTag), zmq::buffer(header),
                                            zmq::buffer(command.body)};
    zmq::send_multipart(dealer, frames);
    std::vector<zmq::message_t> reply;
    if (!zmq::recv_multipart(dealer, std::back_inserter(reply))) die("zmq: no reply");
  };
  for (std::size_t i = 0; i < 200; ++i) ping(i);  // connect and warm up
  c.zmq_round_trips_per_s = per_second(20'000, ping);
  stop = true;
  echo.join();

  const double codec_per_s = per_second(200'000, [&](std::size_t) {
    std::string h = saga::encode_header(command).value();
    auto decoded = saga::decode(saga::kProtocolTag, h, command.body);
    if (!decoded) die("codec");
  });
  c.codec_us_per_message = 1e6 / codec_per_s;
  return c;
}

// What a 6-step Create Order saga needs, counted from the example (docs/performance.md). Step 1
// (reject_order) has only a compensation, so a happy saga sends 5 commands. Serially: 1
// order-row commit, 1 start commit + 5 engine commits (one per reply), 5 participant commits
// (inbox + change), 5 command/reply round trips, 10 messages each encoded and decoded once.
// Batched: about 35 row writes (engine: instance, history, outbox per commit; participants:
// inbox, barrier and business rows; the order row).
constexpr double kSerialCommits = 12;
constexpr double kRoundTrips = 5;
constexpr double kCodecMessages = 10;
constexpr double kRowsPerSaga = 35;

double serial_ceiling(const Ceilings& c) {
  const double seconds = kSerialCommits / c.full_commits_per_s +
                         kRoundTrips / c.zmq_round_trips_per_s +
                         kCodecMessages * c.codec_us_per_message / 1e6;
  return 1.0 / seconds;
}

double batched_ceiling(const Ceilings& c) {
  const double seconds =
      kRowsPerSaga / c.batched_inserts_per_s + kCodecMessages * c.codec_us_per_message / 1e6;
  return 1.0 / seconds;
}

// --- output -----------------------------------------------------------------------------------

void print_table(const Options& o, const std::vector<Row>& rows) {
  std::printf(
      "Create Order saga, %s, synchronous=%s, %zu finished sagas in the store, %zu repetitions "
      "(median [min..max])\n",
      o.processes ? "participants in child processes" : "participants on threads",
      o.synchronous == saga::Synchronous::kFull ? "FULL" : "NORMAL", o.finished, o.reps);
  std::printf("%6s %6s  %-24s %-24s %-24s %-24s %-22s %-18s %-18s %-16s\n", "W", "N", "sagas/s",
              "p50 ms", "p90 ms", "p99 ms", "CPU us/saga", "commits/saga", "order rows/commit",
              "RSS MiB");
  for (const Row& r : rows) {
    auto cell = [&](const char* m, const char* fmt) {
      const Stat& s = r.stats.at(m);
      char text[64];
      std::snprintf(text, sizeof text, fmt, s.median, s.min, s.max);
      return std::string(text);
    };
    std::printf("%6zu %6zu  %-24s %-24s %-24s %-24s %-22s %-18s %-18s %-16s\n", r.w, r.n,
                cell("sagas_per_s", "%.0f [%.0f..%.0f]").c_str(),
                cell("p50_ms", "%.2f [%.2f..%.2f]").c_str(),
                cell("p90_ms", "%.2f [%.2f..%.2f]").c_str(),
                cell("p99_ms", "%.2f [%.2f..%.2f]").c_str(),
                cell("cpu_us_per_saga", "%.0f [%.0f..%.0f]").c_str(),
                cell("commits_per_saga", "%.2f [%.2f..%.2f]").c_str(),
                cell("orders_per_commit", "%.1f [%.1f..%.1f]").c_str(),
                cell("rss_mib", "%.0f [%.0f..%.0f]").c_str());
    if (r.not_completed > 0) std::printf("        (%zu sagas did not complete)\n", r.not_completed);
  }
}

void print_ceilings(const Ceilings& c, const std::vector<Row>& rows) {
  std::printf("\nCeilings on this machine\n");
  std::printf("  SQLite single-row commits/s:       %.0f\n", c.full_commits_per_s);
  std::printf("  SQLite inserts/s in one txn:       %.0f\n", c.batched_inserts_per_s);
  std::printf("  ZeroMQ tcp round trips/s (1 i.f.): %.0f\n", c.zmq_round_trips_per_s);
  std::printf("  codec encode+decode per message:   %.2f us\n", c.codec_us_per_message);
  const double serial = serial_ceiling(c);
  const double batched = batched_ceiling(c);
  std::printf("  implied 6-step saga ceiling, serial (W=1): %.0f sagas/s\n", serial);
  std::printf("  implied 6-step saga ceiling, batched:      %.0f sagas/s\n", batched);
  for (const Row& r : rows) {
    const double rate = r.stats.at("sagas_per_s").median;
    std::printf(
        "  W=%zu: measured %.0f sagas/s = %.3f of the serial, %.4f of the batched ceiling\n", r.w,
        rate, rate / serial, rate / batched);
  }
}

void write_json(const Options& o, const std::vector<Row>& rows, const std::optional<Ceilings>& c) {
  std::ofstream out(o.json);
  out << "{\n  \"synchronous\": \""
      << (o.synchronous == saga::Synchronous::kFull ? "full" : "normal")
      << "\",\n  \"processes\": " << (o.processes ? "true" : "false")
      << ",\n  \"finished_sagas_in_store\": " << o.finished << ",\n  \"repetitions\": " << o.reps
      << ",\n  \"warmup\": " << o.warmup << ",\n  \"runs\": [\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    out << "    {\"w\": " << r.w << ", \"n\": " << r.n
        << ", \"not_completed\": " << r.not_completed;
    for (const auto& [name, s] : r.stats) {
      out << ", \"" << name << "\": {\"median\": " << s.median << ", \"min\": " << s.min
          << ", \"max\": " << s.max << "}";
    }
    out << "}" << (i + 1 < rows.size() ? "," : "") << "\n";
  }
  out << "  ]";
  if (c) {
    out << ",\n  \"ceilings\": {\"sqlite_commits_per_s\": " << c->full_commits_per_s
        << ", \"sqlite_batched_inserts_per_s\": " << c->batched_inserts_per_s
        << ", \"zmq_round_trips_per_s\": " << c->zmq_round_trips_per_s
        << ", \"codec_us_per_message\": " << c->codec_us_per_message
        << ", \"saga_ceiling_serial_per_s\": " << serial_ceiling(*c)
        << ", \"saga_ceiling_batched_per_s\": " << batched_ceiling(*c) << "}";
  }
  out << "\n}\n";
}

std::vector<std::size_t> parse_list(const std::string& text) {
  std::vector<std::size_t> values;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) values.push_back(std::stoul(item));
  return values;
}

int usage() {
  std::fprintf(stderr,
               "usage: create_order_bench [--w 1,16,256] [--n N] [--reps R] [--warmup N]\n"
               "                          [--synchronous full|normal] [--processes] [--ceilings]\n"
               "                          [--json FILE] [--finished F]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  Options o;
  std::string service;
  std::string bind;
  std::string db;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) std::exit(usage());
      return args[++i];
    };
    if (a == "--w") {
      o.w = parse_list(value());
    } else if (a == "--n") {
      o.n = std::stoul(value());
    } else if (a == "--reps") {
      o.reps = std::max<std::size_t>(1, std::stoul(value()));
    } else if (a == "--warmup") {
      o.warmup = std::stoul(value());
    } else if (a == "--synchronous") {
      const std::string s = value();
      if (s != "full" && s != "normal") return usage();
      o.synchronous = s == "full" ? saga::Synchronous::kFull : saga::Synchronous::kNormal;
    } else if (a == "--processes") {
      o.processes = true;
    } else if (a == "--ceilings") {
      o.ceilings = true;
    } else if (a == "--json") {
      o.json = value();
    } else if (a == "--finished") {
      o.finished = std::stoul(value());
    } else if (a == "--service") {  // child mode (--processes)
      service = value();
    } else if (a == "--bind") {
      bind = value();
    } else if (a == "--db") {
      db = value();
    } else {
      return usage();
    }
  }
  if (!service.empty()) {
    auto kind = ftgo::parse_service_kind(service);
    if (!kind) return usage();
    return ftgo::run_service_process(*kind, ftgo::ServiceOptions{bind, db, nullptr, o.synchronous});
  }

  std::optional<std::filesystem::path> template_dir;
  if (o.finished > 0) {
    template_dir = build_finished_template(o);
    o.template_db = (*template_dir / "orchestrator.db").string();
  }
  std::vector<Row> rows;
  for (std::size_t w : o.w) rows.push_back(measure(o, w));
  if (template_dir) {
    std::error_code ignored;
    std::filesystem::remove_all(*template_dir, ignored);
  }
  print_table(o, rows);
  std::optional<Ceilings> ceilings;
  if (o.ceilings) {
    ceilings = measure_ceilings(o.synchronous);
    print_ceilings(*ceilings, rows);
  }
  if (!o.json.empty()) write_json(o, rows, ceilings);
  return 0;
}
