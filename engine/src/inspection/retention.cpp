// Retention: Inspector::prune (one batch, with its optional archive) and RetentionWorker (the
// rounds on a thread of its own).
#include "saga/retention.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include "saga/inspection.h"
#include "saga/json_writer.h"
#include "store/saga_store.h"

namespace saga {

namespace {

constexpr std::size_t kMaxBatch = 10'000;

Millis wall_now() {
  return std::chrono::duration_cast<Millis>(std::chrono::system_clock::now().time_since_epoch());
}

std::string hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string archive_line(const SagaInstance& s, const std::vector<HistoryEntry>& history) {
  JsonWriter j;
  j.begin_object().key("saga").begin_object();
  j.field("id", s.id).field("type", s.type).field("version", s.version);
  j.field("fingerprint", s.fingerprint).field("phase", to_string(s.phase));
  j.field("last_reason", s.last_reason).field("trace_id", s.trace_id);
  j.field("created_at_ms", static_cast<std::int64_t>(s.created_at.count()));
  j.field("updated_at_ms", static_cast<std::int64_t>(s.updated_at.count()));
  j.field("data_hex", hex(s.data)).end_object().key("history").begin_array();
  for (const HistoryEntry& h : history) {
    j.begin_object().field("event", to_string(h.event)).field("step", h.step);
    j.field("attempt", h.attempt).field("time_ms", static_cast<std::int64_t>(h.time.count()));
    j.field("reason", h.reason).field("reply", h.reply_name).end_object();
  }
  j.end_array().end_object();
  return j.str();  // ends with a newline
}

// Appends the lines to `path` and flushes them to disk.
Status append_durably(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return Status(StatusCode::kIoError, "archive " + path + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = errno;
      ::close(fd);
      return Status(StatusCode::kIoError, "archive " + path + ": " + std::strerror(error));
    }
    done += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  const int error = errno;
  ::close(fd);
  if (!synced) return Status(StatusCode::kIoError, "archive " + path + ": " + std::strerror(error));
  return Status::ok();
}

}  // namespace

Result<PruneResult> Inspector::prune(const PruneOptions& options) {
  if (access_ != StoreAccess::kOperator) {
    return failed_precondition("inspector: opened read-only; pruning needs kOperator");
  }
  if (options.older_than <= Millis{0}) return invalid_argument("prune: older_than must be > 0");
  if (options.batch == 0 || options.batch > kMaxBatch) {
    return invalid_argument("prune: batch must be 1.." + std::to_string(kMaxBatch));
  }
  const Millis now = options.now == Millis{0} ? wall_now() : options.now;
  SagaStore::PruneArchive archive;
  if (!options.archive_path.empty()) {
    // Inside the store's transaction, before any row is deleted: on disk, or nothing deleted.
    archive = [&options](const std::vector<SagaStore::PrunedSaga>& batch) {
      std::string lines;
      for (const auto& [saga, history] : batch) lines += archive_line(saga, history);
      return append_durably(options.archive_path, lines);
    };
  }
  Result<std::size_t> deleted =
      store_->prune_finished(now - options.older_than, options.batch, archive);
  if (!deleted) return deleted.status();
  return PruneResult{*deleted, *deleted >= options.batch};
}

class RetentionWorker::Impl {
 public:
  RetentionOptions options;
  std::unique_ptr<Inspector> inspector;
  mutable std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;
  bool woken = false;
  RetentionStats stats;
  std::thread thread;

  void run();
  // One batch; false when nothing more is due now (or it failed).
  bool batch();
};

bool RetentionWorker::Impl::batch() {
  PruneOptions p;
  p.older_than = options.keep_finished;
  p.batch = options.batch;
  p.archive_path = options.archive_path;
  p.now = options.clock->now();
  Result<PruneResult> r = inspector->prune(p);
  std::lock_guard<std::mutex> lock(mutex);
  if (!r) {
    ++stats.errors;
    options.log(LogLevel::kWarning, "retention: " + r.status().to_string());
    return false;
  }
  ++stats.batches;
  stats.deleted += r->deleted;
  return r->more;
}

void RetentionWorker::Impl::run() {
  std::unique_lock<std::mutex> lock(mutex);
  while (!stopping) {
    lock.unlock();
    const std::uint64_t before = stats.deleted;  // only this thread writes it
    bool more = true;
    while (more) {
      more = batch();
      std::unique_lock<std::mutex> paused(mutex);
      if (stopping) return;
      if (more) wake.wait_for(paused, options.pause, [this] { return stopping; });
      if (stopping) return;
    }
    const std::uint64_t removed = stats.deleted - before;
    if (removed > 0) {
      options.log(LogLevel::kInfo, "retention: removed " + std::to_string(removed) +
                                       " finished saga(s) older than " +
                                       std::to_string(options.keep_finished.count()) + " ms");
    }
    lock.lock();
    wake.wait_for(lock, options.interval, [this] { return stopping || woken; });
    woken = false;
  }
}

Result<std::unique_ptr<RetentionWorker>> RetentionWorker::start(RetentionOptions options) {
  if (options.keep_finished < Millis{60'000}) {
    return invalid_argument("retention: keep_finished must be at least one minute");
  }
  if (options.batch == 0 || options.batch > kMaxBatch) {
    return invalid_argument("retention: batch must be 1.." + std::to_string(kMaxBatch));
  }
  if (options.interval <= Millis{0} || options.pause < Millis{0}) {
    return invalid_argument("retention: interval must be > 0 and pause >= 0");
  }
  if (!options.clock) options.clock = std::make_shared<SystemClock>();
  if (!options.log) options.log = make_spdlog_sink();
  InspectorOptions o;
  o.path = options.database_path;
  o.access = StoreAccess::kOperator;
  o.busy_timeout = options.busy_timeout;
  auto inspector = Inspector::open(o);
  if (!inspector) return inspector.status();
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->inspector = std::move(inspector).value();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->run(); });
  return std::unique_ptr<RetentionWorker>(new RetentionWorker(std::move(impl)));
}

RetentionWorker::RetentionWorker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RetentionWorker::~RetentionWorker() { stop(); }

void RetentionWorker::wake() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->woken = true;
  impl_->wake.notify_all();
}

RetentionStats RetentionWorker::stats() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->stats;
}

void RetentionWorker::stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stopping = true;
    impl_->wake.notify_all();
  }
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace saga
