// Goal: the saga/1 header codec round-trips every field and rejects each kind of bad input with
// an error that names it.
// Method: encode/decode Envelopes; feed hand-made bad frames to decode and check the Status.
#include "saga/envelope.h"

#include <gtest/gtest.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <string>

namespace saga {
namespace {

Envelope sample_command() {
  Envelope e;
  e.kind = MessageKind::kCommand;
  e.message_id = "s-1/3";
  e.saga_id = "s-1";
  e.saga_type = "create_order";
  e.step = "create_ticket";
  e.name = "CreateTicket";
  e.compensation = true;
  e.attempt = 4;
  e.content_type = ContentType::kJson;
  e.trace_id = "trace-9";
  e.body = R"({"order_id":99})";
  return e;
}

Envelope sample_reply() {
  Envelope e = make_reply_to(sample_command());
  e.message_id = "r-1";
  e.name = "CardDeclined";
  e.outcome = Outcome::kFailure;
  e.reason = "card_declined";
  e.body = std::string("\x00\x01\xff", 3);
  e.content_type = ContentType::kCerealBinary;
  return e;
}

Result<Envelope> decode_header(const std::string& header, std::string_view body = "") {
  return decode(kProtocolTag, header, body);
}

TEST(EnvelopeTest, CommandRoundTripsEveryField) {
  Envelope in = sample_command();
  Result<std::string> header = encode_header(in);
  ASSERT_TRUE(header.is_ok()) << header.status().to_string();
  Result<Envelope> out = decode(kProtocolTag, header.value(), in.body);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ(out.value(), in);
}

TEST(EnvelopeTest, ReplyRoundTripsEveryField) {
  Envelope in = sample_reply();
  Result<std::string> header = encode_header(in);
  ASSERT_TRUE(header.is_ok());
  std::array<std::string_view, 3> frames{kProtocolTag, header.value(), in.body};
  Result<Envelope> out = decode(frames);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ(out.value(), in);
  EXPECT_EQ(out->correlation_id, "s-1/3");
  EXPECT_EQ(out->trace_id, "trace-9");
}

TEST(EnvelopeTest, HeaderIsTheDocumentedJson) {
  Envelope e = sample_command();
  e.trace_id.clear();
  EXPECT_EQ(encode_header(e).value(),
            R"({"kind":"command","message_id":"s-1/3","saga_id":"s-1",)"
            R"("saga_type":"create_order","step":"create_ticket","name":"CreateTicket",)"
            R"("compensation":true,"attempt":4,"content_type":"application/json"})");
}

// The bytes on the wire are rapidjson's Writer's (what the codec used before it wrote headers
// itself): every byte below 0x80, DEL, and UTF-8 of two, three and four bytes, in each kind of
// header.
TEST(EnvelopeTest, HeaderBytesAreRapidjsonWritersForEveryByte) {
  std::string text;
  for (int c = 0; c < 0x80; ++c) text += static_cast<char>(c);
  text += "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 /";
  using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
  auto put = [](Writer& w, const char* key, const std::string& value) {
    w.Key(key);
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  };

  Envelope command = sample_command();
  command.name = text;
  command.trace_id = text;
  command.attempt = 4'000'000'000u;
  rapidjson::StringBuffer a;
  Writer w(a);
  w.StartObject();
  put(w, "kind", "command");
  put(w, "message_id", command.message_id);
  put(w, "saga_id", command.saga_id);
  put(w, "saga_type", command.saga_type);
  put(w, "step", command.step);
  put(w, "name", text);
  w.Key("compensation");
  w.Bool(true);
  w.Key("attempt");
  w.Uint(command.attempt);
  put(w, "content_type", "application/json");
  put(w, "trace_id", text);
  w.EndObject();
  EXPECT_EQ(encode_header(command).value(), std::string(a.GetString(), a.GetSize()));

  Envelope reply = sample_reply();
  reply.reason = text;
  reply.trace_id.clear();
  rapidjson::StringBuffer b;
  Writer v(b);
  v.StartObject();
  put(v, "kind", "reply");
  put(v, "message_id", reply.message_id);
  put(v, "saga_id", reply.saga_id);
  put(v, "name", reply.name);
  put(v, "correlation_id", reply.correlation_id);
  put(v, "outcome", "failure");
  put(v, "reason", text);
  put(v, "content_type", "application/x-cereal-portable-binary");
  v.EndObject();
  EXPECT_EQ(encode_header(reply).value(), std::string(b.GetString(), b.GetSize()));
  Result<Envelope> back = decode(kProtocolTag, encode_header(reply).value(), reply.body);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back.value(), reply);

  Envelope event;
  event.kind = MessageKind::kEvent;
  event.message_id = "e-1";
  event.name = "PaymentReceived";
  event.event_key = text;
  rapidjson::StringBuffer c;
  Writer x(c);
  x.StartObject();
  put(x, "kind", "event");
  put(x, "message_id", "e-1");
  put(x, "name", "PaymentReceived");
  put(x, "event_key", text);
  put(x, "content_type", "application/x-cereal-portable-binary");
  x.EndObject();
  EXPECT_EQ(encode_header(event).value(), std::string(c.GetString(), c.GetSize()));
}

TEST(EnvelopeTest, UnknownFieldsAreIgnoredAndDefaultsApply) {
  Result<Envelope> out = decode_header(
      R"({"kind":"command","message_id":"m","saga_id":"s","saga_type":"t","step":"x",)"
      R"("name":"N","future_field":{"a":[1,2]}})");
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_FALSE(out->compensation);
  EXPECT_EQ(out->attempt, 1u);
  EXPECT_EQ(out->content_type, ContentType::kCerealBinary);
}

TEST(EnvelopeTest, WrongTagIsRejected) {
  Result<Envelope> out = decode("saga/2", "{}", "");
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.status().code(), StatusCode::kMalformed);
  EXPECT_NE(out.status().message().find("protocol tag"), std::string::npos);
}

