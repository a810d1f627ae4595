// Goal: sagactl shows a child saga with its parent's id, and a parent with its children:
// `list` (a parent column), `show` (parent, child lines) and `show --json` (parent_id, children).
// Method: the child engine fixture (child_engine_fixture.h) runs order_with_delivery until the
// parent's pivot is out (no reply): the child waits for its parent. sagactl runs as a
// process on that file while the engine is open.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <vector>

#include "integration/child_engine_fixture.h"
#include "integration/sagactl_runner.h"

namespace saga {
namespace {

class SagactlChildTest : public testing::ChildEngineFixture {
 protected:
  void SetUp() override {
    holding = {"Approve"};  // the parent's pivot is out: its done child waits for it
    start("order_with_delivery", "o-1");
    ASSERT_EQ(saga("o-1/deliver").wait, Wait::kParent);
  }

  testing::SagactlOutput sagactl(const std::vector<std::string>& args) {
    return testing::run_sagactl(dir.file("engine.db"), args, dir.file("out"), dir.file("err"));
  }
};

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_F(SagactlChildTest, ShowNamesTheParentOfAChildAndTheChildrenOfAParent) {
  const testing::SagactlOutput child = sagactl({"show", "o-1/deliver"});
  ASSERT_EQ(child.code, 0) << child.err;
  EXPECT_TRUE(has(child.out, "o-1  (a child saga")) << child.out;
  EXPECT_TRUE(has(child.out, "none: its steps are done; waits for its parent's end")) << child.out;
  EXPECT_TRUE(has(child.out, "child of saga o-1")) << child.out;  // the history's start
  const testing::SagactlOutput parent = sagactl({"show", "o-1"});
  ASSERT_EQ(parent.code, 0) << parent.err;
  EXPECT_TRUE(has(parent.out, "o-1/deliver  executing")) << parent.out;
  EXPECT_TRUE(has(parent.out, "child_started")) << parent.out;
}

TEST_F(SagactlChildTest, JsonAndListCarryTheParentsId) {
  auto parse = [](const testing::SagactlOutput& o) {
    EXPECT_EQ(o.code, 0) << o.err;
    rapidjson::Document d;
    d.Parse(o.out.c_str());
    EXPECT_FALSE(d.HasParseError()) << o.out;
    return d;
  };
  rapidjson::Document child = parse(sagactl({"show", "o-1/deliver", "--json"}));
  ASSERT_TRUE(child.IsObject() && child.HasMember("parent_id"));
  EXPECT_STREQ(child["parent_id"].GetString(), "o-1");
  rapidjson::Document parent = parse(sagactl({"show", "o-1", "--json"}));
  ASSERT_TRUE(parent.IsObject() && parent.HasMember("children"));
  EXPECT_FALSE(parent.HasMember("parent_id"));
  const auto& children = parent["children"];
  ASSERT_EQ(children.Size(), 1u);
  EXPECT_STREQ(children[0]["id"].GetString(), "o-1/deliver");
  EXPECT_STREQ(children[0]["phase"].GetString(), "executing");
  const testing::SagactlOutput list = sagactl({"list"});
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_TRUE(has(list.out, "PARENT")) << list.out;  // a column, as a child is listed
  rapidjson::Document listed = parse(sagactl({"list", "--json"}));
  ASSERT_TRUE(listed.IsObject() && listed.HasMember("sagas"));
  int children_listed = 0;
  for (const auto& saga : listed["sagas"].GetArray()) {
    if (!saga.HasMember("parent_id")) continue;
    ++children_listed;
    EXPECT_STREQ(saga["id"].GetString(), "o-1/deliver");
    EXPECT_STREQ(saga["parent_id"].GetString(), "o-1");
  }
  EXPECT_EQ(children_listed, 1);
}

}  // namespace
}  // namespace saga
