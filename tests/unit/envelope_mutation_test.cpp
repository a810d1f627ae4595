// Goal: no input makes the decoder crash, throw or hang; valid input still decodes.
// Method: mutate encoded frames at random (bit flips, cuts, splices, inserted bytes) with a
// seed from GoogleTest's --gtest_random_seed (printed), and decode every mutant.
#include <gtest/gtest.h>

#include <array>
#include <random>
#include <string>

#include "saga/body_codec.h"
#include "saga/envelope.h"

namespace saga {
namespace {

struct Payload {
  std::string name;
  std::vector<std::int32_t> values;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(name), CEREAL_NVP(values));
  }
};

std::string mutate(std::string s, std::mt19937& rng) {
  std::uniform_int_distribution<int> op(0, 4);
  const int rounds = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < rounds; ++i) {
    std::size_t pos = s.empty() ? 0 : rng() % s.size();
    switch (op(rng)) {
      case 0:
        if (!s.empty()) s[pos] = static_cast<char>(s[pos] ^ (1 << (rng() % 8)));
        break;
      case 1:
        s = s.substr(0, pos);
        break;
      case 2:
        s.insert(pos, 1, static_cast<char>(rng() % 256));
        break;
      case 3:
        if (!s.empty()) s.erase(pos, 1 + rng() % 8);
        break;
      case 4:
        s.insert(pos, s.substr(rng() % (s.size() + 1), 16));
        break;
    }
  }
  return s;
}

TEST(EnvelopeMutationTest, MutatedFramesNeverCrashTheDecoder) {
  const unsigned seed = static_cast<unsigned>(::testing::UnitTest::GetInstance()->random_seed());
  std::printf("EnvelopeMutationTest seed: %u (rerun with --gtest_random_seed=%u)\n", seed, seed);
  std::mt19937 rng(seed);

  Envelope e;
  e.message_id = "s-1/1";
  e.saga_id = "s-1";
  e.saga_type = "create_order";
  e.step = "create_ticket";
  e.name = "CreateTicket";
  e.trace_id = "t";
  const std::string header = encode_header(e).value();
  const std::string binary = encode_body(Payload{"abc", {1, 2, 3}}).value();
  const std::string json = encode_body(Payload{"abc", {1, 2, 3}}, ContentType::kJson).value();

  int decoded = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string tag =
        (i % 17 == 0) ? mutate(std::string(kProtocolTag), rng) : std::string(kProtocolTag);
    std::string h = mutate(header, rng);
    Result<Envelope> out = decode(tag, h, "");
    if (out.is_ok()) {
      ++decoded;
      EXPECT_FALSE(out->message_id.empty());  // required fields survived
    }
    (void)decode_body<Payload>(mutate(binary, rng), ContentType::kCerealBinary);
    (void)decode_body<Payload>(mutate(json, rng), ContentType::kJson);
  }
  // Some mutants (e.g. a changed letter inside a value) are still valid messages.
  EXPECT_GT(decoded, 0);
}

}  // namespace
}  // namespace saga