TEST(EnvelopeTest, WrongFrameCountIsRejected) {
  std::array<std::string_view, 2> two{kProtocolTag, "{}"};
  Result<Envelope> out = decode(two);
  ASSERT_FALSE(out.is_ok());
  EXPECT_NE(out.status().message().find("expected 3 frames"), std::string::npos);
}

TEST(EnvelopeTest, MissingRequiredFieldIsNamed) {
  Result<Envelope> out =
      decode_header(R"({"kind":"reply","message_id":"m","saga_id":"s","name":"N",)"
                    R"("outcome":"success"})");
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.status().message(), "header: missing field 'correlation_id'");
}

TEST(EnvelopeTest, WrongTypeIsNamed) {
  Result<Envelope> out = decode_header(
      R"({"kind":"command","message_id":7,"saga_id":"s","saga_type":"t","step":"x","name":"N"})");
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.status().message(), "header: field 'message_id' must be a string");

  out = decode_header(R"({"kind":"command","message_id":"m","saga_id":"s","saga_type":"t",)"
                      R"("step":"x","name":"N","attempt":0})");
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.status().message(), "header: field 'attempt' must be an integer >= 1");
}

TEST(EnvelopeTest, EmptyIdentifierIsRejected) {
  Result<Envelope> out = decode_header(
      R"({"kind":"command","message_id":"","saga_id":"s","saga_type":"t","step":"x","name":"N"})");
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.status().message(), "header: field 'message_id' must be a non-empty string");
}

TEST(EnvelopeTest, UnknownEnumValueIsNamed) {
  Result<Envelope> out = decode_header(R"({"kind":"notice","message_id":"m","saga_id":"s"})");
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.status().message(), "header: field 'kind' has unknown value 'notice'");
}

TEST(EnvelopeTest, UnknownContentTypeIsRejected) {
  Result<Envelope> out = decode_header(
      R"({"kind":"command","message_id":"m","saga_id":"s","saga_type":"t","step":"x",)"
      R"("name":"N","content_type":"text/xml"})",
      "<a/>");
  ASSERT_FALSE(out.is_ok());
  EXPECT_NE(out.status().message().find("content_type"), std::string::npos);
}

TEST(EnvelopeTest, BodyWithoutContentTypeIsRejected) {
  Result<Envelope> out = decode_header(
      R"({"kind":"command","message_id":"m","saga_id":"s","saga_type":"t","step":"x","name":"N"})",
      "xyz");
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.status().message(), "header: missing field 'content_type' for a non-empty body");
}

TEST(EnvelopeTest, InvalidUtf8IsRejectedBothWays) {
  std::string bad = R"({"kind":"command","message_id":"m)";
  bad += "\xc3\x28";  // an invalid two-byte sequence
  bad += R"(","saga_id":"s","saga_type":"t","step":"x","name":"N"})";
  Result<Envelope> out = decode_header(bad);
  ASSERT_FALSE(out.is_ok());
  EXPECT_NE(out.status().message().find("not valid UTF-8 JSON"), std::string::npos);

  Envelope e = sample_command();
  e.step = "\xff\xfe";
  Result<std::string> header = encode_header(e);
  ASSERT_FALSE(header.is_ok());
  EXPECT_EQ(header.status().code(), StatusCode::kInvalidArgument);
}

TEST(EnvelopeTest, TruncatedHeaderIsRejected) {
  std::string header = encode_header(sample_command()).value();
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, header.size() / 2, header.size() - 1}) {
    Result<Envelope> out = decode_header(header.substr(0, cut));
    EXPECT_FALSE(out.is_ok()) << "cut at " << cut;
    EXPECT_EQ(out.status().code(), StatusCode::kMalformed);
  }
}

TEST(EnvelopeTest, OversizedFramesAreRejectedBeforeParsing) {
  DecodeLimits limits;
  limits.max_header_bytes = 64;
  limits.max_body_bytes = 8;
  std::string header = encode_header(sample_command()).value();
  Result<Envelope> out = decode(kProtocolTag, header, "", limits);
  ASSERT_FALSE(out.is_ok());
  EXPECT_NE(out.status().message().find("exceeds the limit of 64"), std::string::npos);

  limits.max_header_bytes = 4096;
  out = decode(kProtocolTag, header, "123456789", limits);
  ASSERT_FALSE(out.is_ok());
  EXPECT_NE(out.status().message().find("body of 9 bytes exceeds"), std::string::npos);
}

TEST(EnvelopeTest, HeaderThatIsNotAnObjectIsRejected) {
  Result<Envelope> out = decode_header(R"(["kind","command"])");
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.status().message(), "frame 2: header is not a JSON object");
}

TEST(EnvelopeTest, EncodeRefusesMissingRequiredFields) {
  Envelope e = sample_command();
  e.saga_type.clear();
  Result<std::string> header = encode_header(e);
  ASSERT_FALSE(header.is_ok());
  EXPECT_EQ(header.status().message(), "encode header: empty required field 'saga_type'");
}

}  // namespace
}  // namespace saga
