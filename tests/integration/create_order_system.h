// The Create Order example's services for integration tests: the three participant services
// on threads and the Order service with its engine, on real sockets (ipc in a directory, or
// tcp on 127.0.0.1 with the ports read back) and real SQLite files in `dir`.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "domain_state.h"
#include "failure_injection.h"
#include "ftgo/create_order_saga.h"
#include "kitchen_service.h"
#include "order_service.h"
#include "service_host.h"

namespace ftgo {

enum class Wire { kIpc, kTcp };

// The three participant services on threads, and the Order service with its engine.
class CreateOrderSystem {
 public:
  CreateOrderSystem(const std::string& dir, Wire wire, FailurePlan plan, SagaTiming timing = {})
      : paths_{dir}, injector_(std::make_shared<FailureInjector>(std::move(plan))) {
    OrderServiceOptions order;
    for (ServiceKind kind : kParticipantServices) {
      const std::string name(to_string(kind));
      ServiceOptions options{endpoint(wire, name), dir + "/" + name + ".db", injector_,
                             saga::Synchronous::kNormal};
      auto service = open_service(kind, options);
      EXPECT_TRUE(service) << service.status().to_string();
      if (!service) return;
      EXPECT_TRUE(order.registry.add(name, threads_.run(std::move(service).value())));
    }
    order.participant = ServiceOptions{endpoint(wire, "order"), paths_.orders_db(), injector_,
                                       saga::Synchronous::kNormal};
    order.engine_database_path = paths_.engine_db();
    order.timing = timing;
    order.synchronous = saga::Synchronous::kNormal;
    auto service = OrderService::open(std::move(order));
    EXPECT_TRUE(service) << service.status().to_string();
    if (service) service_ = std::move(service).value();
  }

  std::string endpoint(Wire wire, const std::string& name) const {
    return wire == Wire::kTcp ? "tcp://127.0.0.1:*" : "ipc://" + paths_.dir + "/" + name + ".sock";
  }

  OrderService& orders() { return *service_; }
  // The restaurant's side of the Kitchen service, on its database.
  KitchenService kitchen() const { return KitchenService(paths_.kitchen_db()); }
  const DataPaths& paths() const { return paths_; }
  bool ok() const { return service_ != nullptr; }
  void stop() {
    if (service_) service_->stop();
    threads_.stop();
  }

 private:
  DataPaths paths_;
  std::shared_ptr<FailureInjector> injector_;
  ServiceThreads threads_;
  std::unique_ptr<OrderService> service_;
};

}  // namespace ftgo
