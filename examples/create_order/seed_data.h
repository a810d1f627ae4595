// Seed data of the example's services: who exists, what is open, what each card allows. Each
// service runs its part at start-up (INSERT OR IGNORE, so a restart keeps what changed).
// The scenarios (scenarios.h) are written against these rows.
#pragma once

#include <cstdint>
#include <string_view>

namespace ftgo {

// Consumers: 1 Ada (a good customer), 2 Bob (a card with a low limit), 3 Carol (disabled),
// 4 Dan (an expired card). 99 does not exist.
inline constexpr std::int64_t kConsumerAda = 1;
inline constexpr std::int64_t kConsumerBob = 2;
inline constexpr std::int64_t kConsumerCarol = 3;
inline constexpr std::int64_t kConsumerDan = 4;
inline constexpr std::int64_t kConsumerUnknown = 99;

// Restaurants: 1 Ajanta (open), 2 Closed Diner (closed).
inline constexpr std::int64_t kRestaurantAjanta = 1;
inline constexpr std::int64_t kRestaurantClosed = 2;

inline constexpr std::string_view kConsumerSeed = R"sql(
INSERT OR IGNORE INTO consumers (id, name, enabled, limit_cents) VALUES
  (1, 'Ada Lovelace', 1, 100000),
  (2, 'Bob Budget',   1, 100000),
  (3, 'Carol Closed', 0, 100000),
  (4, 'Dan Expired',  1, 100000);
)sql";

inline constexpr std::string_view kKitchenSeed = R"sql(
INSERT OR IGNORE INTO restaurants (id, name, open) VALUES
  (1, 'Ajanta', 1),
  (2, 'Closed Diner', 0);
INSERT OR IGNORE INTO menu_items (id, restaurant_id, name, price_cents) VALUES
  ('vindaloo', 1, 'Chicken Vindaloo', 1295),
  ('naan',     1, 'Garlic Naan',       350),
  ('samosa',   1, 'Samosa',            495),
  ('burger',   2, 'Burger',            999);
)sql";

// Card expiry is YYYY-MM, compared with the current month.
inline constexpr std::string_view kAccountingSeed = R"sql(
INSERT OR IGNORE INTO cards (consumer_id, last4, expires, limit_cents) VALUES
  (1, '4242', '2099-12', 50000),
  (2, '1111', '2099-12',  2000),
  (3, '3333', '2099-12', 50000),
  (4, '0005', '2020-01', 50000);
)sql";

}  // namespace ftgo
