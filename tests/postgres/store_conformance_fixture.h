// The store conformance suite's fixture: the same test body against every backend this build
// has. A parameter names the backend: "sqlite" (a file in a fresh temporary folder) or
// "postgresql" (a fresh schema in the binary's throwaway cluster, pg_cluster.h).
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>

#include "sqlite_store_test_support.h"
#include "store/saga_store.h"
#ifdef SAGA_POSTGRES
#include "pg_cluster.h"
#include "store/pg_connection.h"
#endif

namespace saga::store_test {

class StoreConformanceTest : public SqliteSagaStoreTest,
                             public ::testing::WithParamInterface<std::string> {
 public:
  // A new schema in the shared cluster, named in the URI's search_path.
  static std::string fresh_schema_url();

 protected:
  void SetUp() override {
    SqliteSagaStoreTest::SetUp();
    if (GetParam() == "postgresql") url_ = fresh_schema_url();
  }

  StoreOptions backend_options(StoreAccess access = StoreAccess::kEngine) const {
    StoreOptions o = options();
    if (!url_.empty()) o.path = url_;
    // Longer than any test takes on a loaded machine: these cases are not about leases (a
    // batch that outlasts its lease is fenced, as it should be: pg_lease_test.cpp).
    o.lease = Millis{300'000};
    o.access = access;
    return o;
  }
  std::unique_ptr<SagaStore> open_store(StoreAccess access = StoreAccess::kEngine) {
    auto store = saga::open_store(backend_options(access));
    EXPECT_TRUE(store.is_ok()) << store.status().to_string();
    return store.is_ok() ? std::move(store).value() : nullptr;
  }

  std::string url_;  // empty for SQLite
};

inline std::string StoreConformanceTest::fresh_schema_url() {
#ifndef SAGA_POSTGRES
  ADD_FAILURE() << "this build has no PostgreSQL backend";
  return {};
#else
  static std::atomic<int> next{0};
  const std::string schema = "t" + std::to_string(++next);
  test::PgCluster& cluster = test::PgCluster::shared();
  auto c = pg::Connection::open(cluster.url());
  EXPECT_TRUE(c.is_ok()) << c.status().to_string();
  if (!c) return {};
  EXPECT_EQ((*c)->run("schema", "CREATE SCHEMA " + schema), Status::ok());
  return cluster.url() + "&options=-csearch_path%3D" + schema;
#endif
}

}  // namespace saga::store_test
