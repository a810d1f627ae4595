// A throwaway PostgreSQL cluster for the tests labelled `postgres` (docs/scale-out.md, "Tests"):
// initdb in a fresh temporary folder, a server listening only on a unix socket in that folder
// (no TCP port, so parallel test binaries never clash), stopped and removed at the end.
//
// PostgreSQL refuses to run as root. When the tests run as root (CI), initdb and pg_ctl run as
// the `postgres` system user that Debian's postgresql package creates (setpriv), in a folder it
// owns; otherwise as the current user. The server binaries are found in
// /usr/lib/postgresql/<version>/bin (the newest), or $SAGA_PG_BINDIR. Every step is bounded
// (pg_ctl -t); a failure is a test failure with the server's log, never a skip.
#pragma once

#include <string>

#include "saga/status.h"

namespace saga::test {

class PgCluster {
 public:
  // Starts a cluster (initdb + pg_ctl start). Errors name the step and include its output.
  // fsync off (the tests': a killed server loses nothing, only a machine crash would); `fsync`
  // true: every commit is flushed to disk, as a production server does (the bench).
  static Result<PgCluster*> start(bool fsync = false);
  // The one cluster of this test binary, started on first use and stopped at exit.
  static PgCluster& shared();
  ~PgCluster();

  // A connection URI for database `database` (created by create_database) as the superuser.
  std::string url(const std::string& database = "postgres") const;
  // CREATE DATABASE; returns its url.
  Result<std::string> create_database(const std::string& name);
  // Stops the server abruptly (pg_ctl stop -m immediate) and starts it again on the same data:
  // what a database crash and restart look like to its clients.
  Status restart();
  const std::string& dir() const { return dir_; }

 private:
  PgCluster() = default;
  Status run(const std::string& command) const;  // as the cluster's user; output to log
  Status start_server() const;
  std::string dir_;
  std::string bindir_;
  bool as_postgres_user_ = false;
  bool fsync_ = false;
};

}  // namespace saga::test
