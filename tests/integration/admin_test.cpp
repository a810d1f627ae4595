// Goal: the admin server (saga/admin.h) over real HTTP: health and readiness, Prometheus text,
// the JSON API's filters, paging and saga detail, tokens (none, wrong, read on an action), and
// operator actions queued with their audit and applied by the engine; bad input gets a 4xx and
// changes nothing.
// Method: EngineFixture writes a real SQLite file (FTGO Create Order over the in-memory
// transport, virtual clock); AdminServer binds 127.0.0.1 on a free port; cpp-httplib's client
// asks it as curl or a browser would.
#include "saga/admin.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <rapidjson/document.h>
#include <stdlib.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "saga/engine.h"
#include "saga/inspection.h"
#include "saga/testing/engine_fixture.h"
#include "three_sagas.h"

namespace saga {
namespace {

using testing::EngineFixture;

const std::string kRead = "read-token-0123456789";
const std::string kWrite = "write-token-0123456789";

rapidjson::Document parse(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str());
  EXPECT_FALSE(d.HasParseError()) << body;
  return d;
}

class AdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(f.open().is_ok());
    testing::make_three_sagas(f);
    AdminOptions o;
    o.database_path = f.database_path();
    o.engine = &f.engine();
    o.read_token = kRead;
    o.write_token = kWrite;
    o.clock = std::make_shared<testing::ClockRef>(f.clock());
    o.log = [this](LogLevel, std::string_view line) { log_ += std::string(line) + "\n"; };
    auto s = AdminServer::start(std::move(o));
    ASSERT_TRUE(s.is_ok()) << s.status().to_string();
    server_ = std::move(s).value();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  }

  httplib::Result get(const std::string& path, const std::string& token = kRead) {
    httplib::Headers h;
    if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
    return client_->Get(path.c_str(), h);
  }

  httplib::Result post(const std::string& path, const std::string& form,
                       const std::string& token = kWrite) {
    httplib::Headers h;
    if (!token.empty()) h.emplace("X-Saga-Token", token);
    return client_->Post(path.c_str(), h, form, "application/x-www-form-urlencoded");
  }

  std::vector<std::string> listed(const std::string& query) {
    auto r = get("/api/sagas" + query);
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no response");
    std::vector<std::string> out;
    if (!r || r->status != 200) return out;
    rapidjson::Document d = parse(r->body);
    for (const auto& s : d["sagas"].GetArray()) out.emplace_back(s["id"].GetString());
    return out;
  }

  std::size_t requests() {
    InspectorOptions o;
    o.path = f.database_path();
    return Inspector::open(o).value()->requests(std::nullopt, 0).value().size();
  }

  EngineFixture f;
  std::unique_ptr<AdminServer> server_;
  std::unique_ptr<httplib::Client> client_;
  std::string log_;
};

TEST_F(AdminTest, HealthAndReadinessNeedNoTokenAndSayWhatTheyChecked) {
  auto health = client_->Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, "ok\n");
  auto ready = client_->Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  rapidjson::Document d = parse(ready->body);
  EXPECT_TRUE(d["ready"].GetBool());
  EXPECT_STREQ(d["engine"].GetString(), "running");
  EXPECT_STREQ(d["store"].GetString(), "ok");

  f.engine().stop();
  ready = client_->Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503);
  EXPECT_STREQ(parse(ready->body)["engine"].GetString(), "not running");
}

TEST_F(AdminTest, MetricsArePrometheusTextWithGaugesFromTheStore) {
  auto r = get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r->body.find("saga_sagas_total{type=\"create_order\",outcome=\"started\"} 3"),
            std::string::npos)
      << r->body;
  EXPECT_NE(r->body.find("saga_store_sagas{type=\"create_order\",phase=\"failed\"} 1\n"),
            std::string::npos);
  EXPECT_NE(r->body.find("saga_store_sagas{type=\"create_order\",phase=\"completed\"} 1\n"),
            std::string::npos);
  EXPECT_NE(r->body.find("saga_store_failed_sagas 1\n"), std::string::npos);
  EXPECT_NE(r->body.find("# TYPE saga_store_oldest_unfinished_age_seconds gauge\n"),
            std::string::npos);
  EXPECT_EQ(get("/metrics", "")->status, 401);
  EXPECT_EQ(get("/metrics?x=1")->status, 400);
}

