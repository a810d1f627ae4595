// saga/1 header codec. The one file that parses (rapidjson) and writes header JSON.
#include "saga/envelope.h"

// cereal's json.hpp sets rapidjson's assertion to throw; include it first so that every
// translation unit sees rapidjson configured the same way.
#include <rapidjson/reader.h>

#include <array>
#include <cereal/archives/json.hpp>
#include <charconv>
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

// Writes one header object, byte for byte as rapidjson's Writer<StringBuffer> did (no spaces;
// a string's bytes as they are except the escapes below), straight into one reserved string:
// the Writer went byte by byte through its buffer and cost half the encode.
class HeaderWriter {
 public:
  explicit HeaderWriter(std::size_t reserve) {
    out_.reserve(reserve);
    out_ += '{';
  }

  // A field's text, checked to be UTF-8 (false if not: nothing more is written).
  bool string(std::string_view key, std::string_view value) {
    if (!valid_utf8(value)) return false;
    name(key);
    quoted(value);
    return true;
  }
  // One of the protocol's own words (kind, outcome, content type): ASCII, nothing to escape.
  void word(std::string_view key, std::string_view value) {
    name(key);
    out_ += '"';
    out_ += value;
    out_ += '"';
  }
  void boolean(std::string_view key, bool value) {
    name(key);
    out_ += value ? "true" : "false";
  }
  void number(std::string_view key, std::uint32_t value) {
    name(key);
    char digits[10];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out_.append(digits, static_cast<std::size_t>(end - digits));
  }
  std::string finish() {
    out_ += '}';
    return std::move(out_);
  }

 private:
  void name(std::string_view key) {
    if (out_.size() > 1) out_ += ',';
    out_ += '"';
    out_ += key;
    out_ += "\":";
  }

  // rapidjson's escapes: \" and \\, the short forms \b \t \n \f \r, \u00XX (upper-case
  // hex) for the other bytes below 0x20; every other byte, UTF-8 included, as it is.
  void quoted(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    out_ += '"';
    std::size_t run = 0;  // first byte not yet written
    for (std::size_t k = 0; k < s.size(); ++k) {
      const auto c = static_cast<unsigned char>(s[k]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out_.append(s.data() + run, k - run);
      run = k + 1;
      out_ += '\\';
      switch (c) {
        case '"':
        case '\\':
          out_ += static_cast<char>(c);
          break;
        case '\b':
          out_ += 'b';
          break;
        case '\t':
          out_ += 't';
          break;
        case '\n':
          out_ += 'n';
          break;
        case '\f':
          out_ += 'f';
          break;
        case '\r':
          out_ += 'r';
          break;
        default:
          out_ += "u00";
          out_ += kHex[c >> 4];
          out_ += kHex[c & 0xF];
      }
    }
    out_.append(s.data() + run, s.size() - run);
    out_ += '"';
  }

  std::string out_;
};

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
  // The field names, quotes and words take under 200 bytes; escapes may need more (rare).
  HeaderWriter w(200 + e.message_id.size() + e.saga_id.size() + e.name.size() + e.saga_type.size() +
                 e.step.size() + e.correlation_id.size() + e.event_key.size() + e.reason.size() +
                 e.trace_id.size());
  w.word("kind", to_string(e.kind));
  bool ok = w.string("message_id", e.message_id);
  if (!e.saga_id.empty() || e.kind != MessageKind::kEvent) {
    ok = ok && w.string("saga_id", e.saga_id);
  }
  if (e.kind == MessageKind::kEvent) {
    ok = ok && w.string("name", e.name);
    if (!e.event_key.empty()) ok = ok && w.string("event_key", e.event_key);
  } else if (e.kind == MessageKind::kCommand) {
    ok = ok && w.string("saga_type", e.saga_type) && w.string("step", e.step) &&
         w.string("name", e.name);
    if (ok) {
      w.boolean("compensation", e.compensation);
      w.number("attempt", e.attempt);
    }
  } else {
    ok = ok && w.string("name", e.name) && w.string("correlation_id", e.correlation_id);
    if (ok) w.word("outcome", to_string(e.outcome));
    if (e.outcome == Outcome::kFailure) ok = ok && w.string("reason", e.reason);
  }
  if (ok) w.word("content_type", to_string(e.content_type));
  if (!e.trace_id.empty()) ok = ok && w.string("trace_id", e.trace_id);
  if (!ok) return invalid_argument("encode header: a field is not valid UTF-8");
  return w.finish();
}

namespace {

// One member's value as the reader reported it: all that a header field asks of it.
struct Value {
  enum class Type { kString, kBool, kUint, kOther };
  Type type = Type::kOther;
  std::string_view text;  // kString
  bool flag = false;      // kBool
  unsigned number = 0;    // kUint: an integer in [0, UINT32_MAX] (rapidjson's IsUint)
};

// Reads the header fields of one JSON object into an Envelope, one member at a time, as
// rapidjson's SAX reader reports them (no DOM is built). Every event is taken (the handler never
// stops the parse), so a syntax error anywhere is reported before a field's, as when the whole
// document was parsed first; of the field errors, the first member's is kept.
class HeaderReader {
 public:
  explicit HeaderReader(Envelope& out) : out_(out) {}

