// libFuzzer target: the saga/1 decoder and both body decoders on arbitrary bytes.
// Build with clang (Debian clang-14 + libclang-rt-14-dev):
//   CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DSAGA_FUZZ=ON
//   cmake --build build-fuzz --target envelope_fuzz && build-fuzz/tests/fuzz/envelope_fuzz
// The input is split into three frames at the first two 0xff bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> frames;
  while (frames.size() < 2) {
    const std::size_t cut = input.find('\xff');
    if (cut == std::string_view::npos) break;
    frames.push_back(input.substr(0, cut));
    input.remove_prefix(cut + 1);
  }
  frames.push_back(input);
  (void)saga::decode(frames);
  (void)saga::decode_body<Payload>(frames.back(), saga::ContentType::kCerealBinary);
  (void)saga::decode_body<Payload>(frames.back(), saga::ContentType::kJson);
  return 0;
}