TEST_F(AdminTest, ReadsNeedAValidTokenAndActionsTheWriteToken) {
  for (const std::string path : {"/api/sagas", "/api/stats", "/api/sagas/stuck-3", "/metrics"}) {
    auto none = get(path, "");
    ASSERT_TRUE(none);
    EXPECT_EQ(none->status, 401) << path;
    EXPECT_EQ(get(path, "read-token-0123456788")->status, 401) << path;  // one byte off
    EXPECT_EQ(get(path, kRead + "x")->status, 401) << path;              // longer
    EXPECT_EQ(get(path, kRead)->status, 200) << path;
    EXPECT_EQ(get(path, kWrite)->status, 200) << path;  // the write token reads too
  }
  EXPECT_EQ(post("/api/sagas/stuck-3/retry", "by=alice&reason=x", "")->status, 401);
  EXPECT_EQ(post("/api/sagas/stuck-3/retry", "by=alice&reason=x", kRead)->status, 403);
  EXPECT_EQ(get("/api/sagas/stuck-3/retry", kWrite)->status, 405);  // actions are POST only
  EXPECT_EQ(requests(), 0u);
  EXPECT_EQ(log_.find(kRead), std::string::npos);
  EXPECT_EQ(log_.find(kWrite), std::string::npos);
}

