#include "service_support.h"

#include <string>

namespace ftgo {

saga::Result<std::unique_ptr<saga::Participant>> open_participant(const ServiceOptions& options,
                                                                  std::string_view schema,
                                                                  std::string_view seed) {
  saga::ParticipantOptions p;
  p.endpoint = options.endpoint;
  p.database_path = options.database_path;
  p.synchronous = options.synchronous;
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

std::int64_t as_int(const saga::SqlValue& value) {
  const auto* i = std::get_if<std::int64_t>(&value);
  return i != nullptr ? *i : 0;
}

std::string as_text(const saga::SqlValue& value) {
  const auto* s = std::get_if<std::string>(&value);
  return s != nullptr ? *s : std::string();
}

}  // namespace ftgo
