// Smoke demo: one saga/1 command over a real ZeroMQ ROUTER/DEALER pair on tcp loopback, and the
// received command persisted as one row in a real SQLite file. Replaced by the Create Order demo.
#include <SQLiteCpp/SQLiteCpp.h>
#include <saga/envelope.h>

#include <cstdio>
#include <string>
#include <zmq.hpp>

int main() {
  saga::Envelope command;
  command.message_id = "demo-1/1";
  command.saga_id = "demo-1";
  command.saga_type = "create_order";
  command.step = "create_ticket";
  command.name = "CreateTicket";

  zmq::context_t context;
  zmq::socket_t router(context, zmq::socket_type::router);
  router.bind("tcp://127.0.0.1:*");
  std::string endpoint = router.get(zmq::sockopt::last_endpoint);
  zmq::socket_t dealer(context, zmq::socket_type::dealer);
  dealer.connect(endpoint);

  std::string header = saga::encode_header(command).value();
  dealer.send(zmq::buffer(saga::kProtocolTag), zmq::send_flags::sndmore);
  dealer.send(zmq::buffer(header), zmq::send_flags::sndmore);
  dealer.send(zmq::message_t(), zmq::send_flags::none);

  zmq::message_t frames[4];
  for (auto& f : frames) (void)router.recv(f);
  auto decoded = saga::decode(frames[1].to_string_view(), frames[2].to_string_view(),
                              frames[3].to_string_view());
  if (!decoded) {
    std::fprintf(stderr, "decode failed: %s\n", decoded.status().to_string().c_str());
    return 1;
  }
  SQLite::Database db("demo.db", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("CREATE TABLE IF NOT EXISTS received (message_id TEXT PRIMARY KEY, name TEXT)");
  SQLite::Statement insert(db, "INSERT OR REPLACE INTO received VALUES (?, ?)");
  insert.bind(1, decoded->message_id);
  insert.bind(2, decoded->name);
  insert.exec();
  std::printf("received %s over %s and stored it in demo.db\n", decoded->name.c_str(),
              endpoint.c_str());
  return 0;
}
