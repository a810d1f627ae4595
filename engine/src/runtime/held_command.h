// HeldCommand: a command a participant's gate holds back, packed into one allocation.
//
// While a gate holds a command (in-flight cap, open breaker) nothing reads it until it is
// released, and after a restart with many sagas in flight most commands wait there: an
// Envelope is eleven std::string members (about 400 bytes and up to seven more allocations),
// the packed form is its fields' bytes with their lengths. pack and unpack round-trip every
// field exactly. Engine thread only.
#pragma once

#include <string>

#include "saga/envelope.h"

namespace saga {

class HeldCommand {
 public:
  explicit HeldCommand(const Envelope& envelope);
  Envelope unpack() const;
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

}  // namespace saga
