// saga/1 header codec. The one file that parses and writes header JSON (rapidjson).
#include "saga/envelope.h"

// cereal's json.hpp sets rapidjson's assertion to throw; include it first so that every
// translation unit sees rapidjson configured the same way.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <cereal/archives/json.hpp>
#include <cstdint>
#include <cstring>
#include <optional>

namespace saga {

std::string_view to_string(MessageKind kind) {
  return kind == MessageKind::kCommand ? "command"
         : kind == MessageKind::kEvent ? "event"
                                       : "reply";
}
std::string_view to_string(Outcome outcome) {
  return outcome == Outcome::kSuccess ? "success" : "failure";
}
std::string_view to_string(ContentType type) {
  return type == ContentType::kJson ? "application/json" : "application/x-cereal-portable-binary";
}

namespace {

// True when `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, at most
// U+10FFFF). One pass with an ASCII fast path: rapidjson's own validating writer and reader
// check byte by byte through a transcoder and cost more than the rest of the codec together
// (callgrind of create_order_bench: ParseString alone was 9% of every instruction).
bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* const end = p + s.size();
  while (p < end) {
    if (end - p >= 8) {  // eight ASCII bytes at a time
      std::uint64_t word = 0;
      std::memcpy(&word, p, sizeof word);
      if ((word & 0x8080808080808080ULL) == 0) {
        p += 8;
        continue;
      }
    }
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (static_cast<std::size_t>(end - p) <= n) return false;
    for (std::size_t i = 1; i <= n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    const std::uint32_t min = n == 1 ? 0x80 : n == 2 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    p += n + 1;
  }
  return true;
}

// Strings are checked by valid_utf8 before they are written.
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

bool write_string(Writer& w, const char* key, const std::string& value) {
  return valid_utf8(value) && w.Key(key) &&
         w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

Status require(bool present, std::string_view field) {
  if (present) return Status::ok();
  return invalid_argument("encode header: empty required field '" + std::string(field) + "'");
}

Status check_required(const Envelope& e) {
  Status s = require(!e.message_id.empty(), "message_id");
  if (e.kind == MessageKind::kEvent) {
    if (s) s = require(!e.name.empty(), "name");
    if (s && e.saga_id.empty() == e.event_key.empty()) {
      return invalid_argument("encode header: an event needs exactly one of saga_id and event_key");
    }
    return s;
  }
  if (s) s = require(!e.saga_id.empty(), "saga_id");
  if (s) s = require(!e.name.empty(), "name");
  if (e.kind == MessageKind::kCommand) {
    if (s) s = require(!e.saga_type.empty(), "saga_type");
    if (s) s = require(!e.step.empty(), "step");
    if (s) s = require(e.attempt >= 1, "attempt");
  } else {
    if (s) s = require(!e.correlation_id.empty(), "correlation_id");
  }
  return s;
}

}  // namespace

Result<std::string> encode_header(const Envelope& e) {
  if (Status s = check_required(e); !s) return s;
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  bool ok = w.StartObject() && w.Key("kind") && w.String(to_string(e.kind).data()) &&
            write_string(w, "message_id", e.message_id);
  if (!e.saga_id.empty() || e.kind != MessageKind::kEvent) {
    ok = ok && write_string(w, "saga_id", e.saga_id);
  }
  if (e.kind == MessageKind::kEvent) {
    ok = ok && write_string(w, "name", e.name);
    if (!e.event_key.empty()) ok = ok && write_string(w, "event_key", e.event_key);
  } else if (e.kind == MessageKind::kCommand) {
    ok = ok && write_string(w, "saga_type", e.saga_type) && write_string(w, "step", e.step) &&
         write_string(w, "name", e.name) && w.Key("compensation") && w.Bool(e.compensation) &&
         w.Key("attempt") && w.Uint(e.attempt);
  } else {
    ok = ok && write_string(w, "name", e.name) &&
         write_string(w, "correlation_id", e.correlation_id) && w.Key("outcome") &&
         w.String(to_string(e.outcome).data());
    if (e.outcome == Outcome::kFailure) ok = ok && write_string(w, "reason", e.reason);
  }
  ok = ok && w.Key("content_type") && w.String(to_string(e.content_type).data());
  if (!e.trace_id.empty()) ok = ok && write_string(w, "trace_id", e.trace_id);
  ok = ok && w.EndObject();
  if (!ok) return invalid_argument("encode header: a field is not valid UTF-8");
  return std::string(buffer.GetString(), buffer.GetSize());
}

namespace {

// Reads the header fields of one JSON object into an Envelope, one pass over its members.
class HeaderReader {
 public:
  explicit HeaderReader(Envelope& out) : out_(out) {}

