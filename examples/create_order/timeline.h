// Prints a saga's history as a timeline a newcomer can read: one line per event, with the time
// since the saga started, the step, the command sent, the reply that came back, the attempt,
// and what it meant.
#pragma once

#include <ostream>
#include <vector>

#include "saga/definition.h"
#include "saga/instance.h"

namespace ftgo {

void print_timeline(std::ostream& out, const saga::SagaDefinition& definition,
                    const saga::SagaInstance& instance,
                    const std::vector<saga::HistoryEntry>& history);

}  // namespace ftgo
