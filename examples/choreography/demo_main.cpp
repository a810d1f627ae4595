// choreography_demo [DIR]: Create Order as choreography. Places Ada's order (approved) and
// Bob's (card declined), cancels another of Ada's while its TicketCreatedEvent is held back
// on the wire, waits for the events to settle and prints each order in every service.
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "choreography.h"
#include "seed_data.h"

int main(int argc, char** argv) {
  using namespace ftgo;  // NOLINT
  std::string dir = argc > 1 ? argv[1] : "";
  if (dir.empty()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "choreography_XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) return 2;
    dir = pattern;
  }
  choreography::ChoreographyOptions options;
  options.dir = dir;
  options.delays["TicketCreatedEvent@" + saga_id_of_order(3)] = saga::Millis{60'000};
  auto system = choreography::ChoreographedCreateOrder::start(options);
  if (!system) {
    std::fprintf(stderr, "choreography: %s\n", system.status().to_string().c_str());
    return 2;
  }
  const std::vector<LineItem> curry{{"vindaloo", 2}, {"naan", 1}};
  choreography::ChoreographedCreateOrder& s = *system.value();
  for (const OrderRequest& r : {OrderRequest{1, kConsumerAda, kRestaurantAjanta, curry, 2940},
                                OrderRequest{2, kConsumerBob, kRestaurantAjanta, curry, 2940},
                                OrderRequest{3, kConsumerAda, kRestaurantAjanta, curry, 2940}}) {
    if (saga::Status st = s.place_order(r); !st) {
      std::fprintf(stderr, "choreography: %s\n", st.to_string().c_str());
      return 1;
    }
  }
  // Cancel once Kitchen has the ticket: its TicketCreatedEvent is then on its (slow) way to
  // Accounting, and the OrderCancelled overtakes it.
  auto has_ticket = [](const DomainState& d) { return d.tickets.contains(3); };
  if (saga::Status st = s.wait_for(has_ticket); !st) {
    std::fprintf(stderr, "choreography: %s\n", st.to_string().c_str());
    return 1;
  }
  if (saga::Status st = s.cancel_order(3); !st) {
    std::fprintf(stderr, "choreography: %s\n", st.to_string().c_str());
    return 1;
  }
  // The cancel has reached Accounting: let the held TicketCreatedEvent go.
  if (saga::Status st =
          s.wait_until_delivered("order-events", "OrderCancelled", "accounting-events");
      !st) {
    std::fprintf(stderr, "choreography: %s\n", st.to_string().c_str());
    return 1;
  }
  s.release_delayed();
  if (saga::Status st = s.wait_until_settled(); !st) {
    std::fprintf(stderr, "choreography: %s\n", st.to_string().c_str());
    return 1;
  }
  s.stop();
  auto state = read_domain_state(s.paths());
  if (!state) return 1;
  for (std::int64_t order : {1, 2, 3}) print_order_state(std::cout, state.value(), order);
  std::cout << "databases in " << dir << "\n";
  return 0;
}
