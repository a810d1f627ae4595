// Time as the engine sees it: an injectable Clock.
//
// The engine never reads the system time directly; it asks its Clock. Production code uses
// SystemClock; tests use VirtualClock and move time forward by hand, so that timeouts and
// retries fire deterministically and no test sleeps to wait for a timer.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

namespace saga {

using Millis = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since an epoch fixed for the clock's lifetime (the Unix epoch for SystemClock).
  // Thread-safe.
  virtual Millis now() const = 0;
};

// Wall-clock time since the Unix epoch.
class SystemClock final : public Clock {
 public:
  Millis now() const override;
};

// Time that moves only when told to. Starts at `start`. Thread-safe.
class VirtualClock final : public Clock {
 public:
  explicit VirtualClock(Millis start = Millis{1'000'000}) : now_(start) {}
  Millis now() const override;
  void advance(Millis by);
  void set(Millis to);  // `to` must not be earlier than now()

 private:
  mutable std::mutex mutex_;
  Millis now_;
};

}  // namespace saga
