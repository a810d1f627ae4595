// Micro-benchmarks of the saga/1 codec: header encode + decode per message, and typed bodies in
// both encodings. Run: build/bench/codec_bench (see docs/protocol.md for the figures).
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <string>

#include "ftgo/messages.h"
#include "saga/body_codec.h"
#include "saga/envelope.h"

namespace {

// FTGO's Kitchen command (saga::ftgo), as the Create Order saga sends it.
ftgo::CreateTicket create_ticket() {
  return ftgo::CreateTicket{7, 99, {{"samosa", 2}, {"chai", 1}}};
}

saga::Envelope command() {
  saga::Envelope e;
  e.message_id = "5b0c2f9e8d7a41c6b3e2d1f0a9b8c7d6/3";
  e.saga_id = "5b0c2f9e8d7a41c6b3e2d1f0a9b8c7d6";
  e.saga_type = "create_order";
  e.step = "create_ticket";
  e.name = "CreateTicket";
  e.trace_id = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
  e.body = saga::encode_body(create_ticket()).value();
  return e;
}

void BM_HeaderEncodeDecode(benchmark::State& state) {
  const saga::Envelope e = command();
  for (auto _ : state) {
    std::string header = saga::encode_header(e).value();
    auto decoded = saga::decode(saga::kProtocolTag, header, e.body);
    benchmark::DoNotOptimize(decoded);
  }
}
BENCHMARK(BM_HeaderEncodeDecode);

void BM_HeaderDecode(benchmark::State& state) {
  const saga::Envelope e = command();
  const std::string header = saga::encode_header(e).value();
  for (auto _ : state) {
    auto decoded = saga::decode(saga::kProtocolTag, header, e.body);
    benchmark::DoNotOptimize(decoded);
  }
}
BENCHMARK(BM_HeaderDecode);

void BM_BodyRoundTrip(benchmark::State& state) {
  const auto type = static_cast<saga::ContentType>(state.range(0));
  const ftgo::CreateTicket value = create_ticket();
  for (auto _ : state) {
    std::string bytes = saga::encode_body(value, type).value();
    auto back = saga::decode_body<ftgo::CreateTicket>(bytes, type);
    benchmark::DoNotOptimize(back);
  }
}
BENCHMARK(BM_BodyRoundTrip)
    ->Arg(static_cast<int>(saga::ContentType::kCerealBinary))
    ->Arg(static_cast<int>(saga::ContentType::kJson));

}  // namespace

BENCHMARK_MAIN();
