// How the JSON API writes sagas: one place, shared by the list, the saga page and the stats.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "saga/inspection.h"
#include "saga/json_writer.h"

namespace saga::admin {

// The recorded definitions by (name, version), to name steps and participants.
class DefinitionIndex {
 public:
  explicit DefinitionIndex(const std::vector<DefinitionInfo>& definitions);
  // The step's record, or null (unknown definition, steps not recorded, no such step).
  const StepRecord* step(const SagaInstance& saga, std::int32_t index) const;
  // The participant the saga's current step talks to (its compensation's while compensating,
  // or when it failed compensating); empty when none or unknown.
  std::string participant(const SagaInstance& saga) const;

 private:
  std::map<std::pair<std::string, std::uint32_t>, std::vector<StepRecord>> steps_;
};

// The instance's fields as members of an open object. `since`: the stuck-since time when known
// (0: the instance's last update is used).
void saga_fields(JsonWriter& j, const SagaInstance& saga, const DefinitionIndex& index, Millis now,
                 Millis since);

std::string_view wait_name(Wait wait);
bool unfinished(Phase phase);

}  // namespace saga::admin
