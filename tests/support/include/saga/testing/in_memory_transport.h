// InMemoryTransport: a Transport for tests, with participants as functions.
//
// send() hands the command to the participant's handler on the calling (engine) thread and
// queues whatever replies the handler returns; poll() hands them back to the engine. Tests use
// it to run an engine with a real database and no sockets, to inject replies (stale,
// duplicate), and to read every command sent.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "saga/transport.h"

namespace saga::testing {

class InMemoryTransport final : public Transport {
 public:
  // Gets one delivery of a command; returns the replies to send back (none: the reply is lost).
  using Handler = std::function<std::vector<Envelope>(const Envelope& command)>;

  struct Sent {
    std::string participant;
    Envelope command;
  };

  // Registers (or replaces) a participant. Thread-safe.
  void add_participant(const std::string& name, Handler handler);
  // While paused, commands to `name` are recorded but not handled (as if lost). Thread-safe.
  void set_paused(const std::string& name, bool paused);
  // Queues `reply` as if it had arrived from a participant. Thread-safe. An envelope of kind
  // kEvent is an external event (docs/protocol.md); the engine's answer goes to answers().
  void inject(Envelope reply);
  // The engine's answers to injected events, in order. Thread-safe.
  std::vector<Envelope> answers() const;

  // Every command sent so far, in order. Thread-safe.
  std::vector<Sent> sent() const;

  Status send(std::string_view participant, const Envelope& command) override;
  Status answer(const Envelope& reply) override;
  void poll(Millis timeout, std::vector<Envelope>& out, std::size_t max) override;
  void wake() override;
  TransportStats stats() const override;

 private:
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::map<std::string, Handler, std::less<>> handlers_;
  std::map<std::string, bool, std::less<>> paused_;
  std::deque<Envelope> inbox_;
  std::vector<Sent> sent_;
  std::vector<Envelope> answers_;
  bool woken_ = false;
  TransportStats stats_;
};

}  // namespace saga::testing
