// Goal: body_schema<T> reads a message's fields from its cereal serialize function (names,
// types, order, nesting, documentation), and to_asyncapi exports a definition's commands and
// replies as AsyncAPI with those schemas; definitions it cannot describe are refused.
// Method: schemas of small test types and of the DSL tests' Create Order, parsed back with
// rapidjson and compared field by field. (tests/contracts/check_asyncapi.py validates the FTGO
// export with a JSON Schema validator.)
#include "saga/asyncapi.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "saga/body_schema.h"
#include "unit/ftgo_saga.h"

namespace {

struct Part {
  std::string sku;
  std::uint8_t bin = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(sku), CEREAL_NVP(bin));
  }
};

struct Shipment {
  static constexpr std::string_view kDescription = "Ship the parts.";
  static constexpr std::string_view kFieldDescriptions[][2] = {{"express", "overnight"}};
  std::int32_t id = 0;
  bool express = false;
  double weight = 0;
  std::vector<Part> parts;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(id), CEREAL_NVP(express), CEREAL_NVP(weight), CEREAL_NVP(parts));
  }
};

struct WrongDocs {
  static constexpr std::string_view kFieldDescriptions[][2] = {{"nope", "not a field"}};
  std::int64_t id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(id));
  }
};

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  EXPECT_FALSE(d.HasParseError()) << text;
  return d;
}

TEST(BodySchemaTest, FieldsInDeclarationOrderWithTypesAndDocs) {
  const rapidjson::Document s = parse(saga::body_schema<Shipment>());
  EXPECT_STREQ(s["type"].GetString(), "object");
  EXPECT_STREQ(s["description"].GetString(), "Ship the parts.");
  const auto& required = s["required"];
  ASSERT_EQ(required.Size(), 4u);
  const char* order[] = {"id", "express", "weight", "parts"};
  for (unsigned i = 0; i < 4; ++i) EXPECT_STREQ(required[i].GetString(), order[i]);
  const auto& p = s["properties"];
  EXPECT_STREQ(p["id"]["format"].GetString(), "int32");
  EXPECT_EQ(p["id"]["minimum"].GetInt64(), -2147483648LL);
  EXPECT_EQ(p["id"]["maximum"].GetInt64(), 2147483647LL);
  EXPECT_STREQ(p["express"]["type"].GetString(), "boolean");
  EXPECT_STREQ(p["express"]["description"].GetString(), "overnight");
  EXPECT_STREQ(p["weight"]["format"].GetString(), "double");
  const auto& part = p["parts"]["items"];
  EXPECT_STREQ(p["parts"]["type"].GetString(), "array");
  EXPECT_STREQ(part["properties"]["sku"]["type"].GetString(), "string");
  EXPECT_STREQ(part["properties"]["bin"]["format"].GetString(), "uint8");
  EXPECT_EQ(part["properties"]["bin"]["maximum"].GetUint64(), 255u);
}

TEST(BodySchemaTest, ExampleIsTheCodecsJsonOfAFilledValue) {
  auto example = saga::body_example<Shipment>();
  ASSERT_TRUE(example) << example.status().to_string();
  const rapidjson::Document e = parse(example.value());
  EXPECT_EQ(e["id"].GetInt(), 1);
  EXPECT_TRUE(e["express"].GetBool());
  EXPECT_EQ(e["weight"].GetDouble(), 2.0);
  EXPECT_STREQ(e["parts"][0]["sku"].GetString(), "sku-3");
  EXPECT_EQ(e["parts"][0]["bin"].GetInt(), 4);
  auto decoded = saga::decode_body<Shipment>(example.value(), saga::ContentType::kJson);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded.value().parts.size(), 1u);
}

TEST(BodySchemaTest, DescriptionOfAMissingFieldIsAProgrammingError) {
  EXPECT_THROW(saga::body_schema<WrongDocs>(), std::logic_error);
}

TEST(AsyncApiTest, ExportsChannelsCommandsAndDeclaredReplies) {
  auto definition = test_ftgo::build_create_order();
  ASSERT_TRUE(definition) << definition.status().to_string();
  auto text = saga::to_asyncapi({definition.value().get()}, {.title = "t"});
  ASSERT_TRUE(text) << text.status().to_string();
  const rapidjson::Document d = parse(text.value());
  EXPECT_STREQ(d["asyncapi"].GetString(), "2.6.0");
  const auto& accounting = d["channels"]["accounting"];
  EXPECT_STREQ(accounting["x-saga-content-type"].GetString(), "application/json");
  EXPECT_STREQ(accounting["publish"]["message"]["oneOf"][0]["$ref"].GetString(),
               "#/components/messages/AuthorizeCard");
  std::vector<std::string> replies;
  for (const auto& r : accounting["subscribe"]["message"]["oneOf"].GetArray()) {
    replies.emplace_back(r["$ref"].GetString());
  }
  EXPECT_EQ(replies,
            (std::vector<std::string>{
                "#/components/messages/CardAuthorized", "#/components/messages/CardDeclined",
                "#/components/messages/Failure", "#/components/messages/NullCompensation"}));
  const auto& messages = d["components"]["messages"];
  const auto& card = messages["AuthorizeCard"];
  EXPECT_STREQ(card["x-saga-kind"].GetString(), "command");
  EXPECT_STREQ(card["payload"]["properties"]["amount_cents"]["format"].GetString(), "int64");
  EXPECT_STREQ(card["x-saga-used-by"][0]["step"].GetString(), "authorize_card");
  EXPECT_STREQ(messages["CancelCreateTicket"]["x-saga-used-by"][0]["role"].GetString(),
               "compensation");
  EXPECT_STREQ(messages["TicketCreated"]["contentType"].GetString(),
               "application/x-cereal-portable-binary");
  EXPECT_TRUE(d["components"]["schemas"].HasMember("CommandHeader"));
}

TEST(AsyncApiTest, RefusesADefinitionWithoutSchemas) {
  saga::SagaDefinition hand_made;
  hand_made.name = "hand_made";
  saga::StepDefinition step;
  step.name = "only";
  step.action = saga::CommandAction{"p", "Do", nullptr};
  hand_made.steps.push_back(step);
  auto text = saga::to_asyncapi({&hand_made}, {.title = "t"});
  ASSERT_FALSE(text);
  EXPECT_EQ(text.status().code(), saga::StatusCode::kInvalidArgument);
  EXPECT_NE(text.status().message().find("step 'only' of 'hand_made'"), std::string::npos);
}

}  // namespace
