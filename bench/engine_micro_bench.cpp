// Micro-benchmarks of the engine's two inner costs: decide() for one reply on the FTGO
// definition (pure CPU), and one store commit of a batch of K transitions (instance update,
// history entry, outbox row each) with synchronous FULL and NORMAL. Run:
// build/bench/engine_micro_bench (figures in docs/performance.md).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "saga/decide.h"
#include "saga/testing/ftgo_definition.h"
#include "store/sqlite_saga_store.h"

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "engine_micro_bench: %s\n", what.c_str());
  std::abort();
}

saga::SagaInstance new_instance(const saga::SagaDefinition& definition, const std::string& id) {
  saga::SagaInstance instance;
  instance.id = id;
  instance.type = definition.name;
  instance.version = definition.version;
  instance.fingerprint = saga::fingerprint(definition);
  instance.data = "order-42";
  instance.trace_id = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
  return instance;
}

// The instance waiting for its first reply, and that reply.
struct Waiting {
  saga::SagaInstance instance;
  saga::OutgoingCommand command;  // the one the instance waits on (its outbox row)
  saga::Envelope reply;
};

Waiting started(const saga::SagaDefinition& definition, const std::string& id) {
  saga::Input start;
  start.kind = saga::InputKind::kStart;
  start.now = saga::Millis{1'000};
  auto decision = saga::decide(definition, new_instance(definition, id), start);
  if (!decision || !decision.value().command) fail("start did not produce a command");
  Waiting w;
  w.instance = decision.value().next;
  w.command = *decision.value().command;
  w.reply = saga::make_reply_to(decision.value().command->envelope);
  w.reply.message_id = id + "/reply";
  w.reply.name = "ConsumerVerified";
  w.reply.outcome = saga::Outcome::kSuccess;
  return w;
}

void BM_DecideOneReply(benchmark::State& state) {
  const auto definition = saga::testing::ftgo_definition();
  const Waiting w = started(*definition, "5b0c2f9e8d7a41c6b3e2d1f0a9b8c7d6");
  saga::Input input;
  input.kind = saga::InputKind::kReply;
  input.now = saga::Millis{1'005};
  input.reply = &w.reply;
  for (auto _ : state) {
    auto decision = saga::decide(*definition, w.instance, input);
    benchmark::DoNotOptimize(decision);
  }
  auto check = saga::decide(*definition, w.instance, input);
  if (!check || !check.value().applied || !check.value().command) fail("reply was not applied");
}
BENCHMARK(BM_DecideOneReply);

// One commit of K transitions (each: update, history entry, outbox put), like a batch of K
// replies. range(0) = K, range(1) = synchronous (1 NORMAL, 2 FULL).
void BM_StoreCommitBatch(benchmark::State& state) {
  const auto k = static_cast<std::size_t>(state.range(0));
  const auto synchronous = static_cast<saga::Synchronous>(state.range(1));
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("engine_micro_bench." + std::to_string(getpid()) + "." +
                                     std::to_string(k) + "." + std::to_string(state.range(1)));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    saga::StoreOptions options;
    options.path = (dir / "engine.db").string();
    options.synchronous = synchronous;
    auto store = saga::SqliteSagaStore::open(options);
    if (!store) fail(store.status().to_string());
    const auto definition = saga::testing::ftgo_definition();
    std::vector<Waiting> sagas;
    saga::StoreBatch inserts;
    for (std::size_t i = 0; i < k; ++i) {
      sagas.push_back(started(*definition, "saga-" + std::to_string(i)));
      inserts.inserts.push_back(sagas.back().instance);
    }
    if (saga::Status s = store.value()->commit(inserts); !s) fail(s.to_string());
    std::int64_t row_version = 1;
    for (auto _ : state) {
      saga::StoreBatch batch;
      for (const Waiting& w : sagas) {
        saga::SagaInstance next = w.instance;
        next.row_version = row_version;
        batch.updates.push_back(std::move(next));
        saga::HistoryEntry entry;
        entry.event = saga::Event::kStepSucceeded;
        entry.step = 1;
        entry.attempt = 1;
        entry.time = saga::Millis{1'005};
        entry.reply_name = "ConsumerVerified";
        batch.history.emplace_back(w.instance.id, std::move(entry));
        saga::OutboxEntry outbox;
        outbox.saga_id = w.instance.id;
        outbox.participant = w.command.participant;
        outbox.envelope = w.command.envelope;
        batch.outbox_put.push_back(std::move(outbox));
      }
      if (saga::Status s = store.value()->commit(batch); !s) fail(s.to_string());
      ++row_version;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * k));
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_StoreCommitBatch)
    ->ArgsProduct({{1, 16, 256},
                   {static_cast<int>(saga::Synchronous::kNormal),
                    static_cast<int>(saga::Synchronous::kFull)}})
    ->ArgNames({"K", "sync"})
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
