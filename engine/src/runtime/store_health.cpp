#include "runtime/store_health.h"

#include <algorithm>

namespace saga {
namespace {

std::string ms(Millis d) { return std::to_string(d.count()) + "ms"; }

}  // namespace

StoreHealthMonitor::StoreHealthMonitor(const EngineLog& log, Millis initial, Millis max,
                                       Millis summary_interval, Callback on_change)
    : log_(log),
      initial_(initial),
      max_(max),
      summary_interval_(summary_interval),
      on_change_(std::move(on_change)) {}

void StoreHealthMonitor::failed(const Status& error, std::size_t inputs, Millis now) {
  ++health_.failed_commits;
  ++health_.failed_commits_in_fault;
  health_.last_error = error.to_string();
  inputs_waiting_ = inputs;
  if (health_.ok) {
    health_.ok = false;
    health_.failing_since = now;
    health_.retry_delay = initial_;
    last_summary_ = now;
    log_(LogLevel::kError, "event=store_fault_began inputs=" + std::to_string(inputs) +
                               " retry_in=" + ms(health_.retry_delay) + " max_retry_delay=" +
                               ms(max_) + " error=\"" + health_.last_error + "\"");
    next_attempt_ = now + health_.retry_delay;
    notify();
    return;
  }
  health_.retry_delay = std::min(health_.retry_delay * 2, max_);
  next_attempt_ = now + health_.retry_delay;
  if (now - last_summary_ < summary_interval_) return;
  last_summary_ = now;
  log_(LogLevel::kError,
       "event=store_fault_continues failing_for=" + ms(now - health_.failing_since) +
           " failed_commits=" + std::to_string(health_.failed_commits_in_fault) +
           " inputs_waiting=" + std::to_string(inputs) + " retry_in=" + ms(health_.retry_delay) +
           " error=\"" + health_.last_error + "\"");
  notify();
}

void StoreHealthMonitor::succeeded(Millis now) {
  if (health_.ok) return;
  log_(LogLevel::kWarning,
       "event=store_fault_ended failed_for=" + ms(now - health_.failing_since) +
           " failed_commits=" + std::to_string(health_.failed_commits_in_fault) +
           " inputs_committed=" + std::to_string(inputs_waiting_));
  health_.ok = true;
  health_.failing_since = Millis{0};
  health_.failed_commits_in_fault = 0;
  health_.retry_delay = Millis{0};
  inputs_waiting_ = 0;
  notify();
}

}  // namespace saga
