#include "failure_injection.h"

#include <unistd.h>

#include <charconv>

namespace ftgo {
namespace {

bool parse_int(std::string_view text, std::int64_t& out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end;
}

// "CMD:N" or "CMD:N@SAGA" or "CMD:always".
saga::Result<FailureRule> parse_rule(std::string_view value) {
  FailureRule rule;
  const std::size_t at = value.find('@');
  if (at != std::string_view::npos) {
    rule.saga_id = std::string(value.substr(at + 1));
    value = value.substr(0, at);
  }
  const std::size_t colon = value.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return saga::invalid_argument("expected CMD:N, got '" + std::string(value) + "'");
  }
  rule.command = std::string(value.substr(0, colon));
  const std::string_view count = value.substr(colon + 1);
  if (count == "always") {
    rule.times = FailureRule::kAlways;
  } else if (!parse_int(count, rule.times) || rule.times < 0) {
    return saga::invalid_argument("bad count '" + std::string(count) + "'");
  }
  return rule;
}

std::string rule_text(const FailureRule& r) {
  std::string text =
      r.command + ":" + (r.times == FailureRule::kAlways ? "always" : std::to_string(r.times));
  if (!r.saga_id.empty()) text += "@" + r.saga_id;
  return text;
}

std::string rule_key(std::string_view kind, const FailureRule& r) {
  return std::string(kind) + "/" + r.command + "@" + r.saga_id;
}

}  // namespace

saga::Status FailurePlan::apply_flag(std::string_view flag, std::string_view value) {
  if (flag == "--fail" || flag == "--drop-replies") {
    saga::Result<FailureRule> rule = parse_rule(value);
    if (!rule) return rule.status().with_context(flag);
    (flag == "--fail" ? fail : drop_replies).push_back(std::move(rule).value());
    return saga::Status::ok();
  }
  if (flag == "--delay-ms") {
    saga::Result<FailureRule> rule = parse_rule(value);
    if (!rule || rule->times < 0) return saga::invalid_argument("--delay-ms: expected CMD:MS");
    const std::string key =
        rule->saga_id.empty() ? rule->command : rule->command + "@" + rule->saga_id;
    delay[key] = saga::Millis{rule->times};
    return saga::Status::ok();
  }
  if (flag == "--drop-hold-ms") {
    std::int64_t ms = 0;
    if (!parse_int(value, ms) || ms < 0) return saga::invalid_argument("--drop-hold-ms: bad value");
    drop_hold = saga::Millis{ms};
    return saga::Status::ok();
  }
  if (flag == "--crash-after") {
    if (!parse_int(value, crash_after) || crash_after < 1) {
      return saga::invalid_argument("--crash-after: expected a count >= 1");
    }
    return saga::Status::ok();
  }
  return saga::not_found("not a failure-injection flag: " + std::string(flag));
}

std::vector<std::string> FailurePlan::to_flags() const {
  std::vector<std::string> flags;
  for (const FailureRule& r : fail) flags.insert(flags.end(), {"--fail", rule_text(r)});
  for (const FailureRule& r : drop_replies) {
    flags.insert(flags.end(), {"--drop-replies", rule_text(r)});
  }
  for (const auto& [key, ms] : delay) {
    const std::size_t at = key.find('@');  // "CMD@SAGA" -> "CMD:MS@SAGA"
    flags.insert(flags.end(), {"--delay-ms", key.substr(0, at) + ":" + std::to_string(ms.count()) +
                                                 (at == std::string::npos ? "" : key.substr(at))});
  }
  if (!drop_replies.empty()) {
    flags.insert(flags.end(), {"--drop-hold-ms", std::to_string(drop_hold.count())});
  }
  if (crash_after > 0) flags.insert(flags.end(), {"--crash-after", std::to_string(crash_after)});
  return flags;
}

bool FailurePlan::empty() const {
  return fail.empty() && drop_replies.empty() && delay.empty() && crash_after == 0;
}

std::int64_t FailureInjector::commands_seen() const {
  std::lock_guard lock(mutex_);
  return commands_seen_;
}

FailureInjector::EventPlan FailureInjector::event_plan(std::string_view name,
                                                       const std::string& saga_id) const {
  std::lock_guard lock(mutex_);
  auto applies = [&](const FailureRule& r) {
    return r.command == name && (r.saga_id.empty() || r.saga_id == saga_id);
  };
  EventPlan p;
  for (const FailureRule& r : plan_.fail) p.never = p.never || (applies(r) && r.times != 0);
  for (const FailureRule& r : plan_.drop_replies) {
    if (applies(r)) p.lost_answers += r.times == FailureRule::kAlways ? 1 : r.times;
  }
  if (auto it = plan_.delay.find(std::string(name) + "@" + saga_id); it != plan_.delay.end()) {
    p.delay = it->second;
  } else if (auto all = plan_.delay.find(name); all != plan_.delay.end()) {
    p.delay = all->second;
  }
  return p;
}

FailureInjector::Decision FailureInjector::decide(std::string_view command,
                                                  const std::string& saga_id) {
  std::lock_guard lock(mutex_);
  ++commands_seen_;
  if (plan_.crash_after > 0 && commands_seen_ > plan_.crash_after) {
    _exit(137);  // as abrupt as kill -9: no destructors, no flush, no commit
  }
  // Takes one use of the first matching rule that still has uses left.
  auto take = [&](std::string_view kind, const std::vector<FailureRule>& rules) {
    for (const FailureRule& r : rules) {
      if (r.command != command || (!r.saga_id.empty() && r.saga_id != saga_id)) continue;
      std::int64_t& used = used_[rule_key(kind, r)];
      if (r.times != FailureRule::kAlways && used >= r.times) continue;
      ++used;
      return true;
    }
    return false;
  };
  Decision d;
  // A delay for this saga ("CMD@SAGA") before one for every saga ("CMD").
  if (auto it = plan_.delay.find(std::string(command) + "@" + saga_id); it != plan_.delay.end()) {
    d.delay = it->second;
  } else if (auto all = plan_.delay.find(command); all != plan_.delay.end()) {
    d.delay = all->second;
  }
  d.fail = take("fail", plan_.fail);
  if (!d.fail && take("drop", plan_.drop_replies)) d.hold = plan_.drop_hold;
  return d;
}

}  // namespace ftgo
