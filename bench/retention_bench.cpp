// Retention under load: the throughput cost of pruning and the size of the database files over
// a long run (docs/performance.md, "Retention").
//
//   retention_bench [--minutes M] [--w W] [--keep-s S] [--report-s R] [--mode off|on|both]
//
// The Create Order services (three participants on threads and the Order service with its
// engine, tcp on loopback, synchronous FULL) run a closed loop of happy-path orders, W in
// flight, for M minutes (default 4) without retention, then for M minutes with it on fresh
// files: a RetentionWorker on the engine's database (keep_finished S seconds, default 60, the
// smallest allowed; a round every 5 s) and inbox retention on every participant (inbox_keep
// S + 30 s, a round every 5 s, stated resend_horizon S seconds: the demo's policies retry a few
// times within seconds). Every R
// seconds (default 30) it prints the sagas/s of the last interval and the size of each
// database file with its WAL. At the end: the median sagas/s of each mode over the intervals
// after the first window (when pruning is due) and the largest total size in the second half.
// Prints the load average: the numbers mean little on a machine others are using.
#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "order_service.h"
#include "saga/retention.h"
#include "seed_data.h"
#include "service_host.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  double minutes = 4;
  std::size_t w = 16;
  int keep_s = 60;
  int report_s = 30;
  std::string mode = "both";
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "retention_bench: %s\n", what.c_str());
  std::exit(1);
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

std::uintmax_t size_of(const std::string& path) {
  std::uintmax_t total = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code ec;
    const auto n = std::filesystem::file_size(path + suffix, ec);
    if (!ec) total += n;
  }
  return total;
}

// Rows of `table` in the database `path` (read-only; -1 when it cannot be read).
long long rows(const std::string& path, const char* table) {
  try {
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    db.setBusyTimeout(1000);
    return db.execAndGet(std::string("SELECT count(*) FROM ") + table).getInt64();
  } catch (const std::exception&) {
    return -1;
  }
}

struct Interval {
  double sagas_per_s = 0;
  std::map<std::string, std::uintmax_t> sizes;  // file (with its WAL) -> bytes
  std::uintmax_t total = 0;
};

