// PgCluster (pg_cluster.h): initdb + pg_ctl in a temporary folder, as a non-root user.
#include "pg_cluster.h"

#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include "store/pg_connection.h"

namespace saga::test {
namespace fs = std::filesystem;
namespace {

std::string find_bindir() {
  if (const char* env = std::getenv("SAGA_PG_BINDIR"); env != nullptr && *env != '\0') return env;
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    if (fs::exists(entry.path() / "bin" / "initdb")) found.push_back(entry.path() / "bin");
  }
  if (found.empty()) return {};
  std::sort(found.begin(), found.end(), [](const std::string& a, const std::string& b) {
    return std::stoi(fs::path(a).parent_path().filename().string()) <
           std::stoi(fs::path(b).parent_path().filename().string());
  });
  return found.back();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

Status PgCluster::run(const std::string& command) const {
  const std::string wrapped =
      (as_postgres_user_ ? "setpriv --reuid=postgres --regid=postgres --init-groups " : "") +
      std::string("sh -c '") + command + "' >>" + dir_ + "/steps.log 2>&1";
  const int rc = std::system(wrapped.c_str());
  if (rc == 0) return Status::ok();
  return Status(StatusCode::kInternal,
                "postgres cluster: `" + command + "` failed (" + std::to_string(rc) + "):\n" +
                    read_file(dir_ + "/steps.log") + read_file(dir_ + "/server.log"));
}

Result<PgCluster*> PgCluster::start(bool fsync) {
  std::unique_ptr<PgCluster> c(new PgCluster());
  c->fsync_ = fsync;
  c->bindir_ = find_bindir();
  if (c->bindir_.empty()) {
    return Status(StatusCode::kNotFound,
                  "postgres cluster: no /usr/lib/postgresql/*/bin/initdb (scripts/deps.sh "
                  "installs postgresql)");
  }
  std::string pattern = "/tmp/saga_pg_XXXXXX";  // short: a unix socket path has ~100 bytes
  if (mkdtemp(pattern.data()) == nullptr) return Status(StatusCode::kIoError, "mkdtemp");
  c->dir_ = pattern;
  if (geteuid() == 0) {
    const passwd* pw = getpwnam("postgres");
    if (pw == nullptr) {
      return Status(StatusCode::kNotFound,
                    "postgres cluster: running as root and no `postgres` user to run the server "
                    "as (the postgresql package creates it)");
    }
    if (chown(c->dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return Status(StatusCode::kIoError, "postgres cluster: chown " + c->dir_);
    }
    c->as_postgres_user_ = true;
  }
  chmod(c->dir_.c_str(), 0755);
  const std::string d = c->dir_;
  if (Status s = c->run(c->bindir_ + "/initdb -D " + d + "/data -A trust -U saga -E UTF8 " +
                        "--no-sync --no-instructions");
      !s) {
    return s;
  }
  if (Status s = c->start_server(); !s) return s;
  return c.release();
}

PgCluster& PgCluster::shared() {
  static std::unique_ptr<PgCluster> cluster = [] {
    Result<PgCluster*> started = start();
    if (!started) {
      std::fprintf(stderr, "%s\n", started.status().to_string().c_str());
      std::abort();  // a failure, never a skip
    }
    return std::unique_ptr<PgCluster>(started.value());
  }();
  return *cluster;
}

PgCluster::~PgCluster() {
  (void)run(bindir_ + "/pg_ctl -D " + dir_ + "/data -m immediate -t 30 stop");
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

std::string PgCluster::url(const std::string& database) const {
  return "postgresql:///" + database + "?host=" + dir_ + "&user=saga";
}

Result<std::string> PgCluster::create_database(const std::string& name) {
  Result<std::unique_ptr<pg::Connection>> c = pg::Connection::open(url());
  if (!c) return c.status();
  if (Status s = (*c)->run("create database", "CREATE DATABASE \"" + name + "\""); !s) return s;
  return url(name);
}

Status PgCluster::restart() {
  if (Status s = run(bindir_ + "/pg_ctl -D " + dir_ + "/data -m immediate -t 30 stop"); !s) {
    return s;
  }
  return start_server();
}

// Unix socket only, in the folder; no fsync unless asked (a test cluster: a killed server loses
// nothing, only a machine crash would; synchronous_commit stays on, or a restart would lose
// commits that clients were told were made); enough connections for the engines, tools and the
// test itself.
Status PgCluster::start_server() const {
  const std::string durability = fsync_ ? " -c fsync=on" : " -c fsync=off -c full_page_writes=off";
  return run(bindir_ + "/pg_ctl -D " + dir_ + "/data -l " + dir_ + "/server.log -w -t 60 -o \"-k " +
             dir_ + " -c listen_addresses=" + durability + " -c max_connections=60\" start");
}

}  // namespace saga::test