  Status read(const rapidjson::Value& object) {
    for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
      std::string_view key(it->name.GetString(), it->name.GetStringLength());
      if (Status s = field(key, it->value); !s) return s;
    }
    return finish();
  }

 private:
  enum Seen : unsigned {
    kKind = 1u << 0,
    kMessageId = 1u << 1,
    kSagaId = 1u << 2,
    kName = 1u << 3,
    kSagaType = 1u << 4,
    kStep = 1u << 5,
    kCorrelationId = 1u << 6,
    kOutcome = 1u << 7,
    kContentType = 1u << 8,
    kEventKey = 1u << 9,
  };

  Status string_field(std::string_view key, const rapidjson::Value& v, std::string& dst, Seen bit) {
    if (!v.IsString()) return wrong_type(key, "a string");
    // Identifiers and names cannot be empty; optional fields (reason, trace_id) may be.
    if (bit != Seen{} && v.GetStringLength() == 0) return wrong_type(key, "a non-empty string");
    dst.assign(v.GetString(), v.GetStringLength());
    seen_ |= bit;
    return Status::ok();
  }

  static Status wrong_type(std::string_view key, std::string_view expected) {
    return malformed("header: field '" + std::string(key) + "' must be " + std::string(expected));
  }

  Status field(std::string_view key, const rapidjson::Value& v) {
    if (key == "message_id") return string_field(key, v, out_.message_id, kMessageId);
    if (key == "saga_id") return string_field(key, v, out_.saga_id, kSagaId);
    if (key == "name") return string_field(key, v, out_.name, kName);
    if (key == "saga_type") return string_field(key, v, out_.saga_type, kSagaType);
    if (key == "step") return string_field(key, v, out_.step, kStep);
    if (key == "correlation_id") return string_field(key, v, out_.correlation_id, kCorrelationId);
    if (key == "reason") return string_field(key, v, out_.reason, Seen{});
    if (key == "trace_id") return string_field(key, v, out_.trace_id, Seen{});
    if (key == "event_key") return string_field(key, v, out_.event_key, kEventKey);
    if (key == "kind") {
      if (v.IsString() && std::string_view(v.GetString(), v.GetStringLength()) == "event") {
        kind_ = 2;
        seen_ |= kKind;
        return Status::ok();
      }
      return enum_field(key, v, "command", "reply", kind_, kKind);
    }
    if (key == "outcome") return enum_field(key, v, "success", "failure", outcome_, kOutcome);
    if (key == "content_type") {
      return enum_field(key, v, to_string(ContentType::kCerealBinary),
                        to_string(ContentType::kJson), content_type_, kContentType);
    }
    if (key == "compensation") {
      if (!v.IsBool()) return wrong_type(key, "true or false");
      out_.compensation = v.GetBool();
      return Status::ok();
    }
    if (key == "attempt") {
      if (!v.IsUint() || v.GetUint() == 0) return wrong_type(key, "an integer >= 1");
      out_.attempt = v.GetUint();
      return Status::ok();
    }
    return Status::ok();  // unknown fields are ignored
  }

  // A string field with exactly two allowed values; stores 0 or 1 in `dst`.
  Status enum_field(std::string_view key, const rapidjson::Value& v, std::string_view first,
                    std::string_view second, int& dst, Seen bit) {
    if (!v.IsString()) return wrong_type(key, "a string");
    std::string_view s(v.GetString(), v.GetStringLength());
    if (s == first) {
      dst = 0;
    } else if (s == second) {
      dst = 1;
    } else {
      return malformed("header: field '" + std::string(key) + "' has unknown value '" +
                       std::string(s.substr(0, 64)) + "'");
    }
    seen_ |= bit;
    return Status::ok();
  }

  Status missing(std::string_view field) const {
    return malformed("header: missing field '" + std::string(field) + "'");
  }

