#include "saga/participant_registry.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

namespace saga {
namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

Status check_name(std::string_view name) {
  if (name.empty()) return invalid_argument("empty participant name");
  for (char c : name) {
    if (!is_name_char(c)) {
      return invalid_argument("participant name '" + std::string(name) +
                              "' may hold only letters, digits, '_', '-' and '.'");
    }
  }
  return Status::ok();
}

Status check_endpoint(std::string_view endpoint) {
  for (std::string_view scheme : {std::string_view("tcp://"), std::string_view("ipc://")}) {
    if (endpoint.starts_with(scheme)) {
      if (endpoint.size() == scheme.size()) {
        return invalid_argument("endpoint '" + std::string(endpoint) + "' has no address");
      }
      for (char c : endpoint) {
        if (c == ' ' || c == '\t') {
          return invalid_argument("endpoint '" + std::string(endpoint) + "' contains a space");
        }
      }
      return Status::ok();
    }
  }
  return invalid_argument("endpoint '" + std::string(endpoint) +
                          "' must start with tcp:// or ipc://");
}

std::string_view trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

Status ParticipantRegistry::add(std::string name, std::string endpoint) {
  if (Status s = check_name(name); !s) return s;
  if (Status s = check_endpoint(endpoint); !s) return s.with_context("participant '" + name + "'");
  if (entries_.contains(name)) return already_exists("participant '" + name + "' registered twice");
  entries_.emplace(std::move(name), std::move(endpoint));
  return Status::ok();
}

std::optional<std::string_view> ParticipantRegistry::find(std::string_view name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) return std::nullopt;
  return std::string_view(it->second);
}

Result<ParticipantRegistry> parse_participant_registry(std::string_view text,
                                                       std::string_view source) {
  ParticipantRegistry registry;
  std::map<std::string, std::size_t, std::less<>> first_line;
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);

    const std::string where = std::string(source) + ":" + std::to_string(line_number);
    if (const std::size_t hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    line = trim(line);
    if (line.empty()) continue;

    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return invalid_argument(where + ": expected 'name = endpoint', got '" + std::string(line) +
                              "'");
    }
    const std::string_view name = trim(line.substr(0, eq));
    const std::string_view endpoint = trim(line.substr(eq + 1));
    if (endpoint.find('=') != std::string_view::npos) {
      return invalid_argument(where + ": expected one '=' in '" + std::string(line) + "'");
    }
    if (auto it = first_line.find(name); it != first_line.end()) {
      return already_exists(where + ": duplicate participant '" + std::string(name) +
                            "' (first on line " + std::to_string(it->second) + ")");
    }
    if (Status s = registry.add(std::string(name), std::string(endpoint)); !s) {
      return s.with_context(where);
    }
    first_line.emplace(std::string(name), line_number);
  }
  return registry;
}

Result<ParticipantRegistry> load_participant_registry(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return not_found("participant registry '" + path + "': cannot open: " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return Status(StatusCode::kIoError, "participant registry '" + path + "': read failed");
  }
  return parse_participant_registry(text.str(), path);
}

}  // namespace saga
