// What the tests of handlers that start or signal sagas share (participant_start_test.cpp,
// participant_signal_test.cpp): a participant on a file, running, with a client; and reads of
// the file through a connection of the test's own.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "integration/participant_test_support.h"

namespace saga::test {

inline std::int64_t count(const std::string& path, const std::string& sql) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  return db.execAndGet(sql).getInt64();
}

// "ok", "fail:<reason>" or "<no reply>".
inline std::string reply_text(const std::optional<Envelope>& r) {
  if (!r) return "<no reply>";
  return std::string(r->outcome == Outcome::kSuccess ? "ok" : "fail:" + r->reason);
}

// A participant on `file` (loopback tcp) with the handlers `install` gave it, run on a thread,
// and a DEALER client connected to it. `participant` is null when it did not open.
struct ParticipantOnFile {
  ParticipantOnFile(const std::string& file, ParticipantOptions options,
                    const std::function<void(Participant&)>& install) {
    participant = open_participant("tcp://127.0.0.1:*", file, std::move(options));
    if (!participant) return;
    install(*participant);
    running.emplace(*participant);
    client.emplace(participant->endpoint());
  }
  std::unique_ptr<Participant> participant;
  std::optional<Running> running;
  std::optional<Client> client;
};

}  // namespace saga::test
