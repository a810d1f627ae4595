// The transfer saga and its participants (transfer_saga.h).
#include "transfer_saga.h"

#include <thread>

#include "saga/dsl.h"

namespace saga::transfer {
namespace {

struct Reserve {
  static constexpr std::string_view kMessageName = "Reserve";
  std::int64_t order_id = 0;
  std::int64_t amount = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id), CEREAL_NVP(amount));
  }
};
// One message per order id for the other commands and every reply.
#define SAGA_TRANSFER_MESSAGE(Name)                         \
  struct Name {                                             \
    static constexpr std::string_view kMessageName = #Name; \
    std::int64_t order_id = 0;                              \
    template <class A>                                      \
    void serialize(A& a) {                                  \
      a(CEREAL_NVP(order_id));                              \
    }                                                       \
  };
SAGA_TRANSFER_MESSAGE(Reserved)
SAGA_TRANSFER_MESSAGE(Release)
SAGA_TRANSFER_MESSAGE(Released)
SAGA_TRANSFER_MESSAGE(Ship)
SAGA_TRANSFER_MESSAGE(Shipped)
SAGA_TRANSFER_MESSAGE(Confirm)
SAGA_TRANSFER_MESSAGE(Confirmed)
#undef SAGA_TRANSFER_MESSAGE

namespace bank {
inline constexpr Channel channel{"bank"};
inline constexpr auto reserve = command<Reserve>(channel).replies<Reserved>();
inline constexpr auto release = command<Release>(channel).replies<Released>();
inline constexpr auto confirm = command<Confirm>(channel).replies<Confirmed>();
}  // namespace bank
namespace shipping {
inline constexpr Channel channel{"shipping"};
inline constexpr auto ship = command<Ship>(channel).replies<Shipped>();
}  // namespace shipping

Reserve make_reserve(const TransferData& d) { return {d.order_id, d.amount}; }
Release make_release(const TransferData& d) { return {d.order_id}; }
Ship make_ship(const TransferData& d) { return {d.order_id}; }
Confirm make_confirm(const TransferData& d) { return {d.order_id}; }

Result<std::unique_ptr<Participant>> open(const std::string& endpoint, const std::string& database,
                                          std::string_view schema) {
  ParticipantOptions options;
  options.endpoint = endpoint;
  options.database_path = database;
  options.synchronous = Synchronous::kNormal;
  options.log = [](LogLevel, std::string_view) {};
  Result<std::unique_ptr<Participant>> p = Participant::open(std::move(options));
  if (!p) return p;
  if (Status s = (*p)->exec_schema(std::string(schema)); !s) return s;
  return p;
}

// The transfer's steps after `start` (define<TransferData>(...), with or without a lock).
template <typename Builder>
std::shared_ptr<const SagaDefinition> with_steps(Builder start, Millis timeout) {
  const RetryPolicy retry = RetryPolicy::fixed(Millis{100}, 0);
  // clang-format off
  Result<std::shared_ptr<const SagaDefinition>> built = std::move(start)
      .step("reserve")
          .invoke(bank::reserve, &make_reserve).timeout(timeout).retry(retry)
          .compensate_with(bank::release, &make_release)
      .pivot("ship")
          .invoke(shipping::ship, &make_ship).timeout(timeout).retry(retry)
      .retriable("confirm")
          .invoke(bank::confirm, &make_confirm).timeout(timeout).retry(retry)
      .build();
  // clang-format on
  return built ? built.value() : nullptr;
}

}  // namespace

std::shared_ptr<const SagaDefinition> definition(Millis timeout) {
  return with_steps(define<TransferData>("transfer", 1), timeout);
}

std::shared_ptr<const SagaDefinition> locked_definition(Millis timeout, std::int64_t accounts) {
  return with_steps(define<TransferData>("transfer_locked", 1)
                        .lock(
                            [accounts](const TransferData& d) {
                              return "account:" + std::to_string(d.order_id % accounts);
                            },
                            LockMode::kWait),
                    timeout);
}

Result<std::unique_ptr<Participant>> open_bank(const std::string& endpoint,
                                               const std::string& database) {
  auto p = open(endpoint, database,
                "CREATE TABLE IF NOT EXISTS reservations (order_id INTEGER PRIMARY KEY, "
                "amount INTEGER NOT NULL, state TEXT NOT NULL, runs INTEGER NOT NULL)");
  if (!p) return p;
  (*p)->on<Reserve>([](const Reserve& c, HandlerContext& ctx) {
    (void)ctx.db().exec(
        "INSERT INTO reservations VALUES (?, ?, 'reserved', 1) "
        "ON CONFLICT(order_id) DO UPDATE SET runs = runs + 1",
        {c.order_id, c.amount});
    return success(Reserved{c.order_id});
  });
  (*p)->on_compensation<Release>([](const Release& c, HandlerContext& ctx) {
    (void)ctx.db().exec("UPDATE reservations SET state = 'released' WHERE order_id = ?",
                        {c.order_id});
    return success(Released{c.order_id});
  });
  (*p)->on<Confirm>([](const Confirm& c, HandlerContext& ctx) {
    (void)ctx.db().exec("UPDATE reservations SET state = 'confirmed' WHERE order_id = ?",
                        {c.order_id});
    return success(Confirmed{c.order_id});
  });
  return p;
}

Result<std::unique_ptr<Participant>> open_shipping(const std::string& endpoint,
                                                   const std::string& database, Millis delay) {
  auto p = open(endpoint, database,
                "CREATE TABLE IF NOT EXISTS shipments (order_id INTEGER PRIMARY KEY, "
                "runs INTEGER NOT NULL)");
  if (!p) return p;
  (*p)->on<Ship>([delay](const Ship& c, HandlerContext& ctx) {
    std::this_thread::sleep_for(delay);
    if (refused(c.order_id)) return failure("undeliverable");
    (void)ctx.db().exec(
        "INSERT INTO shipments VALUES (?, 1) ON CONFLICT(order_id) DO UPDATE SET runs = runs + 1",
        {c.order_id});
    return success(Shipped{c.order_id});
  });
  return p;
}

}  // namespace saga::transfer
