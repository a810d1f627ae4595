// libFuzzer target: a participant's command decoding, as participants/src/participant.cpp does
// it: the three frames decoded with the participant's limits (64 KiB header), a command kept,
// its body decoded as the handler's type that the command's name selects (the FTGO commands)
// in the content type the header names. Property: a command that decodes keeps its ids
// non-empty (the participant's inbox is keyed by message_id and replies to it).
// The input is split into frames at the first two 0xff bytes (fuzz_input.h).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ftgo/messages.h"
#include "fuzz_input.h"
#include "saga/body_codec.h"
#include "saga/envelope.h"

namespace {

template <typename T>
void decode_as(const saga::Envelope& command) {
  if (command.name == T::kMessageName) {
    (void)saga::decode_body<T>(command.body, command.content_type);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::string_view> frames = saga::fuzz::split_frames(data, size);
  if (frames.size() != 3) return 0;
  saga::Result<saga::Envelope> decoded =
      saga::decode(frames[0], frames[1], frames[2], saga::DecodeLimits{64 * 1024, 1024 * 1024});
  if (!decoded || decoded.value().kind != saga::MessageKind::kCommand) return 0;
  const saga::Envelope& command = decoded.value();
  if (command.message_id.empty() || command.saga_id.empty()) {
    saga::fuzz::property_failed("a command without message_id or saga_id decoded");
  }
  decode_as<ftgo::ValidateOrderByConsumer>(command);
  decode_as<ftgo::CreateTicket>(command);
  decode_as<ftgo::CancelCreateTicket>(command);
  decode_as<ftgo::ConfirmCreateTicket>(command);
  decode_as<ftgo::AuthorizeCard>(command);
  decode_as<ftgo::ApproveOrder>(command);
  decode_as<ftgo::RejectOrder>(command);
  decode_as<ftgo::BeginReviseOrder>(command);
  return 0;
}
