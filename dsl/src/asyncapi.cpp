#include "saga/asyncapi.h"

#include <map>
#include <set>
#include <string_view>

#include "saga/json_writer.h"

namespace saga {
namespace {

constexpr std::string_view kNonEmpty = R"({"type":"string","minLength":1})";
constexpr std::string_view kContentTypes =
    R"({"type":"string","enum":["application/x-cereal-portable-binary","application/json"],)"
    R"("description":"the body's encoding; required when the body is not empty"})";

// The saga/1 header of a command (frame 2), as the C++ decoder checks it.
void write_command_header(JsonWriter& w) {
  w.key("CommandHeader").begin_object();
  w.field("type", "object").field("description", "frame 2 of a command (docs/protocol.md)");
  w.key("required").begin_array();
  for (const char* f : {"kind", "message_id", "saga_id", "saga_type", "step", "name"}) w.value(f);
  w.end_array().key("properties").begin_object();
  w.key("kind").raw(R"({"const":"command"})");
  for (const char* f : {"message_id", "saga_id", "saga_type", "step", "name"})
    w.key(f).raw(kNonEmpty);
  w.key("compensation").raw(R"({"type":"boolean","default":false})");
  w.key("attempt").raw(R"({"type":"integer","minimum":1,"maximum":4294967295,"default":1})");
  w.key("content_type").raw(kContentTypes);
  w.key("trace_id").raw(R"({"type":"string"})");
  w.end_object().end_object();
}

// The saga/1 header of a reply (frame 2).
void write_reply_header(JsonWriter& w) {
  w.key("ReplyHeader").begin_object();
  w.field("type", "object").field("description", "frame 2 of a reply (docs/protocol.md)");
  w.key("required").begin_array();
  for (const char* f : {"kind", "message_id", "saga_id", "name", "correlation_id", "outcome"}) {
    w.value(f);
  }
  w.end_array().key("properties").begin_object();
  w.key("kind").raw(R"({"const":"reply"})");
  for (const char* f : {"message_id", "saga_id", "name", "correlation_id"}) w.key(f).raw(kNonEmpty);
  w.key("outcome").raw(R"({"type":"string","enum":["success","failure"]})");
  w.key("reason").raw(
      R"({"type":"string","description":"on failure: a short machine-readable reason"})");
  w.key("content_type").raw(kContentTypes);
  w.key("trace_id").raw(R"({"type":"string"})");
  w.end_object().end_object();
}

struct Use {
  std::string saga, step, role;  // role: "action" or "compensation"
};

struct MessageEntry {
  bool command = false;
  ContentType content_type = ContentType::kCerealBinary;
  MessageContract contract;
  std::vector<Use> used_by;
};

struct ChannelEntry {
  ContentType content_type = ContentType::kCerealBinary;
  std::set<std::string> commands, replies;
};

// The library's replies without a payload type (participant.h): in every channel.
const MessageContract kFailure{
    "Failure",
    R"x({"type":"object","maxProperties":0,"description":"a failure without a payload: the )x"
    R"x(header's reason says why (unknown_command, malformed_command, handler_error, )x"
    R"x(compensated, ...); the body is empty (zero bytes)"})x",
    ""};
const MessageContract kNullCompensation{
    "NullCompensation",
    R"x({"type":"object","maxProperties":0,"description":"success of a compensation whose )x"
    R"x(action never ran here (the barrier); the body is empty (zero bytes)"})x",
    ""};

Status add_message(std::map<std::string, MessageEntry>& messages, const MessageContract& contract,
                   bool command, ContentType type, const Use* use) {
  auto [it, added] = messages.try_emplace(contract.name);
  MessageEntry& entry = it->second;
  if (added) {
    entry.command = command;
    entry.content_type = type;
    entry.contract = contract;
  } else if (entry.contract.schema != contract.schema || entry.command != command) {
    return invalid_argument("asyncapi: two messages named '" + contract.name +
                            "' with different schemas");
  }
  if (use != nullptr) entry.used_by.push_back(*use);
  return Status::ok();
}