TEST_F(AdminTest, ListFiltersByTypeStateAgeAndStuckAndPages) {
  EXPECT_EQ(listed(""), (std::vector<std::string>{"stuck-3", "declined-2", "ok-1"}));
  EXPECT_EQ(listed("?state=failed"), std::vector<std::string>{"stuck-3"});
  EXPECT_EQ(listed("?type=other"), std::vector<std::string>{});
  EXPECT_EQ(listed("?type=create_order&state=completed"), std::vector<std::string>{"ok-1"});
  EXPECT_EQ(listed("?id=declined-2"), std::vector<std::string>{"declined-2"});
  EXPECT_EQ(listed("?id=nope"), std::vector<std::string>{});
  // Created at t0, t0+1s and t0+2s (virtual clock).
  f.clock().advance(Millis{10'000});
  EXPECT_EQ(listed("?older_than=11s"), (std::vector<std::string>{"declined-2", "ok-1"}));
  EXPECT_EQ(listed("?stuck=5s"), std::vector<std::string>{"stuck-3"});
  EXPECT_EQ(listed("?stuck=1h"), std::vector<std::string>{});

  auto page = get("/api/sagas?limit=1&offset=1");
  ASSERT_TRUE(page);
  rapidjson::Document d = parse(page->body);
  ASSERT_EQ(d["sagas"].Size(), 1u);
  EXPECT_STREQ(d["sagas"][0]["id"].GetString(), "declined-2");
  EXPECT_TRUE(d["more"].GetBool());
  EXPECT_FALSE(parse(get("/api/sagas?limit=1&offset=2")->body)["more"].GetBool());

  const rapidjson::Document failed = parse(get("/api/sagas?state=failed")->body);
  const auto& s = failed["sagas"][0];
  EXPECT_STREQ(s["failed_from"].GetString(), "compensating");
  EXPECT_STREQ(s["step_name"].GetString(), "create_ticket");
  EXPECT_STREQ(s["participant"].GetString(), "kitchen");
  EXPECT_GE(s["stuck_for_ms"].GetInt64(), 10'000);
}

TEST_F(AdminTest, BadParametersGetA400WithTheReason) {
  struct Case {
    std::string query;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{
           {"?state=stuck", "one of executing"},
           {"?limit=0", "'limit'"},
           {"?limit=501", "'limit'"},
           {"?limit=ten", "'limit'"},
           {"?offset=-1", "'offset'"},
           {"?older_than=10", "duration"},
           {"?older_than=0s", "duration"},
           {"?stuck=99999d", "duration"},
           {"?colour=red", "unknown parameter 'colour'"},
           {"?state=failed&state=completed", "more than once"},
           {"?stuck=1m&state=completed", "'stuck' applies"},
           {"?id=a%2Fb", "not a saga id"},
       }) {
    auto r = get("/api/sagas" + c.query);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << c.query;
    EXPECT_NE(parse(r->body)["error"].GetString() + std::string(), "") << c.query;
    EXPECT_NE(r->body.find(c.says), std::string::npos) << c.query << ": " << r->body;
  }
  EXPECT_EQ(get("/api/sagas/nope")->status, 404);
  EXPECT_EQ(get("/api/nothing")->status, 404);
  EXPECT_EQ(get("/api/sagas/stuck-3?history_limit=0")->status, 400);
  EXPECT_EQ(get("/api/requests/abc")->status, 400);
  EXPECT_EQ(get("/api/requests/99")->status, 404);
}

TEST_F(AdminTest, SagaShowsItsHistoryPagedAndItsStep) {
  auto r = get("/api/sagas/stuck-3");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  rapidjson::Document d = parse(r->body);
  InspectorOptions o;
  o.path = f.database_path();
  const SagaDetail expected = Inspector::open(o).value()->saga("stuck-3").value().value();
  EXPECT_STREQ(d["phase"].GetString(), "failed");
  EXPECT_EQ(d["history_total"].GetUint64(), expected.history.size());
  ASSERT_EQ(d["history"].Size(), expected.history.size());
  for (std::size_t k = 0; k < expected.history.size(); ++k) {
    const auto& h = d["history"][static_cast<rapidjson::SizeType>(k)];
    EXPECT_EQ(h["event"].GetString(), std::string(to_string(expected.history[k].event)));
    EXPECT_EQ(h["step"].GetInt(), expected.history[k].step);
    EXPECT_EQ(h["time_ms"].GetInt64(), expected.history[k].time.count());
    EXPECT_EQ(h["reason"].GetString(), expected.history[k].reason);
  }
  EXPECT_TRUE(d["definition"]["steps_known"].GetBool());
  // Stuck since the first entry of the current run of its step (the compensation of step 2).
  Millis since{0};
  for (auto it = expected.history.rbegin();
       it != expected.history.rend() && it->step == expected.instance.step; ++it) {
    since = it->time;
  }
  EXPECT_EQ(d["stuck_since_ms"].GetInt64(), since.count());
  EXPECT_LT(since, expected.history.back().time);
  auto page = get("/api/sagas/stuck-3?history_offset=2&history_limit=3");
  rapidjson::Document p = parse(page->body);
  ASSERT_EQ(p["history"].Size(), 3u);
  EXPECT_EQ(p["history"][0]["event"].GetString(),
            std::string(to_string(expected.history[2].event)));
}

TEST_F(AdminTest, DefinitionsCarryTheirDiagramsAndStatsGroupBlockedSagas) {
  rapidjson::Document d = parse(get("/api/definitions")->body);
  ASSERT_EQ(d["definitions"].Size(), 1u);
  const auto& def = d["definitions"][0];
  EXPECT_STREQ(def["name"].GetString(), "create_order");
  EXPECT_EQ(def["steps"].Size(), 6u);
  EXPECT_EQ(std::string(def["dot"].GetString()).rfind("digraph", 0), 0u);
  EXPECT_NE(std::string(def["mermaid"].GetString()).find("flowchart TD"), std::string::npos);

  rapidjson::Document s = parse(get("/api/stats")->body);
  EXPECT_EQ(s["failed_now"].GetUint64(), 1u);
  ASSERT_EQ(s["blocked"].Size(), 1u);
  EXPECT_STREQ(s["blocked"][0]["step_name"].GetString(), "create_ticket");
  EXPECT_STREQ(s["blocked"][0]["participant"].GetString(), "kitchen");
  EXPECT_EQ(s["blocked"][0]["count"].GetUint64(), 1u);
  EXPECT_STREQ(s["blocked"][0]["example"].GetString(), "stuck-3");
  EXPECT_TRUE(s["engine"]["running"].GetBool());
}

TEST_F(AdminTest, BadActionsChangeNothing) {
  struct Case {
    std::string path;
    std::string form;
    int status;
  };
  for (const Case& c : std::vector<Case>{
           {"/api/sagas/stuck-3/retry", "by=alice", 400},                   // no reason
           {"/api/sagas/stuck-3/retry", "reason=x", 400},                   // no by
           {"/api/sagas/stuck-3/retry", "by=alice&reason=x&force=1", 400},  // unknown
           {"/api/sagas/stuck-3/retry", "by=al%0Aice&reason=x", 400},       // control character
           {"/api/sagas/stuck-3/explode", "by=alice&reason=x", 404},
           {"/api/sagas/stuck-3/release_lock", "by=alice&reason=x", 404},
           {"/api/sagas/nope/retry", "by=alice&reason=x", 404},
           {"/api/sagas/ok-1/skip", "by=alice&reason=x", 409},  // completed
       }) {
    auto r = post(c.path, c.form);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, c.status) << c.path << " " << c.form << ": " << r->body;
  }
  EXPECT_EQ(requests(), 0u);
  EXPECT_STREQ(parse(get("/api/sagas/stuck-3")->body)["phase"].GetString(), "failed");
}

TEST_F(AdminTest, RetryIsQueuedWithItsAuditAndAppliedByTheEngine) {
  auto r = post("/api/sagas/stuck-3/retry", "by=alice&reason=kitchen+is+back");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 202) << r->body;
  rapidjson::Document d = parse(r->body);
  EXPECT_STREQ(d["state"].GetString(), "pending");
  EXPECT_STREQ(d["requested_by"].GetString(), "alice");
  const std::string id = std::to_string(d["request"].GetInt64());
  EXPECT_NE(log_.find("retry saga stuck-3 trace "), std::string::npos) << log_;
  EXPECT_NE(log_.find("by alice: kitchen is back"), std::string::npos) << log_;

  // The engine polls requests on its thread, every 200 ms of its clock.
  std::string state = "pending";
  for (int i = 0; i < 1000 && state == "pending"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    f.clock().advance(Millis{100});
    f.engine().tick();
    state = parse(get("/api/requests/" + id)->body)["state"].GetString();
  }
  EXPECT_EQ(state, "applied");
  EXPECT_EQ(f.settle("stuck-3").phase, Phase::kCompensated);
  rapidjson::Document saga = parse(get("/api/sagas/stuck-3")->body);
  bool audited = false;
  for (const auto& h : saga["history"].GetArray()) {
    audited |= std::string(h["event"].GetString()) == "operator_retried_compensation" &&
               std::string(h["reason"].GetString()) == "alice: kitchen is back";
  }
  EXPECT_TRUE(audited) << get("/api/sagas/stuck-3")->body;
}

TEST_F(AdminTest, TheConsoleIsServedWithoutATokenAndHoldsNoData) {
  auto page = client_->Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(page->body.find("stuck-3"), std::string::npos);
  EXPECT_EQ(client_->Get("/console.js")->status, 200);
  EXPECT_EQ(client_->Get("/console.css")->status, 200);
  EXPECT_EQ(client_->Get("/nothing")->status, 404);
  EXPECT_EQ(client_->Delete("/api/sagas")->status, 405);
}

TEST(AdminStart, RefusesWeakTokensBadAddressesAndMissingFiles) {
  EngineFixture f;
  ASSERT_TRUE(f.open().is_ok());
  AdminOptions o;
  o.database_path = f.database_path();
  o.read_token = "short";
  o.write_token = kWrite;
  EXPECT_EQ(AdminServer::start(o).status().code(), StatusCode::kInvalidArgument);
  o.read_token = kWrite;
  EXPECT_EQ(AdminServer::start(o).status().code(), StatusCode::kInvalidArgument);
  o.read_token = kRead;
  for (const char* address : {"127.0.0.1", "127.0.0.1:x", ":80", "127.0.0.1:70000"}) {
    o.address = address;
    EXPECT_EQ(AdminServer::start(o).status().code(), StatusCode::kInvalidArgument) << address;
  }
  o.address = "127.0.0.1:0";
  auto first = AdminServer::start(o);
  ASSERT_TRUE(first.is_ok());
  EXPECT_EQ((*first)->url(), "http://127.0.0.1:" + std::to_string((*first)->port()) + "/");
  o.address = "127.0.0.1:" + std::to_string((*first)->port());
  EXPECT_EQ(AdminServer::start(o).status().code(), StatusCode::kUnavailable);  // in use
  o.address = "127.0.0.1:0";
  o.database_path = f.dir().file("missing.db");
  EXPECT_EQ(AdminServer::start(o).status().code(), StatusCode::kNotFound);
}

TEST(AdminTokens, LoadFromAFileOrTheEnvironmentAndCompareInConstantTime) {
  testing::TempDir dir;
  { std::ofstream(dir.file("token")) << "s3cret-token-value  \n"; }
  EXPECT_EQ(load_token("file:" + dir.file("token")).value(), "s3cret-token-value");
  EXPECT_EQ(load_token("file:" + dir.file("none")).status().code(), StatusCode::kNotFound);
  ::setenv("SAGA_ADMIN_TEST_TOKEN", "from-env", 1);
  EXPECT_EQ(load_token("env:SAGA_ADMIN_TEST_TOKEN").value(), "from-env");
  ::setenv("SAGA_ADMIN_TEST_TOKEN", " ", 1);
  EXPECT_EQ(load_token("env:SAGA_ADMIN_TEST_TOKEN").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(load_token("env:SAGA_ADMIN_NO_SUCH").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(load_token("s3cret").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(load_token("s3cret").status().message().find("s3cret"), std::string::npos);
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(constant_time_equal("", "a"));
  EXPECT_TRUE(constant_time_equal("", ""));
}

}  // namespace
}  // namespace saga
