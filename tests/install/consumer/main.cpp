// A project outside this tree that uses the installed saga::engine.
#include <saga/envelope.h>

#include <cstdio>

int main() {
  saga::Envelope command;
  command.message_id = "m-1";
  command.saga_id = "s-1";
  command.saga_type = "create_order";
  command.step = "create_ticket";
  command.name = "CreateTicket";
  auto header = saga::encode_header(command);
  if (!header) return 1;
  auto decoded = saga::decode(saga::kProtocolTag, header.value(), "");
  if (!decoded || !(decoded.value() == command)) return 2;
  std::puts("saga/1 round trip ok");
  return 0;
}
