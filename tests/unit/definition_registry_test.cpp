// Goal: the definition registry keeps one definition per name and version (the same one again
// is fine, another fingerprint is refused), finds an instance's definition by type, version and
// fingerprint, pins new instances to the latest version, and queues definitions the store has
// not recorded, giving them back after a failed commit.
// Method: DefinitionRegistry alone with small hand-built definitions.
#include "runtime/definition_registry.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace saga {
namespace {

std::shared_ptr<const SagaDefinition> definition(std::uint32_t version, const std::string& step) {
  auto d = std::make_shared<SagaDefinition>();
  d->name = "order";
  d->version = version;
  StepDefinition st;
  st.name = step;
  st.local = [](std::string_view data) { return DataUpdate{false, {}, std::string(data)}; };
  d->steps = {st};
  return d;
}

TEST(DefinitionRegistryTest, RegistersOnceAndRefusesAnotherFingerprint) {
  DefinitionRegistry registry({});
  ASSERT_TRUE(registry.add(definition(1, "a"), Millis{5}));
  EXPECT_TRUE(registry.add(definition(1, "a"), Millis{6}));  // the same: fine, not queued twice
  EXPECT_EQ(registry.add(definition(1, "b"), Millis{7}).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(registry.add(nullptr, Millis{7}).code(), StatusCode::kInvalidArgument);
  std::vector<DefinitionRecord> queued = registry.take_unrecorded();
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].registered_at, Millis{5});
  EXPECT_TRUE(registry.take_unrecorded().empty());
  registry.give_back(queued);
  EXPECT_EQ(registry.take_unrecorded(), queued);
}

TEST(DefinitionRegistryTest, DefinitionsTheStoreRecordedAreNotQueued) {
  auto d = definition(1, "a");
  DefinitionRegistry registry({definition_record(*d)});
  ASSERT_TRUE(registry.add(d, Millis{5}));
  EXPECT_TRUE(registry.take_unrecorded().empty());
}

// A record from before schema v5 has no steps: the registry queues it again, with its steps.
TEST(DefinitionRegistryTest, ARecordWithoutStepsIsQueuedAgainWithItsSteps) {
  auto d = definition(1, "a");
  DefinitionRegistry registry({DefinitionRecord{"order", 1, fingerprint(*d), Millis{0}}});
  ASSERT_TRUE(registry.add(d, Millis{5}));
  std::vector<DefinitionRecord> queued = registry.take_unrecorded();
  ASSERT_EQ(queued.size(), 1u);
  ASSERT_TRUE(queued[0].steps.has_value());
  ASSERT_EQ(queued[0].steps->size(), 1u);
  EXPECT_EQ(queued[0].steps->front().name, "a");
  EXPECT_EQ(queued[0].registered_at, Millis{5});
}

TEST(DefinitionRegistryTest, PinsToTheLatestVersionAndFindsByFingerprint) {
  DefinitionRegistry registry({});
  ASSERT_TRUE(registry.add(definition(1, "a"), Millis{0}));
  ASSERT_TRUE(registry.add(definition(2, "b"), Millis{0}));
  SagaInstance s;
  s.type = "order";
  ASSERT_TRUE(registry.pin(s));
  EXPECT_EQ(s.version, 2u);
  EXPECT_EQ(s.fingerprint, fingerprint(*definition(2, "b")));
  ASSERT_NE(registry.find(s), nullptr);
  EXPECT_EQ(registry.find(s)->steps[0].name, "b");
  s.fingerprint = "other";
  EXPECT_EQ(registry.find(s), nullptr);

  SagaInstance missing;
  missing.type = "order";
  missing.version = 3;
  EXPECT_EQ(registry.pin(missing).code(), StatusCode::kNotFound);
  missing.type = "nope";
  EXPECT_EQ(registry.pin(missing).code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace saga
