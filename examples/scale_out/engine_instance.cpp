// One orchestrator instance of the scale-out example (engine_instance.h).
#include "engine_instance.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "saga/engine.h"
#include "saga/zmq_transport.h"
#include "transfer_saga.h"

namespace saga::transfer {

void run_engine_instance(const EngineInstance& in) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlives the program that started it
  const std::string name = "engine-" + std::to_string(in.index);
  std::FILE* log = std::fopen((in.dir + "/" + name + ".log").c_str(), "w");
  if (log == nullptr) _exit(2);
  ParticipantRegistry registry;
  if (!registry.add("bank", "ipc://" + in.dir + "/bank.sock") ||
      !registry.add("shipping", "ipc://" + in.dir + "/shipping.sock")) {
    _exit(2);
  }
  ZmqTransportOptions t;
  t.registry = std::move(registry);
  auto transport = make_zmq_transport(std::move(t));
  if (!transport) _exit(3);
  EngineOptions o;
  o.database_path = in.url;  // "postgresql://saga@db.internal/orders", or any libpq URI
  o.transport = std::move(transport).value();
  o.instance_name = name;  // the owner shown on its saga rows
  o.lease = in.lease;      // how long its sagas stay its own unrenewed (default 10 s)
  o.claim_batch = 16;      // sagas of dead instances claimed per renewal (default 64)
  o.log_level = LogLevel::kInfo;
  o.log = [log](LogLevel, std::string_view line) {
    std::fprintf(log, "%.*s\n", static_cast<int>(line.size()), line.data());
    std::fflush(log);
  };
  auto engine = Engine::open(std::move(o));
  if (!engine) {
    std::fprintf(log, "open: %s\n", engine.status().to_string().c_str());
    _exit(4);
  }
  if (!(*engine)->register_definition(definition(Millis{10'000})) || !(*engine)->start()) {
    _exit(5);
  }
  for (std::int64_t order = in.first_order; order < in.first_order + in.orders; ++order) {
    StartOptions start;
    start.id = "t-" + std::to_string(order);
    for (;;) {
      auto id = (*engine)->start_saga_with("transfer", TransferData{order, 10 * order}, start);
      if (id || id.status().code() == StatusCode::kAlreadyExists) break;
      std::fprintf(log, "start %s: %s\n", start.id.c_str(), id.status().to_string().c_str());
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (in.start_interval.count() > 0) std::this_thread::sleep_for(in.start_interval);
  }
  std::fclose(std::fopen((in.dir + "/started-" + std::to_string(in.index)).c_str(), "w"));
  for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
}

}  // namespace saga::transfer