Status collect(const SagaDefinition& d, std::map<std::string, ChannelEntry>& channels,
               std::map<std::string, MessageEntry>& messages) {
  for (const StepDefinition& step : d.steps) {
    for (const auto* action : {&step.action, &step.compensation}) {
      if (!action->has_value()) continue;
      const CommandAction& a = **action;
      if (a.command.schema.empty()) {
        return invalid_argument("asyncapi: step '" + step.name + "' of '" + d.name +
                                "' has no message schema (not built by the DSL)");
      }
      const Use use{d.name, step.name, action == &step.action ? "action" : "compensation"};
      ChannelEntry& channel = channels[a.participant];
      channel.content_type = a.content_type;
      channel.commands.insert(a.command.name);
      if (Status s = add_message(messages, a.command, true, a.content_type, &use); !s) return s;
      for (const MessageContract& reply : a.replies) {
        channel.replies.insert(reply.name);
        if (Status s = add_message(messages, reply, false, a.content_type, nullptr); !s) return s;
      }
    }
  }
  return Status::ok();
}

void write_operation(JsonWriter& w, std::string_view key, std::string_view summary,
                     const std::set<std::string>& names) {
  w.key(key).begin_object().field("summary", summary);
  w.key("message").begin_object().key("oneOf").begin_array();
  for (const std::string& name : names) {
    w.begin_object().field("$ref", "#/components/messages/" + name).end_object();
  }
  w.end_array().end_object().end_object();
}

void write_message(JsonWriter& w, const MessageEntry& m, bool generic) {
  const std::string& name = m.contract.name;
  w.key(name).begin_object().field("name", name);
  if (!generic) w.field("contentType", to_string(m.content_type));
  w.field("x-saga-kind", m.command ? "command" : "reply");
  w.key("headers").begin_object().key("allOf").begin_array();
  w.begin_object()
      .field("$ref",
             m.command ? "#/components/schemas/CommandHeader" : "#/components/schemas/ReplyHeader")
      .end_object();
  w.begin_object().key("properties").begin_object().key("name").begin_object();
  w.field("const", name).end_object().end_object().end_object();
  w.end_array().end_object();
  w.key("payload").raw(m.contract.schema);
  if (!m.contract.example.empty()) {
    w.key("examples").begin_array().begin_object().key("payload").raw(m.contract.example);
    w.end_object().end_array();
  }
  if (!m.used_by.empty()) {
    w.key("x-saga-used-by").begin_array();
    for (const Use& u : m.used_by) {
      w.begin_object().field("saga", u.saga).field("step", u.step).field("role", u.role);
      w.end_object();
    }
    w.end_array();
  }
  w.end_object();
}

}  // namespace

Result<std::string> to_asyncapi(const std::vector<const SagaDefinition*>& definitions,
                                const AsyncApiInfo& info) {
  std::map<std::string, ChannelEntry> channels;
  std::map<std::string, MessageEntry> messages;
  for (const SagaDefinition* d : definitions) {
    if (Status s = collect(*d, channels, messages); !s) return s;
  }
  JsonWriter w(true);
  w.begin_object().field("asyncapi", "2.6.0");
  w.key("info").begin_object().field("title", info.title).field("version", info.version);
  if (!info.description.empty()) w.field("description", info.description);
  w.end_object();
  w.field("defaultContentType", to_string(ContentType::kCerealBinary));
  w.key("channels").begin_object();
  for (auto& [participant, channel] : channels) {
    channel.replies.insert({kFailure.name, kNullCompensation.name});
    w.key(participant).begin_object();
    w.field("description", "the participant '" + participant +
                               "': a ZeroMQ ROUTER; commands in, replies out (saga/1)");
    w.field("x-saga-content-type", to_string(channel.content_type));
    write_operation(w, "publish", "commands the orchestrator sends", channel.commands);
    write_operation(w, "subscribe", "replies the participant answers with", channel.replies);
    w.end_object();
  }
  w.end_object();
  w.key("components").begin_object().key("schemas").begin_object();
  write_command_header(w);
  write_reply_header(w);
  w.end_object().key("messages").begin_object();
  for (const MessageContract* generic : {&kFailure, &kNullCompensation}) {
    messages.erase(generic->name);
    write_message(w, MessageEntry{false, ContentType::kCerealBinary, *generic, {}}, true);
  }
  for (const auto& [name, message] : messages) write_message(w, message, false);
  w.end_object().end_object().end_object();
  return w.str();
}

}  // namespace saga
