// HeldCommand: a command a participant's gate holds back, packed into one allocation.
//
// While a gate holds a command (in-flight cap, open breaker) nothing reads it until it is
// released, and after a restart with many sagas in flight most commands wait there: an
// Envelope is eleven std::string members (about 400 bytes and up to seven more allocations),
// the packed form is its fields' bytes with their lengths, and the names every command of a
// saga type repeats (command name, saga type, step) as indexes into a NamePool that keeps each
// once. pack and unpack round-trip every field exactly. Engine thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

#include "saga/envelope.h"

namespace saga {

// Each distinct name once, by index (the names of the registered definitions: few).
class NamePool {
 public:
  std::uint32_t index(const std::string& name);
  const std::string& name(std::uint32_t index) const { return names_.at(index); }
  void clear() {
    by_name_.clear();
    names_.clear();
  }

 private:
  std::deque<std::string> names_;  // stable: by_name_'s keys view them
  std::unordered_map<std::string_view, std::uint32_t> by_name_;
};

class HeldCommand {
 public:
  HeldCommand(const Envelope& envelope, NamePool& names);
  Envelope unpack(const NamePool& names) const;
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

}  // namespace saga