  Status finish() {
    const bool event = kind_ == 2 && (seen_ & kKind);
    static constexpr std::array<std::pair<unsigned, std::string_view>, 4> kCommon{
        {{kKind, "kind"}, {kMessageId, "message_id"}, {kSagaId, "saga_id"}, {kName, "name"}}};
    for (const auto& [bit, name] : kCommon) {
      if (event && bit == kSagaId) continue;  // an event names its saga by id or by key
      if (!(seen_ & bit)) return missing(name);
    }
    out_.kind = event        ? MessageKind::kEvent
                : kind_ == 0 ? MessageKind::kCommand
                             : MessageKind::kReply;
    if (event) {
      if (((seen_ & kSagaId) != 0) == ((seen_ & kEventKey) != 0)) {
        return malformed("header: an event needs exactly one of 'saga_id' and 'event_key'");
      }
    } else if (out_.kind == MessageKind::kCommand) {
      if (!(seen_ & kSagaType)) return missing("saga_type");
      if (!(seen_ & kStep)) return missing("step");
    } else {
      if (!(seen_ & kCorrelationId)) return missing("correlation_id");
      if (!(seen_ & kOutcome)) return missing("outcome");
      out_.outcome = outcome_ == 0 ? Outcome::kSuccess : Outcome::kFailure;
    }
    out_.content_type = content_type_ == 1 ? ContentType::kJson : ContentType::kCerealBinary;
    return Status::ok();
  }

 public:
  bool has_content_type() const { return (seen_ & kContentType) != 0; }

 private:
  Envelope& out_;
  unsigned seen_ = 0;
  int kind_ = 0;
  int outcome_ = 0;
  int content_type_ = 0;
};

}  // namespace

Result<Envelope> decode(std::string_view tag, std::string_view header, std::string_view body,
                        const DecodeLimits& limits) {
  if (tag != kProtocolTag) {
    return malformed("frame 1: protocol tag is not 'saga/1' (" + std::to_string(tag.size()) +
                     " bytes)");
  }
  if (header.size() > limits.max_header_bytes) {
    return malformed("frame 2: header of " + std::to_string(header.size()) +
                     " bytes exceeds the limit of " + std::to_string(limits.max_header_bytes));
  }
  if (body.size() > limits.max_body_bytes) {
    return malformed("frame 3: body of " + std::to_string(body.size()) +
                     " bytes exceeds the limit of " + std::to_string(limits.max_body_bytes));
  }
  if (!valid_utf8(header)) return malformed("frame 2: header is not valid UTF-8 JSON");
  Envelope out;
  try {
    // A header is a few hundred bytes: parse into buffers on the stack (rapidjson falls back
    // to the heap past them) instead of a fresh 64 KiB pool per message.
    char value_buffer[4096];
    char parse_buffer[1024];
    rapidjson::MemoryPoolAllocator<> value_allocator(value_buffer, sizeof value_buffer);
    rapidjson::MemoryPoolAllocator<> parse_allocator(parse_buffer, sizeof parse_buffer);
    using Document = rapidjson::GenericDocument<rapidjson::UTF8<>, rapidjson::MemoryPoolAllocator<>,
                                                rapidjson::MemoryPoolAllocator<>>;
    Document doc(&value_allocator, sizeof parse_buffer, &parse_allocator);
    // UTF-8 is checked above, so rapidjson need not validate it again. In situ: strings are
    // read in place in a copy of the header instead of char by char through a stack.
    char text_buffer[2048];
    std::string text_heap;
    char* text = text_buffer;
    if (header.size() >= sizeof text_buffer) {
      text_heap.assign(header.data(), header.size());
      text = text_heap.data();
    } else {
      std::memcpy(text_buffer, header.data(), header.size());
      text_buffer[header.size()] = '\0';
    }
    doc.ParseInsitu<rapidjson::kParseIterativeFlag>(text);
    if (doc.HasParseError()) {
      return malformed("frame 2: header is not valid UTF-8 JSON (error " +
                       std::to_string(static_cast<int>(doc.GetParseError())) + " at offset " +
                       std::to_string(doc.GetErrorOffset()) + ")");
    }
    if (!doc.IsObject()) return malformed("frame 2: header is not a JSON object");
    HeaderReader reader(out);
    if (Status s = reader.read(doc); !s) return s;
    if (!reader.has_content_type() && !body.empty()) {
      return malformed("header: missing field 'content_type' for a non-empty body");
    }
  } catch (const std::exception& e) {  // rapidjson assertion, bad_alloc
    return malformed(std::string("frame 2: ") + e.what());
  }
  out.body.assign(body.data(), body.size());
  return out;
}

Result<Envelope> decode(std::span<const std::string_view> frames, const DecodeLimits& limits) {
  if (frames.size() != 3) {
    return malformed("expected 3 frames (tag, header, body), got " + std::to_string(frames.size()));
  }
  return decode(frames[0], frames[1], frames[2], limits);
}

Envelope make_reply_to(const Envelope& command) {
  Envelope reply;
  reply.kind = MessageKind::kReply;
  reply.saga_id = command.saga_id;
  reply.correlation_id = command.message_id;
  reply.trace_id = command.trace_id;
  reply.content_type = command.content_type;
  return reply;
}

}  // namespace saga
