#include "service_support.h"

#include <SQLiteCpp/Exception.h>

#include <string>

#include "sqlite_error.h"

namespace ftgo {

std::optional<saga::LogLevel> parse_log_level(std::string_view text) {
  for (saga::LogLevel l : {saga::LogLevel::kDebug, saga::LogLevel::kInfo, saga::LogLevel::kWarning,
                           saga::LogLevel::kError}) {
    if (saga::to_string(l) == text) return l;
  }
  return std::nullopt;
}

saga::Result<std::unique_ptr<saga::Participant>> open_participant(const ServiceOptions& options,
                                                                  std::string_view schema,
                                                                  std::string_view seed) {
  saga::ParticipantOptions p;
  p.endpoint = options.endpoint;
  p.database_path = options.database_path;
  p.synchronous = options.synchronous;
  p.curve = options.curve;
  p.inbox_keep = options.inbox_keep;
  p.resend_horizon = options.resend_horizon;
  p.inbox_prune_interval = options.inbox_prune_interval;
  p.log = [sink = saga::make_stderr_log_sink(), level = options.log_level](saga::LogLevel l,
                                                                           std::string_view line) {
    if (l >= level) sink(l, line);
  };
  auto participant = saga::Participant::open(std::move(p));
  if (!participant) return participant.status();
  if (saga::Status s = participant.value()->exec_schema(schema); !s) return s;
  if (!seed.empty()) {
    if (saga::Status s = participant.value()->exec_schema(seed); !s) return s;
  }
  return participant;
}

void throw_on_error(const saga::Status& status) {
  if (!status) throw std::runtime_error(status.to_string());
}

saga::Status orders_error(const std::exception& e, std::string_view what) {
  const std::string context = "orders: " + std::string(what);
  if (const auto* sqlite = dynamic_cast<const SQLite::Exception*>(&e)) {
    return saga::sqlite_error::from_exception(*sqlite, context);
  }
  return saga::internal_error(context + ": " + e.what());
}

std::int64_t as_int(const saga::SqlValue& value) {
  const auto* i = std::get_if<std::int64_t>(&value);
  return i != nullptr ? *i : 0;
}

std::string as_text(const saga::SqlValue& value) {
  const auto* s = std::get_if<std::string>(&value);
  return s != nullptr ? *s : std::string();
}

}  // namespace ftgo
