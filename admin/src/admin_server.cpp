// AdminServer: options, authentication and routing; the endpoints are in api_*.cpp.
#include <charconv>
#include <mutex>

#include "api.h"
#include "http_server.h"
#include "params.h"
#include "saga/engine.h"

namespace saga {

using admin::ApiContext;
using admin::error_response;
using admin::HttpRequest;
using admin::HttpResponse;

namespace {

constexpr std::size_t kMinTokenLength = 16;
constexpr std::size_t kThreads = 4;

enum class Access : std::uint8_t { kNone, kRead, kWrite };

// The token of the request: "Authorization: Bearer T" or "X-Saga-Token: T".
std::string presented_token(const HttpRequest& r) {
  const std::string auth = r.header("authorization");
  if (auth.starts_with("Bearer ")) return auth.substr(7);
  return r.header("x-saga-token");
}

// "/api/sagas/ID/retry" -> {"api", "sagas", "ID", "retry"}; empty segments are kept, so that
// "//" or a trailing '/' never match a route by accident.
std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 1;
  while (start <= path.size()) {
    const std::size_t end = path.find('/', start);
    out.push_back(path.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

}  // namespace

class AdminServer::Impl {
 public:
  AdminOptions options;
  std::mutex mutex;  // guards the inspectors (one query at a time)
  std::unique_ptr<Inspector> reader;
  std::unique_ptr<Inspector> writer;  // opened at the first action
  std::unique_ptr<admin::HttpServer> http;
  std::string host;

  HttpResponse handle(const HttpRequest& r);

 private:
  Access access_of(const HttpRequest& r) const {
    const std::string token = presented_token(r);
    if (token.empty()) return Access::kNone;
    // Both compared every time, so that the time taken does not say which one matched.
    const bool write = constant_time_equal(token, options.write_token);
    const bool read = constant_time_equal(token, options.read_token);
    return write ? Access::kWrite : read ? Access::kRead : Access::kNone;
  }
  HttpResponse route_api(const HttpRequest& r, const std::vector<std::string>& s, Access access);
};

HttpResponse AdminServer::Impl::handle(const HttpRequest& r) {
  if (r.method != "GET" && r.method != "POST") {
    return error_response(405, "method " + r.method.substr(0, 10) + " not allowed");
  }
  const std::vector<std::string> s = segments(r.path);
  const bool api = !s.empty() && s[0] == "api";
  if (r.method == "GET" && !api) {
    if (r.path == "/healthz") return HttpResponse{200, "text/plain; charset=utf-8", "ok\n"};
    if (std::optional<HttpResponse> page = admin::console_asset(r.path)) return *page;
  }
  const Access access = access_of(r);
  const bool open_endpoint = r.method == "GET" && r.path == "/readyz";
  if (!open_endpoint && !api && r.path != "/metrics") return error_response(404, "not found");
  if (!open_endpoint && access == Access::kNone) {
    return error_response(401, "a valid token is required (Authorization: Bearer TOKEN)");
  }
  std::lock_guard<std::mutex> lock(mutex);
  const ApiContext c{r, *reader, options.engine, options.clock->now()};
  if (open_endpoint) return admin::ready(c);
  if (r.path == "/metrics") {
    if (r.method != "GET") return error_response(405, "/metrics is GET only");
    return admin::metrics(c);
  }
  return route_api(r, s, access);
}

HttpResponse AdminServer::Impl::route_api(const HttpRequest& r, const std::vector<std::string>& s,
                                          Access access) {
  const ApiContext c{r, *reader, options.engine, options.clock->now()};
  const std::size_t n = s.size();
  const std::string what = n > 1 ? s[1] : std::string();
  const bool get = r.method == "GET";
  if (n == 4 && what == "sagas") {
    if (get) return error_response(405, "operator actions are POST only");
    if (access != Access::kWrite) return error_response(403, "actions need the write token");
    if (!admin::valid_id(s[2])) return error_response(400, "not a saga id");
    if (!writer) {
      InspectorOptions o;
      o.path = options.database_path;
      o.access = StoreAccess::kOperator;
      auto opened = Inspector::open(o);
      if (!opened) {
        return error_response(admin::http_status(opened.status()), opened.status().to_string());
      }
      writer = std::move(opened).value();
    }
    return admin::act(c, *writer, s[2], s[3], options.log);
  }
  if (!get) return error_response(405, "only the actions under /api/sagas/ID/ are POST");
  if (n == 2 && what == "sagas") return admin::list_sagas(c);
  if (n == 2 && what == "stats") return admin::stats(c);
  if (n == 2 && what == "definitions") return admin::definitions(c);
  if (n == 2 && what == "participants") return admin::participants(c);
  if (n == 3 && what == "sagas") {
    if (!admin::valid_id(s[2])) return error_response(400, "not a saga id");
    return admin::show_saga(c, s[2]);
  }
  if (n == 3 && what == "requests") return admin::get_request(c, s[2]);
  return error_response(404, "no endpoint " + r.path.substr(0, 100));
}

Result<std::unique_ptr<AdminServer>> AdminServer::start(AdminOptions options) {
  if (options.read_token.size() < kMinTokenLength || options.write_token.size() < kMinTokenLength) {
    return invalid_argument("admin tokens must be at least 16 characters");
  }
  if (options.read_token == options.write_token) {
    return invalid_argument("the admin read and write tokens must differ");
  }
  const std::size_t colon = options.address.rfind(':');
  std::uint64_t port = 0;
  const std::string port_text =
      colon == std::string::npos ? std::string() : options.address.substr(colon + 1);
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (colon == 0 || colon == std::string::npos || ec != std::errc() ||
      end != port_text.data() + port_text.size() || port > 65535) {
    return invalid_argument("admin address '" + options.address + "': HOST:PORT expected");
  }
  if (!options.clock) options.clock = std::make_shared<SystemClock>();
  if (!options.log) options.log = make_spdlog_sink();
  auto impl = std::make_unique<Impl>();
  impl->host = options.address.substr(0, colon);
  InspectorOptions o;
  o.path = options.database_path;
  auto reader = Inspector::open(o);
  if (!reader) return reader.status();
  impl->reader = std::move(reader).value();
  const LogLevel level = options.log_level;
  const LogSink sink = options.log;
  impl->options = std::move(options);
  // Only the lines at or above the level reach the sink.
  impl->options.log = [sink, level](LogLevel l, std::string_view line) {
    if (l >= level) sink(l, line);
  };
  Impl* raw = impl.get();
  auto http = admin::HttpServer::listen(
      impl->host, static_cast<std::uint16_t>(port),
      [raw](const HttpRequest& r) { return raw->handle(r); }, kThreads);
  if (!http) return http.status();
  impl->http = std::move(http).value();
  impl->options.log(LogLevel::kInfo, "admin: serving " + std::string("http://") + impl->host + ":" +
                                         std::to_string(impl->http->port()) + "/");
  return std::unique_ptr<AdminServer>(new AdminServer(std::move(impl)));
}

AdminServer::AdminServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AdminServer::~AdminServer() { stop(); }
std::uint16_t AdminServer::port() const { return impl_->http->port(); }
std::string AdminServer::url() const {
  return "http://" + impl_->host + ":" + std::to_string(port()) + "/";
}
void AdminServer::stop() { impl_->http->stop(); }

}  // namespace saga

namespace saga::admin {

HttpResponse error_response(int status, std::string_view message) {
  JsonWriter j;
  j.begin_object().field("error", message).field("status", static_cast<std::int64_t>(status));
  j.end_object();
  return HttpResponse{status, "application/json", j.str()};
}

HttpResponse json_response(const JsonWriter& json, int status) {
  return HttpResponse{status, "application/json", json.str()};
}

int http_status(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kFailedPrecondition:
    case StatusCode::kAlreadyExists:
    case StatusCode::kConflict:
      return 409;
    case StatusCode::kBusy:
    case StatusCode::kUnavailable:
    case StatusCode::kTimeout:
      return 503;
    default:
      return 500;
  }
}

}  // namespace saga::admin
