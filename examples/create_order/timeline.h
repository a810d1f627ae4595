// Prints a saga's history as a timeline a newcomer can read: one line per event, with the time
// since the saga started, the step, the command sent, the reply that came back, the attempt,
// and what it meant.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "saga/definition.h"
#include "saga/instance.h"

namespace ftgo {

void print_timeline(std::ostream& out, const saga::SagaDefinition& definition,
                    const saga::SagaInstance& instance,
                    const std::vector<saga::HistoryEntry>& history);

// One saga among those print_timelines interleaves.
struct TimelineSaga {
  std::string saga_id;
  const saga::SagaDefinition* definition = nullptr;
  std::vector<saga::HistoryEntry> history;
};

// Several sagas' histories as one timeline, in time order, with a column naming the saga:
// shows how sagas on the same order overlapped (Create Order still running when a Cancel came).
void print_timelines(std::ostream& out, const std::vector<TimelineSaga>& sagas);

}  // namespace ftgo
