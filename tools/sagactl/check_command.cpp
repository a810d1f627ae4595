// sagactl check FILE: PRAGMA integrity_check on any SQLite file of the system (the engine's, a
// participant's), read-only. Uses the store's internal check (store/sqlite_check.h), the one
// place sagactl goes below the inspection API: a damaged file cannot be opened through it.
#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "command_support.h"
#include "commands.h"
#include "sqlite_check.h"
#include "sqlite_error.h"

namespace sagactl {

int check(Context& c, const std::string& file, std::size_t max_problems) {
  if (file.empty()) return fail(c, "no file: sagactl check FILE (or --db FILE)");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return fail(c, "no such database file: " + file);
  std::vector<std::string> problems;
  try {
    SQLite::Database db(file, SQLite::OPEN_READONLY);
    problems = saga::sqlite_check::problems(db, "integrity_check", static_cast<int>(max_problems));
  } catch (const SQLite::Exception& e) {
    const saga::Status s = saga::sqlite_error::from_exception(e, file);
    // Not a database, or so damaged that the check stops: a finding, not a failure to check.
    if (s.code() != saga::StatusCode::kCorrupt) return fail(c, s.to_string());
    problems.push_back(s.message());
  }
  if (c.json) {
    saga::JsonWriter j(true);
    j.begin_object().field("file", file).field("ok", problems.empty()).key("problems");
    j.begin_array();
    for (const std::string& p : problems) j.value(p);
    j.end_array().end_object();
    *c.out << j.str() << '\n';
  } else if (problems.empty()) {
    *c.out << file << ": ok\n";
  } else {
    *c.out << file << ": " << problems.size() << (problems.size() == 1 ? " problem" : " problems")
           << (problems.size() >= max_problems ? " (the first " + std::to_string(max_problems) + ")"
                                               : std::string())
           << ":\n";
    for (const std::string& p : problems) *c.out << "  " << p << '\n';
  }
  return problems.empty() ? kExitOk : kExitRejected;
}

}  // namespace sagactl
