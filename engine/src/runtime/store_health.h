// StoreHealthMonitor: what the engine knows about its store's health, and when it tries a
// commit again. A fault begins with a failed commit and ends with the next one that succeeds;
// between them every attempt waits a backoff that doubles from `initial` up to `max`. It logs
// one error when a fault begins, a summary at most every `summary_interval` while it lasts and
// one line when it ends (never a line per attempt), and calls the health callback at each of
// those. Engine thread only; time comes in as an argument (the engine's clock).
#pragma once

#include <cstddef>
#include <functional>

#include "runtime/engine_log.h"
#include "saga/engine.h"

namespace saga {

class StoreHealthMonitor {
 public:
  using Callback = std::function<void(const StoreHealth&)>;

  StoreHealthMonitor(const EngineLog& log, Millis initial, Millis max, Millis summary_interval,
                     Callback on_change);

  // A commit of `inputs` inputs failed at `now` with `error`; the next attempt waits.
  void failed(const Status& error, std::size_t inputs, Millis now);
  // A commit succeeded at `now`: ends the fault, if one is on.
  void succeeded(Millis now);
  // Whether a fault is on and its next attempt is later than `now`.
  bool backing_off(Millis now) const { return !health_.ok && now < next_attempt_; }
  // When the next attempt is due (meaningful while a fault is on).
  Millis next_attempt() const { return next_attempt_; }
  const StoreHealth& health() const { return health_; }

 private:
  void notify() const {
    if (on_change_) on_change_(health_);
  }

  const EngineLog& log_;
  Millis initial_;
  Millis max_;
  Millis summary_interval_;
  Callback on_change_;
  StoreHealth health_;
  Millis next_attempt_{0};
  Millis last_summary_{0};
  std::size_t inputs_waiting_ = 0;  // inputs of the last failed attempt
};

}  // namespace saga
