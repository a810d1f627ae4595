// Goal: Status and Result<T> carry codes, messages and values as their header promises.
// Method: build each kind of value and read it back.
#include "saga/status.h"

#include <gtest/gtest.h>

namespace saga {
namespace {

TEST(StatusTest, DefaultIsOkAndPrintsOk) {
  Status s;
  EXPECT_TRUE(s.is_ok());
  EXPECT_EQ(s.to_string(), "ok");
}

TEST(StatusTest, ErrorKeepsCodeAndMessageAndAddsContext) {
  Status s = not_found("saga 42");
  EXPECT_FALSE(s.is_ok());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.to_string(), "not_found: saga 42");
  Status wrapped = s.with_context("engine: get");
  EXPECT_EQ(wrapped.code(), StatusCode::kNotFound);
  EXPECT_EQ(wrapped.message(), "engine: get: saga 42");
}

TEST(ResultTest, HoldsValueOrError) {
  Result<int> good = 7;
  ASSERT_TRUE(good.is_ok());
  EXPECT_EQ(good.value(), 7);
  EXPECT_TRUE(good.status().is_ok());

  Result<int> bad = malformed("frame 2");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kMalformed);
}

TEST(ResultDeathTest, ValueOfAnErrorAborts) {
  Result<int> bad = malformed("frame 2");
  EXPECT_DEATH((void)bad.value(), "SAGA_CHECK failed");
}

}  // namespace
}  // namespace saga