// Runs one mode; returns the intervals.
std::vector<Interval> run(const Options& o, bool retention) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("retention_bench." + std::to_string(getpid()) + (retention ? ".on" : ".off"));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const saga::Millis keep{o.keep_s * 1000};
  std::vector<std::string> files;
  ftgo::ServiceThreads threads;
  saga::ParticipantRegistry registry;
  auto with_inbox = [&](ftgo::ServiceOptions s) {
    if (retention) {
      s.resend_horizon = keep;
      s.inbox_keep = keep + saga::Millis{30'000};
      s.inbox_prune_interval = saga::Millis{5'000};
    }
    files.push_back(s.database_path);
    return s;
  };
  for (ftgo::ServiceKind kind : ftgo::kParticipantServices) {
    const std::string name(ftgo::to_string(kind));
    auto service = ftgo::open_service(
        kind, with_inbox(ftgo::ServiceOptions{"tcp://127.0.0.1:*", (dir / (name + ".db")).string(),
                                              nullptr, saga::Synchronous::kFull}));
    if (!service) die(name + ": " + service.status().to_string());
    if (saga::Status s = registry.add(name, threads.run(std::move(service).value())); !s) {
      die(s.to_string());
    }
  }
  ftgo::OrderServiceOptions order;
  order.participant = with_inbox(ftgo::ServiceOptions{
      "tcp://127.0.0.1:*", (dir / "orchestrator.db").string(), nullptr, saga::Synchronous::kFull});
  files.push_back(order.participant.database_path);  // the orders and the engine's tables
  order.registry = registry;
  auto service = ftgo::OrderService::open(std::move(order));
  if (!service) die("order service: " + service.status().to_string());
  ftgo::OrderService& s = *service.value();

  std::mutex mutex;
  std::condition_variable cv;
  std::size_t in_flight = 0;
  std::atomic<std::uint64_t> ended{0}, not_completed{0};
  s.engine().on_end([&](const saga::SagaInstance& i) {
    if (i.phase != saga::Phase::kCompleted) ++not_completed;
    ++ended;
    std::lock_guard lock(mutex);
    --in_flight;
    cv.notify_all();
  });
  if (saga::Status started = s.start(); !started) die("start: " + started.to_string());
  std::unique_ptr<saga::RetentionWorker> worker;
  if (retention) {
    saga::RetentionOptions r;
    r.database_path = (dir / "orchestrator.db").string();
    r.keep_finished = keep;
    r.interval = saga::Millis{5'000};
    r.log = [](saga::LogLevel, std::string_view) {};
    auto opened = saga::RetentionWorker::start(r);
    if (!opened) die("retention: " + opened.status().to_string());
    worker = std::move(opened).value();
  }

  std::vector<Interval> out;
  const auto begin = Clock::now();
  const auto end = begin + std::chrono::milliseconds(static_cast<long>(o.minutes * 60'000));
  auto next_report = begin + std::chrono::seconds(o.report_s);
  std::uint64_t ended_at_report = 0;
  auto last_report = begin;
  std::int64_t order_id = 1;
  std::vector<std::future<saga::Result<std::string>>> starts;
  while (Clock::now() < end) {
    {
      std::unique_lock lock(mutex);
      cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return in_flight < o.w; });
      if (in_flight >= o.w) continue;
      ++in_flight;
    }
    ftgo::OrderRequest request;
    request.order_id = order_id++;
    request.consumer_id = ftgo::kConsumerAda;
    request.restaurant_id = ftgo::kRestaurantAjanta;
    request.line_items = {{"vindaloo", 2}, {"naan", 1}};
    request.total_cents = 2940;
    starts.push_back(s.create_order_async(request));
    if (starts.size() > 4 * o.w) {
      for (auto& f : starts) {
        if (auto r = f.get(); !r) die("start: " + r.status().to_string());
      }
      starts.clear();
    }
    if (Clock::now() >= next_report) {
      const auto now = Clock::now();
      Interval i;
      const std::uint64_t done = ended.load();
      i.sagas_per_s = static_cast<double>(done - ended_at_report) /
                      std::chrono::duration<double>(now - last_report).count();
      ended_at_report = done;
      last_report = now;
      next_report += std::chrono::seconds(o.report_s);
      for (const std::string& f : files) {
        i.sizes[std::filesystem::path(f).filename().string()] = size_of(f);
        i.total += size_of(f);
      }
      std::fprintf(stderr, "  %s %4.0f s: %6.0f sagas/s, files %6.1f MiB (",
                   retention ? "on " : "off", std::chrono::duration<double>(now - begin).count(),
                   i.sagas_per_s, static_cast<double>(i.total) / (1 << 20));
      for (const auto& [name, bytes] : i.sizes) {
        std::fprintf(stderr, " %s %.1f", name.c_str(), static_cast<double>(bytes) / (1 << 20));
      }
      std::fprintf(stderr, "), load %s\n", load_average().c_str());
      std::fprintf(stderr, "        rows: engine sagas %lld, history %lld; inbox (barrier)",
                   rows(files.back(), "saga_instances"), rows(files.back(), "saga_history"));
      for (std::size_t k = 0; k + 1 < files.size(); ++k) {
        std::fprintf(stderr, " %s %lld (%lld)",
                     std::filesystem::path(files[k]).stem().string().c_str(),
                     rows(files[k], "saga_inbox"), rows(files[k], "saga_barrier"));
      }
      std::fprintf(stderr, "\n");
      out.push_back(std::move(i));
    }
  }
  for (auto& f : starts) (void)f.get();
  {
    std::unique_lock lock(mutex);
    cv.wait_for(lock, std::chrono::seconds(60), [&] { return in_flight == 0; });
  }
  if (worker) {
    const saga::RetentionStats st = worker->stats();
    std::fprintf(stderr, "  retention: %llu sagas deleted in %llu batches, %llu errors\n",
                 static_cast<unsigned long long>(st.deleted),
                 static_cast<unsigned long long>(st.batches),
                 static_cast<unsigned long long>(st.errors));
    worker.reset();
  }
  std::fprintf(stderr, "  %llu sagas ended, %llu not completed\n",
               static_cast<unsigned long long>(ended.load()),
               static_cast<unsigned long long>(not_completed.load()));
  s.engine().on_end(nullptr);
  s.stop();
  threads.stop();
  service.value().reset();
  std::filesystem::remove_all(dir);
  return out;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// Median sagas/s of the intervals after the first retention window (pruning is due then).
double steady_rate(const Options& o, const std::vector<Interval>& v) {
  std::vector<double> rates;
  for (std::size_t k = 0; k < v.size(); ++k) {
    if (static_cast<int>((k + 1) * static_cast<std::size_t>(o.report_s)) > o.keep_s + 30) {
      rates.push_back(v[k].sagas_per_s);
    }
  }
  return median(rates);
}

std::uintmax_t late_max_size(const std::vector<Interval>& v) {
  std::uintmax_t m = 0;
  for (std::size_t k = v.size() / 2; k < v.size(); ++k) m = std::max(m, v[k].total);
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--minutes") {
      o.minutes = std::stod(value);
    } else if (flag == "--w") {
      o.w = std::stoul(value);
    } else if (flag == "--keep-s") {
      o.keep_s = std::stoi(value);
    } else if (flag == "--report-s") {
      o.report_s = std::stoi(value);
    } else if (flag == "--mode") {
      o.mode = value;
    } else {
      die("unknown flag " + flag);
    }
  }
  if (o.keep_s < 60) die("--keep-s: at least 60 (RetentionOptions::keep_finished)");
  std::fprintf(stderr, "retention_bench: W=%zu, %.1f min per mode, keep %d s, load %s, %u cores\n",
               o.w, o.minutes, o.keep_s, load_average().c_str(),
               std::thread::hardware_concurrency());
  std::vector<Interval> off, on;
  if (o.mode != "on") off = run(o, false);
  if (o.mode != "off") on = run(o, true);
  std::printf("mode  steady sagas/s  largest size, 2nd half (MiB)  final size (MiB)\n");
  for (const auto& [name, v] : {std::pair{"off", &off}, std::pair{"on", &on}}) {
    if (v->empty()) continue;
    std::printf("%-4s  %14.0f  %28.1f  %16.1f\n", name, steady_rate(o, *v),
                static_cast<double>(late_max_size(*v)) / (1 << 20),
                static_cast<double>(v->back().total) / (1 << 20));
  }
  if (!off.empty() && !on.empty() && steady_rate(o, off) > 0) {
    std::printf("retention costs %.1f %% of the throughput; load at the end %s\n",
                100.0 * (1 - steady_rate(o, on) / steady_rate(o, off)), load_average().c_str());
  }
  return 0;
}
