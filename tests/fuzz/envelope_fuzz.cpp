// libFuzzer target: the saga/1 decoder and both body decoders on arbitrary bytes.
// Build and run: docs/testing.md, "Fuzzing" (clang-14 + libclang-rt-14-dev, -DSAGA_FUZZ=ON).
// The input is split into three frames at the first two 0xff bytes (fuzz_input.h).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_input.h"
#include "saga/body_codec.h"
#include "saga/envelope.h"

namespace {

struct Payload {
  std::string name;
  std::vector<std::int64_t> values;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(name), CEREAL_NVP(values));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::string_view> frames = saga::fuzz::split_frames(data, size);
  (void)saga::decode(frames);
  (void)saga::decode_body<Payload>(frames.back(), saga::ContentType::kCerealBinary);
  (void)saga::decode_body<Payload>(frames.back(), saga::ContentType::kJson);
  return 0;
}
