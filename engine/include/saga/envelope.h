// The saga/1 message: an Envelope (header fields plus body bytes) and its wire form.
//
// On the wire a message is exactly three ZeroMQ frames: the ASCII tag "saga/1", a UTF-8 JSON
// header object, and the body bytes (encoded as the header's content_type says; may be empty).
// docs/protocol.md is the normative description; this header is its C++ form.
//
// Decoding never throws and never aborts: anything that is not valid saga/1 comes back as a
// kMalformed Status whose message names the problem ("header: missing field 'saga_id'").
// Unknown header fields are ignored. All functions here are pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "saga/status.h"

namespace saga {

inline constexpr std::string_view kProtocolTag = "saga/1";

// Stored and compared: explicit numbers.
// kEvent: an external event for a saga's wait step, sent to the orchestrator's events endpoint
// (docs/protocol.md, "Events"); the orchestrator answers it with a reply.
enum class MessageKind : std::uint8_t { kCommand = 1, kReply = 2, kEvent = 3 };
enum class Outcome : std::uint8_t { kSuccess = 1, kFailure = 2 };
enum class ContentType : std::uint8_t { kCerealBinary = 1, kJson = 2 };

// Wire names: "command"/"reply"/"event", "success"/"failure",
// "application/x-cereal-portable-binary"/"application/json".
std::string_view to_string(MessageKind kind);
std::string_view to_string(Outcome outcome);
std::string_view to_string(ContentType type);

// One saga/1 message. Fields that do not apply to the kind are left empty and not encoded.
struct Envelope {
  MessageKind kind = MessageKind::kCommand;
  std::string message_id;  // unique per logical message; a resent command keeps it
  std::string saga_id;
  std::string name;  // command name (CreateTicket) or reply type (TicketCreated)

  // Commands only.
  std::string saga_type;
  std::string step;
  bool compensation = false;
  std::uint32_t attempt = 1;  // delivery attempt of this message_id, from 1

  // Replies only.
  std::string correlation_id;  // message_id of the command answered
  Outcome outcome = Outcome::kSuccess;
  std::string reason;  // on failure: short machine-readable reason

  // Events only: the saga's correlation key, when saga_id is empty (exactly one is set).
  std::string event_key;

  ContentType content_type = ContentType::kCerealBinary;
  std::string trace_id;  // optional; passed on unchanged
  std::string body;      // payload bytes, encoded per content_type

  // Not on the wire: where a transport received the message (its peer's routing id), so that
  // Transport::answer can reply on the same connection. Empty for messages made locally.
  std::string route;

  friend bool operator==(const Envelope&, const Envelope&) = default;
};

// Bounds applied while decoding; a frame over its bound is rejected before it is parsed.
struct DecodeLimits {
  std::size_t max_header_bytes = 64 * 1024;
  std::size_t max_body_bytes = 16 * 1024 * 1024;
};

// The header frame (frame 2) of `envelope`. Fails with kInvalidArgument when a required field
// is empty or a string is not valid UTF-8.
Result<std::string> encode_header(const Envelope& envelope);

// Decodes the three frames tag, header, body. `frames.size()` other than 3 is malformed.
Result<Envelope> decode(std::span<const std::string_view> frames, const DecodeLimits& limits = {});

// The same, with the frames given one by one.
Result<Envelope> decode(std::string_view tag, std::string_view header, std::string_view body,
                        const DecodeLimits& limits = {});

// A reply to `command`: kind, correlation_id, saga_id, trace_id and content_type filled in.
// The caller sets name, outcome, reason, body and a fresh message_id.
Envelope make_reply_to(const Envelope& command);

}  // namespace saga
