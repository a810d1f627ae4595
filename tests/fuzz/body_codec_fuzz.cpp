// libFuzzer target: the body codecs (cereal portable binary and JSON, saga/body_codec.h) on
// arbitrary bytes, decoding as the FTGO domain's largest types (nested vectors and strings).
// Property: whatever decodes re-encodes, and that encoding decodes to the same value.
// The first byte picks the type and the codec; the rest is the body.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ftgo/messages.h"
#include "fuzz_input.h"
#include "saga/body_codec.h"

namespace {

template <typename T>
void round_trip(std::string_view bytes, saga::ContentType type) {
  saga::Result<T> decoded = saga::decode_body<T>(bytes, type);
  if (!decoded) return;
  saga::Result<std::string> encoded = saga::encode_body(decoded.value(), type);
  if (!encoded) saga::fuzz::property_failed("a decoded value does not encode");
  saga::Result<T> again = saga::decode_body<T>(encoded.value(), type);
  if (!again) saga::fuzz::property_failed("an encoded value does not decode");
  if (!(again.value() == decoded.value())) saga::fuzz::property_failed("round trip changed it");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t pick = data[0];
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  const saga::ContentType type =
      (pick & 1) != 0 ? saga::ContentType::kJson : saga::ContentType::kCerealBinary;
  switch ((pick >> 1) % 4) {
    case 0:
      round_trip<ftgo::CreateOrderData>(body, type);
      break;
    case 1:
      round_trip<ftgo::ReviseOrderData>(body, type);
      break;
    case 2:
      round_trip<ftgo::CreateTicket>(body, type);
      break;
    default:
      round_trip<ftgo::CardDeclined>(body, type);
      break;
  }
  return 0;
}
