// DefinitionRegistry: the saga definitions an engine knows, by name and version, each with its
// fingerprint computed once at registration. Definitions the store has not recorded yet wait
// here for the next commit. Thread-safe: API threads register, the engine thread looks up.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "saga/definition.h"
#include "saga/instance.h"
#include "saga/status.h"
#include "saga/store_records.h"

namespace saga {

class DefinitionRegistry {
 public:
  // `recorded`: the definitions in the store when it was opened.
  explicit DefinitionRegistry(std::vector<DefinitionRecord> recorded)
      : recorded_(std::move(recorded)) {}

  // Registers `definition` (validated). The same name, version and fingerprint again is a
  // no-op; another fingerprint under a registered name and version is kAlreadyExists. One the
  // store has not recorded is queued for it, registered at `now`. kInvalidArgument when, with
  // it, a chain of child sagas through registered definitions (a child step's type, its version
  // or the newest) would nest deeper than kMaxChildDepth, or loop (docs/dsl.md, "Child sagas").
  Status add(std::shared_ptr<const SagaDefinition> definition, Millis now);
  // The definition that runs `instance`: its type and version, and its fingerprint when the
  // instance has one. Null when there is none.
  std::shared_ptr<const SagaDefinition> find(const SagaInstance& instance) const;
  // Pins a new instance to a definition: version 0 becomes the latest, and the fingerprint is
  // filled in. kNotFound when the type or the version is not registered.
  Status pin(SagaInstance& instance) const;
  // Definitions to record with the next commit (taken: a failed commit gives them back).
  std::vector<DefinitionRecord> take_unrecorded();
  void give_back(const std::vector<DefinitionRecord>& records);

 private:
  struct Registered {
    std::shared_ptr<const SagaDefinition> definition;
    std::string fingerprint;  // computed once, at registration
  };
  using ByVersion = std::map<std::uint32_t, Registered>;

  // The registered definition a child step starts (null: not registered yet). Lock held.
  const SagaDefinition* child_definition(const ChildSaga& child) const;
  // The longest chain of definition names from `def` down its child steps, cut one past the
  // bound (so a loop ends). Lock held.
  void longest_chain(const SagaDefinition& def, std::vector<std::string>& chain,
                     std::vector<std::string>& longest) const;
  // kInvalidArgument naming the first registered definition whose children nest too deep.
  Status check_child_depth() const;

  mutable std::mutex mutex_;
  std::map<std::string, ByVersion, std::less<>> definitions_;
  std::vector<DefinitionRecord> unrecorded_;
  std::vector<DefinitionRecord> recorded_;
};

}  // namespace saga
