// A participant serving on its own thread (Participant::run) until destroyed: the transfer
// saga's bank and shipping in scale_out_demo, scale_out_bench and the tests labelled postgres.
#pragma once

#include <memory>
#include <thread>
#include <utility>

#include "saga/participant.h"

namespace saga::transfer {

class Serving {
 public:
  // Serves `opened` when it opened; otherwise keeps its error (status()) and serves nothing.
  explicit Serving(Result<std::unique_ptr<Participant>> opened) : status_(opened.status()) {
    if (!opened) return;
    p_ = std::move(opened).value();
    thread_ = std::thread([this] { p_->run(); });
  }
  ~Serving() {
    if (!p_) return;
    p_->stop();
    thread_.join();
  }
  Serving(const Serving&) = delete;
  Serving& operator=(const Serving&) = delete;

  const Status& status() const { return status_; }

 private:
  Status status_;
  std::unique_ptr<Participant> p_;
  std::thread thread_;
};

}  // namespace saga::transfer
