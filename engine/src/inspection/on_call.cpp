// Inspector (saga/inspection.h): the on-call views, stuck-since, held commands and blocked
// sagas grouped by step and participant.
#include <map>
#include <tuple>

#include "saga/inspection.h"

namespace saga {

namespace {
bool unfinished(Phase p) {
  return p == Phase::kExecuting || p == Phase::kCompensating || p == Phase::kFailed;
}
}  // namespace

Millis SagaDetail::on_step_since() const {
  if (history.empty()) return Millis{0};
  if (!unfinished(instance.phase)) return history.back().time;
  Millis since = history.back().time;
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    if (it->step != instance.step) break;
    since = it->time;
  }
  return since;
}

const HistoryEntry* SagaDetail::held_command() const {
  if (instance.phase != Phase::kExecuting && instance.phase != Phase::kCompensating) {
    return nullptr;
  }
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    if (it->step != instance.step || it->event == Event::kCommandReleased) return nullptr;
    if (it->event == Event::kCommandHeld) return &*it;
  }
  return nullptr;
}

Result<std::vector<BlockedGroup>> Inspector::blocked(std::size_t max_sagas, bool& truncated) {
  Result<std::vector<DefinitionInfo>> defs = definitions();
  if (!defs) return defs.status();
  std::map<std::pair<std::string, std::uint32_t>, const std::vector<StepRecord>*> steps;
  for (const DefinitionInfo& d : defs.value()) {
    if (d.record.steps) steps[{d.record.name, d.record.version}] = &*d.record.steps;
  }
  // The last member: the step's compensation rather than its action.
  std::map<std::tuple<std::string, std::uint32_t, Phase, std::int32_t, bool>, BlockedGroup> groups;
  std::size_t read = 0;
  truncated = false;
  for (Phase phase : {Phase::kExecuting, Phase::kCompensating, Phase::kFailed}) {
    SagaQuery q;
    q.phase = phase;
    q.limit = max_sagas + 1 - read;
    Result<std::vector<SagaInstance>> rows = list(q);
    if (!rows) return rows.status();
    for (const SagaInstance& s : rows.value()) {
      if (read == max_sagas) {
        truncated = true;
        break;
      }
      ++read;
      const bool back = s.phase == Phase::kCompensating ||
                        (s.phase == Phase::kFailed && s.failed_from == Phase::kCompensating);
      BlockedGroup& g = groups[{s.type, s.version, s.phase, s.step, back}];
      if (g.count++ == 0) {
        g.type = s.type;
        g.version = s.version;
        g.phase = s.phase;
        g.step = s.step;
        auto known = steps.find({s.type, s.version});
        if (known != steps.end() && s.step >= 0 &&
            static_cast<std::size_t>(s.step) < known->second->size()) {
          const StepRecord& r = (*known->second)[static_cast<std::size_t>(s.step)];
          g.step_name = r.name;
          g.participant = back ? r.compensation_participant : r.participant;
        }
      }
      if (g.example.empty() || s.updated_at < g.oldest_update) {
        g.oldest_update = s.updated_at;
        g.example = s.id;
      }
    }
    if (truncated) break;
  }
  std::vector<BlockedGroup> out;
  for (auto& [key, g] : groups) out.push_back(std::move(g));
  return out;
}

}  // namespace saga
