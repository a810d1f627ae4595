// Goal: typed bodies round-trip through both codecs, JSON bodies are plain objects that other
// languages can read and write, and bad bodies give errors instead of exceptions.
// Method: encode/decode sample structs with each ContentType; decode hand-written JSON.
#include "saga/body_codec.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace saga {
namespace {

struct CodecSampleItem {
  std::string menu_item;
  std::int32_t quantity = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(menu_item), CEREAL_NVP(quantity));
  }
  friend bool operator==(const CodecSampleItem&, const CodecSampleItem&) = default;
};

struct CodecSample {
  [[maybe_unused]] static constexpr std::string_view kMessageName = "CodecSample";
  std::int64_t order_id = 0;
  std::string restaurant;
  std::vector<CodecSampleItem> items;
  std::optional<std::string> note;
  double total = 0;
  bool rush = false;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id), CEREAL_NVP(restaurant), CEREAL_NVP(items), CEREAL_NVP(note),
      CEREAL_NVP(total), CEREAL_NVP(rush));
  }
  friend bool operator==(const CodecSample&, const CodecSample&) = default;
};

struct Empty {
  template <class A>
  void serialize(A&) {}
};

CodecSample sample() {
  return CodecSample{99, "Ajanta", {{"samosa", 2}, {"chai", 1}}, "no nuts", 12.5, true};
}

class BodyCodecTest : public ::testing::TestWithParam<ContentType> {};

TEST_P(BodyCodecTest, StructRoundTrips) {
  Result<std::string> bytes = encode_body(sample(), GetParam());
  ASSERT_TRUE(bytes.is_ok()) << bytes.status().to_string();
  Result<CodecSample> back = decode_body<CodecSample>(bytes.value(), GetParam());
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back.value(), sample());
}

TEST_P(BodyCodecTest, EmptyStructRoundTrips) {
  Result<std::string> bytes = encode_body(Empty{}, GetParam());
  ASSERT_TRUE(bytes.is_ok());
  EXPECT_TRUE(decode_body<Empty>(bytes.value(), GetParam()).is_ok());
  EXPECT_TRUE(decode_body<Empty>("", GetParam()).is_ok());
}

TEST_P(BodyCodecTest, TruncatedBodyIsAnError) {
  std::string bytes = encode_body(sample(), GetParam()).value();
  for (std::size_t cut = 0; cut < bytes.size(); cut += 3) {
    Result<CodecSample> back = decode_body<CodecSample>(bytes.substr(0, cut), GetParam());
    EXPECT_FALSE(back.is_ok()) << "cut at " << cut;
    if (!back.is_ok()) {
      EXPECT_EQ(back.status().code(), StatusCode::kMalformed);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(BothCodecs, BodyCodecTest,
                         ::testing::Values(ContentType::kCerealBinary, ContentType::kJson));

TEST(JsonBodyTest, FieldsSitAtTheTopLevel) {
  std::string json = encode_body(CodecSampleItem{"chai", 3}, ContentType::kJson).value();
  std::erase(json, '\n');  // cereal puts members on lines; raw newlines never sit in strings
  EXPECT_EQ(json, R"({"menu_item": "chai","quantity": 3})");
}

TEST(JsonBodyTest, ReadsJsonWrittenByOtherLanguagesInAnyOrder) {
  Result<CodecSampleItem> item = decode_body<CodecSampleItem>(
      R"({"quantity": 4, "extra": [1, 2], "menu_item": "dal"})", ContentType::kJson);
  ASSERT_TRUE(item.is_ok()) << item.status().to_string();
  EXPECT_EQ(item.value(), (CodecSampleItem{"dal", 4}));
}

TEST(JsonBodyTest, MissingFieldOrWrongTypeIsMalformed) {
  Result<CodecSampleItem> missing =
      decode_body<CodecSampleItem>(R"({"menu_item":"dal"})", ContentType::kJson);
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kMalformed);
  Result<CodecSampleItem> wrong =
      decode_body<CodecSampleItem>(R"({"menu_item":"dal","quantity":"four"})", ContentType::kJson);
  ASSERT_FALSE(wrong.is_ok());
  Result<CodecSampleItem> array = decode_body<CodecSampleItem>(R"([1,2])", ContentType::kJson);
  ASSERT_FALSE(array.is_ok());
}

// Both inputs crashed cereal's default rapidjson configuration (found by tests/fuzz).
TEST(JsonBodyTest, HostileNumbersAndNestingAreErrorsNotCrashes) {
  const std::string long_number = "[0." + std::string(400, '0') + "]";
  EXPECT_FALSE(decode_body<CodecSampleItem>(long_number, ContentType::kJson).is_ok());
  const std::string in_object = R"({"menu_item":"x","quantity":0.)" + std::string(400, '0') + "1}";
  EXPECT_FALSE(decode_body<CodecSampleItem>(in_object, ContentType::kJson).is_ok());
  const std::string deep = std::string(200'000, '[') + std::string(200'000, ']');
  EXPECT_FALSE(decode_body<CodecSampleItem>(deep, ContentType::kJson).is_ok());
  Result<Envelope> header = decode(kProtocolTag, std::string(60'000, '['), "");
  EXPECT_FALSE(header.is_ok());
}

TEST(BinaryBodyTest, CorruptLengthPrefixIsRefusedWithoutAllocating) {
  std::string bytes = encode_body(std::string("hello")).value();
  bytes[1 + 4] = '\x7f';  // byte 1 is cereal's endianness flag; then an 8-byte length
  Result<std::string> back = decode_body<std::string>(bytes);
  ASSERT_FALSE(back.is_ok());
  EXPECT_NE(back.status().message().find("length prefix"), std::string::npos);
}

TEST(BinaryBodyTest, NonClassValuesRoundTrip) {
  std::string bytes = encode_body(std::string("hello")).value();
  EXPECT_EQ(decode_body<std::string>(bytes).value(), "hello");
  std::string json = encode_body(std::int64_t{42}, ContentType::kJson).value();
  std::erase(json, '\n');
  EXPECT_EQ(json, R"({"value": 42})");
  EXPECT_EQ(decode_body<std::int64_t>(json, ContentType::kJson).value(), 42);
}

}  // namespace
}  // namespace saga
