// The measured runs of create_order_bench: the deployment of one repetition, the closed loop,
// one run, W's repetitions, and the store with finished sagas for --finished (growth).
#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "bench_support.h"
#include "create_order_bench.h"
#include "order_service.h"
#include "order_writer.h"
#include "seed_data.h"
#include "service_host.h"
#include "store/sqlite_saga_store.h"
#include "sync_timer.h"

namespace create_order_bench {
namespace {

using bench::child_cpu_seconds;
using bench::self_cpu_seconds;
using bench::status_kib;

// Small enough that the default run (W 1, 16, 256; 3 repetitions) takes about a minute, large
// enough that W=256 and W=4096 turn the window over several times.
std::size_t sagas_for(const Options& o, std::size_t w) {
  if (o.n) return *o.n;
  if (w == 1) return 100;
  return std::max<std::size_t>(2000, 4 * w);
}

// fsync: the file's pages are on disk when this returns.
void sync_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return;  // the run then fails on the missing file itself
  ::fsync(fd);
  ::close(fd);
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(rank, v.size() - 1)];
}

Stat summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  Stat s;
  s.min = v.front();
  s.max = v.back();
  s.median = v.size() % 2 == 1 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  return s;
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
    // One file: orders, inbox and the engine's tables (the Order service's atomic start).
    order.participant =
        ftgo::ServiceOptions{"tcp://127.0.0.1:*", dir + "/orchestrator.db", nullptr, o.synchronous};
    order.registry = registry;
    order.synchronous = o.synchronous;
    order.parallel = o.parallel;
    order.delivery = o.delivery;
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

  bench::KernelCounters kernel_counters() const {
    bench::KernelCounters total = bench::kernel_counters();
    for (const ftgo::ChildProcess& c : children_) total += bench::kernel_counters(c.pid);
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
    if (!instance.parent_id.empty()) return;  // a child saga (--delivery): its order counts
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

}  // namespace

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
    if (saga::Status started = deployment.service().start(); !started) {
      die("start: " + started.to_string());
    }
    if (o.warmup > 0) loop.run(1, o.warmup, std::min(w, o.warmup));
    const saga::EngineStats before = deployment.service().engine().stats();
    const double cpu_before = deployment.cpu_seconds();
    const bench::KernelCounters kernel_before = deployment.kernel_counters();
    const double engine_cpu_before = bench::thread_cpu_seconds("saga-engine");
    const ftgo::OrderWriter& writer = deployment.service().order_writer();
    const std::size_t order_commits_before = writer.commits();
    const std::size_t orders_before = writer.orders_committed();
    bench::SyncTimer::reset();
    const auto begin = Clock::now();
    std::vector<double> latencies = loop.run(static_cast<std::int64_t>(o.warmup) + 1, n, w);
    const double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
    const double cpu = deployment.cpu_seconds() - cpu_before;
    const bench::KernelCounters kernel = deployment.kernel_counters() - kernel_before;
    const double engine_cpu = bench::thread_cpu_seconds("saga-engine") - engine_cpu_before;
    const bench::SyncStats syncs = bench::SyncTimer::stats();
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
    r.cores_used = cpu / seconds;
    r.engine_cpu_us_per_saga = engine_cpu / sagas * 1e6;
    r.engine_busy = engine_cpu / seconds;
    r.switches_per_saga = kernel.voluntary_switches / sagas;
    r.syscalls_per_saga = (kernel.read_calls + kernel.write_calls) / sagas;
    r.written_kib_per_saga = kernel.written_bytes / 1024 / sagas;
    const auto commits = static_cast<double>(after.commits - before.commits);
    r.commits_per_saga = commits / sagas;
    r.inputs_per_commit =
        commits > 0
            ? static_cast<double>(after.inputs_committed - before.inputs_committed) / commits
            : 0;
    r.syncs_per_saga = static_cast<double>(syncs.syncs) / sagas;
    r.sync_ms_median = syncs.median_ms;
    r.sync_ms_per_saga = syncs.total_ms / sagas;
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
    if (saga::Status started = deployment.service().start(); !started) {
      die("start: " + started.to_string());
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
    values["cores_used"].push_back(r.cores_used);
    values["engine_cpu_us_per_saga"].push_back(r.engine_cpu_us_per_saga);
    values["engine_busy"].push_back(r.engine_busy);
    values["commits_per_saga"].push_back(r.commits_per_saga);
    values["inputs_per_commit"].push_back(r.inputs_per_commit);
    values["orders_per_commit"].push_back(r.orders_per_commit);
    values["rss_mib"].push_back(r.rss_mib);
    values["syncs_per_saga"].push_back(r.syncs_per_saga);
    values["sync_ms_median"].push_back(r.sync_ms_median);
    values["sync_ms_per_saga"].push_back(r.sync_ms_per_saga);
    values["switches_per_saga"].push_back(r.switches_per_saga);
    values["syscalls_per_saga"].push_back(r.syscalls_per_saga);
    values["written_kib_per_saga"].push_back(r.written_kib_per_saga);
    row.not_completed += r.not_completed;
    std::fprintf(
        stderr,
        "  W=%zu rep %zu: %.0f sagas/s, p50 %.2f ms, %.0f us CPU/saga (%.2f cores busy; engine "
        "thread %.0f us/saga, %.2f busy), "
        "engine %.2f inputs/commit, orders %.2f rows/commit; per saga %.1f switches, "
        "%.1f read/write calls, %.1f KiB written\n",
        w, rep + 1, r.sagas_per_s, r.p50_ms, r.cpu_us_per_saga, r.cores_used,
        r.engine_cpu_us_per_saga, r.engine_busy, r.inputs_per_commit, r.orders_per_commit,
        r.switches_per_saga, r.syscalls_per_saga, r.written_kib_per_saga);
  }
  for (const char* m : kMetrics) row.stats[m] = summarize(values[m]);
  return row;
}

}  // namespace create_order_bench
