// The building blocks' ceilings of create_order_bench (--ceilings): SQLite commits and batched
// inserts, ZeroMQ round trips, the codec, and what they imply for a 6-step saga.
#include <SQLiteCpp/SQLiteCpp.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "create_order_bench.h"
#include "saga/envelope.h"

namespace create_order_bench {
namespace {

template <typename F>
double per_second(std::size_t count, F&& body) {
  const auto begin = Clock::now();
  for (std::size_t i = 0; i < count; ++i) body(i);
  return static_cast<double>(count) / std::chrono::duration<double>(Clock::now() - begin).count();
}

// Like per_second, and also the median duration of one call, in ms.
template <typename F>
double per_second(std::size_t count, F&& body, double& median_ms) {
  std::vector<double> ms;
  ms.reserve(count);
  const double rate = per_second(count, [&](std::size_t i) {
    const auto begin = Clock::now();
    body(i);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - begin).count());
  });
  std::nth_element(ms.begin(), ms.begin() + static_cast<std::ptrdiff_t>(ms.size() / 2), ms.end());
  median_ms = ms[ms.size() / 2];
  return rate;
}

}  // namespace

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
    c.full_commits_per_s = per_second(
        1000,
        [&](std::size_t) {
          SQLite::Transaction transaction(db);
          insert.bind(1, value.data(), static_cast<int>(value.size()));
          insert.exec();
          insert.reset();
          transaction.commit();
        },
        c.commit_ms_median);
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
  c.zmq_round_trips_per_s = per_second(20'000, ping, c.round_trip_ms_median);
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

double durable_floor_ms(const Ceilings& c, const Row& single) {
  return single.stats.at("syncs_per_saga").median * single.stats.at("sync_ms_median").median +
         kRoundTrips * c.round_trip_ms_median + kCodecMessages * c.codec_us_per_message / 1e3;
}

double batched_ceiling(const Ceilings& c) {
  const double seconds =
      kRowsPerSaga / c.batched_inserts_per_s + kCodecMessages * c.codec_us_per_message / 1e6;
  return 1.0 / seconds;
}

}  // namespace create_order_bench