  // The rapidjson Handler concept.
  bool Null() { return scalar(Value{}); }
  bool Bool(bool b) { return scalar(Value{Value::Type::kBool, {}, b, 0}); }
  bool Int(int i) { return Int64(i); }
  bool Uint(unsigned u) { return Uint64(u); }
  bool Int64(std::int64_t i) {
    return i < 0 ? scalar(Value{}) : Uint64(static_cast<std::uint64_t>(i));
  }
  bool Uint64(std::uint64_t u) {
    if (u > UINT32_MAX) return scalar(Value{});
    return scalar(Value{Value::Type::kUint, {}, false, static_cast<unsigned>(u)});
  }
  bool Double(double) { return scalar(Value{}); }
  bool RawNumber(const char*, rapidjson::SizeType, bool) { return scalar(Value{}); }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    return scalar(Value{Value::Type::kString, std::string_view(s, n), false, 0});
  }
  bool StartObject() {
    if (depth_ == 0) object_ = true;
    if (depth_ == 1) member(Value{});
    ++depth_;
    return true;
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (depth_ == 1) key_ = std::string_view(s, n);  // in the in-situ buffer: stays valid
    return true;
  }
  bool EndObject(rapidjson::SizeType) {
    --depth_;
    return true;
  }
  bool StartArray() {
    if (depth_ == 1) member(Value{});
    ++depth_;
    return true;
  }
  bool EndArray(rapidjson::SizeType) {
    --depth_;
    return true;
  }

  // After a parse without error: the header's Status.
  Status result() {
    if (!object_) return malformed("frame 2: header is not a JSON object");
    if (!first_error_) return first_error_;
    return finish();
  }
  bool has_content_type() const { return (seen_ & kContentType) != 0; }

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

  bool scalar(const Value& v) {
    if (depth_ == 1) member(v);
    return true;  // the root itself (not an object) or inside a nested value: nothing to read
  }
  // A member of the header object: its fields are read until the first error.
  void member(const Value& v) {
    if (!first_error_) return;
    first_error_ = field(key_, v);
  }

  Status string_field(std::string_view key, const Value& v, std::string& dst, Seen bit) {
    if (v.type != Value::Type::kString) return wrong_type(key, "a string");
    // Identifiers and names cannot be empty; optional fields (reason, trace_id) may be.
    if (bit != Seen{} && v.text.empty()) return wrong_type(key, "a non-empty string");
    dst.assign(v.text.data(), v.text.size());
    seen_ |= bit;
    return Status::ok();
  }

  static Status wrong_type(std::string_view key, std::string_view expected) {
    return malformed("header: field '" + std::string(key) + "' must be " + std::string(expected));
  }

  Status field(std::string_view key, const Value& v) {
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
      if (v.type == Value::Type::kString && v.text == "event") {
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
      if (v.type != Value::Type::kBool) return wrong_type(key, "true or false");
      out_.compensation = v.flag;
      return Status::ok();
    }
    if (key == "attempt") {
      if (v.type != Value::Type::kUint || v.number == 0) {
        return wrong_type(key, "an integer >= 1");
      }
      out_.attempt = v.number;
      return Status::ok();
    }
    return Status::ok();  // unknown fields are ignored
  }

  // A string field with exactly two allowed values; stores 0 or 1 in `dst`.
  Status enum_field(std::string_view key, const Value& v, std::string_view first,
                    std::string_view second, int& dst, Seen bit) {
    if (v.type != Value::Type::kString) return wrong_type(key, "a string");
    const std::string_view s = v.text;
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

  Envelope& out_;
  int depth_ = 0;        // 1: inside the header object
  bool object_ = false;  // the root is an object
  std::string_view key_;
  Status first_error_ = Status::ok();
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
    // The reader's own stack (nesting) in a buffer on the stack; rapidjson falls back to the
    // heap past it.
    char stack_buffer[1024];
    rapidjson::MemoryPoolAllocator<> stack_allocator(stack_buffer, sizeof stack_buffer);
    rapidjson::GenericReader<rapidjson::UTF8<>, rapidjson::UTF8<>, rapidjson::MemoryPoolAllocator<>>
        reader(&stack_allocator, sizeof stack_buffer);
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
    rapidjson::InsituStringStream stream(text);
    HeaderReader handler(out);
    rapidjson::ParseResult parsed =
        reader.Parse<rapidjson::kParseInsituFlag | rapidjson::kParseIterativeFlag>(stream, handler);
    if (parsed.IsError()) {
      return malformed("frame 2: header is not valid UTF-8 JSON (error " +
                       std::to_string(static_cast<int>(parsed.Code())) + " at offset " +
                       std::to_string(parsed.Offset()) + ")");
    }
    if (Status s = handler.result(); !s) return s;
    if (!handler.has_content_type() && !body.empty()) {
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
