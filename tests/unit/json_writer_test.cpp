// Goal: saga::JsonWriter writes valid JSON whatever the strings hold, in call order, compact or
// indented, and is_json tells JSON from other bytes.
// Method: write documents, compare the exact text, and parse it back with rapidjson.
#include "saga/json_writer.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstdint>
#include <string>

namespace saga {
namespace {

using namespace std::string_literals;

TEST(JsonWriterTest, WritesValuesInCallOrderOnOneLine) {
  JsonWriter j;
  j.begin_object().field("s", "text").field("i", std::int64_t{-3}).field("u", std::uint64_t{7});
  j.field("b", true).key("n").null().key("a").begin_array().value(1).value("x").end_array();
  j.field("d", 0.5).end_object();
  EXPECT_EQ(j.str(), R"({"s":"text","i":-3,"u":7,"b":true,"n":null,"a":[1,"x"],"d":0.5})"
                     "\n");
}

TEST(JsonWriterTest, EscapesQuotesBackslashesAndControlBytesAndKeepsUtf8) {
  const std::string nasty = "q\"b\\n\nt\tz\0e\x01 \xc3\xa9"s;
  JsonWriter j;
  j.begin_object().field("k\"ey", nasty).end_object();
  EXPECT_EQ(j.str(), "{\"k\\\"ey\":\"q\\\"b\\\\n\\nt\\tz\\u0000e\\u0001 \xc3\xa9\"}\n");
  rapidjson::Document d;
  const std::string text = j.str();
  d.Parse(text.c_str(), text.size());
  ASSERT_FALSE(d.HasParseError());
  EXPECT_EQ(std::string(d["k\"ey"].GetString(), d["k\"ey"].GetStringLength()), nasty);
}

TEST(JsonWriterTest, RawValuesAndPrettyOutput) {
  JsonWriter j(true);
  j.begin_object().key("data").raw(R"({"a":1})").field("x", "y").end_object();
  EXPECT_EQ(j.str(), "{\n  \"data\": {\"a\":1},\n  \"x\": \"y\"\n}\n");
}

TEST(JsonWriterTest, IsJsonAcceptsOneValueOnly) {
  EXPECT_TRUE(is_json(R"({"a":[1,2,{"b":null}]})"));
  EXPECT_TRUE(is_json("\"text\""));
  EXPECT_FALSE(is_json("order-1"));
  EXPECT_FALSE(is_json("{\"a\":1} trailing"));
  EXPECT_FALSE(is_json("\"\xff\""));  // not UTF-8
  EXPECT_FALSE(is_json(""));
}

}  // namespace
}  // namespace saga
