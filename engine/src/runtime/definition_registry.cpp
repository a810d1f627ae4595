#include "runtime/definition_registry.h"

#include <algorithm>
#include <iterator>
#include <string>

namespace saga {

Status DefinitionRegistry::add(std::shared_ptr<const SagaDefinition> definition, Millis now) {
  if (!definition) return invalid_argument("register_definition: null definition");
  if (Status s = validate(*definition); !s) return s;
  DefinitionRecord record = definition_record(*definition);
  std::lock_guard lock(mutex_);
  auto& versions = definitions_[definition->name];
  auto it = versions.find(definition->version);
  if (it != versions.end()) {
    if (it->second.fingerprint == record.fingerprint) return Status::ok();
    return already_exists("definition " + record.name + " v" + std::to_string(record.version) +
                          " is registered with another fingerprint");
  }
  const std::uint32_t version = definition->version;
  versions.emplace(version, Registered{std::move(definition), record.fingerprint});
  if (Status s = check_child_depth(); !s) {
    versions.erase(version);
    if (versions.empty()) definitions_.erase(record.name);
    return s;
  }
  const bool recorded =
      std::any_of(recorded_.begin(), recorded_.end(), [&](const DefinitionRecord& r) {
        // A record from before schema v5 has no steps: record them now.
        return r.name == record.name && r.version == record.version &&
               r.fingerprint == record.fingerprint && r.steps;
      });
  if (!recorded) {
    record.registered_at = now;
    unrecorded_.push_back(std::move(record));
  }
  return Status::ok();
}

std::shared_ptr<const SagaDefinition> DefinitionRegistry::find(const SagaInstance& instance) const {
  std::lock_guard lock(mutex_);
  auto named = definitions_.find(instance.type);
  if (named == definitions_.end()) return nullptr;
  auto it = named->second.find(instance.version);
  if (it == named->second.end()) return nullptr;
  if (!instance.fingerprint.empty() && it->second.fingerprint != instance.fingerprint) {
    return nullptr;
  }
  return it->second.definition;
}

Status DefinitionRegistry::pin(SagaInstance& instance) const {
  std::lock_guard lock(mutex_);
  auto named = definitions_.find(instance.type);
  if (named == definitions_.end() || named->second.empty()) {
    return not_found("no definition registered for saga type '" + instance.type + "'");
  }
  if (instance.version == 0) instance.version = named->second.rbegin()->first;
  auto it = named->second.find(instance.version);
  if (it == named->second.end()) {
    return not_found("saga type '" + instance.type + "' has no version " +
                     std::to_string(instance.version));
  }
  instance.fingerprint = it->second.fingerprint;
  return Status::ok();
}

std::vector<DefinitionRecord> DefinitionRegistry::take_unrecorded() {
  std::lock_guard lock(mutex_);
  std::vector<DefinitionRecord> out = std::move(unrecorded_);
  unrecorded_.clear();
  return out;
}

void DefinitionRegistry::give_back(const std::vector<DefinitionRecord>& records) {
  std::lock_guard lock(mutex_);
  for (const DefinitionRecord& d : records) unrecorded_.push_back(d);
}

const SagaDefinition* DefinitionRegistry::child_definition(const ChildSaga& child) const {
  auto named = definitions_.find(child.type);
  if (named == definitions_.end() || named->second.empty()) return nullptr;
  auto it = child.version == 0 ? std::prev(named->second.end()) : named->second.find(child.version);
  return it == named->second.end() ? nullptr : it->second.definition.get();
}

void DefinitionRegistry::longest_chain(const SagaDefinition& def, std::vector<std::string>& chain,
                                       std::vector<std::string>& longest) const {
  chain.push_back(def.name + " v" + std::to_string(def.version));
  if (chain.size() > longest.size()) longest = chain;
  if (chain.size() <= static_cast<std::size_t>(kMaxChildDepth) + 1) {  // one more is refused
    for (const StepDefinition& step : def.steps) {
      const SagaDefinition* child = step.child ? child_definition(*step.child) : nullptr;
      if (child != nullptr) longest_chain(*child, chain, longest);
    }
  }
  chain.pop_back();
}

Status DefinitionRegistry::check_child_depth() const {
  for (const auto& [name, versions] : definitions_) {
    for (const auto& [version, registered] : versions) {
      std::vector<std::string> chain;
      std::vector<std::string> longest;
      longest_chain(*registered.definition, chain, longest);
      if (longest.size() <= static_cast<std::size_t>(kMaxChildDepth) + 1) continue;
      std::string path;
      for (const std::string& link : longest) path += (path.empty() ? "" : " -> ") + link;
      return invalid_argument("definition " + name + " v" + std::to_string(version) +
                              " starts child sagas more than " + std::to_string(kMaxChildDepth) +
                              " deep (children nest at most " + std::to_string(kMaxChildDepth) +
                              " deep): " + path);
    }
  }
  return Status::ok();
}

}  // namespace saga
