#include "http_server.h"

#include <httplib.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <thread>

namespace saga::admin {

class HttpServer::Impl {
 public:
  httplib::Server server;
  std::thread thread;
  std::atomic<bool> listen_returned{false};
  std::uint16_t port = 0;
};

namespace {

constexpr std::size_t kMaxBody = 64 * 1024;  // actions carry two short form fields

HttpRequest to_request(const httplib::Request& r) {
  HttpRequest out;
  out.method = r.method;
  out.path = r.path;
  for (const auto& [name, value] : r.params) out.params.emplace_back(name, value);
  for (const auto& [name, value] : r.headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers.emplace(std::move(lower), value);
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::listen(const std::string& host, std::uint16_t port,
                                                       HttpHandler handler, std::size_t threads) {
  auto impl = std::make_unique<Impl>();
  httplib::Server& s = impl->server;
  s.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s.set_payload_max_length(kMaxBody);
  // SO_REUSEADDR only: the library's default adds SO_REUSEPORT, which would let a second
  // process bind the same port and receive some of the requests (tokens included).
  s.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  s.set_keep_alive_max_count(100);
  auto serve = [handler](const httplib::Request& req, httplib::Response& res) {
    HttpResponse r = handler(to_request(req));
    res.status = r.status;
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_content(r.body, r.content_type.c_str());
  };
  const std::string any = R"(/.*)";
  s.Get(any, serve).Post(any, serve).Put(any, serve).Delete(any, serve).Patch(any, serve);
  s.Options(any, serve);
  if (port == 0) {
    const int bound = s.bind_to_any_port(host);
    if (bound <= 0) return unavailable("cannot bind " + host + ":0");
    impl->port = static_cast<std::uint16_t>(bound);
  } else {
    if (!s.bind_to_port(host, port)) {
      return unavailable("cannot bind " + host + ":" + std::to_string(port) + " (in use?)");
    }
    impl->port = port;
  }
  impl->thread = std::thread([i = impl.get()] {
    i->server.listen_after_bind();
    i->listen_returned = true;
  });
  // httplib's stop() does nothing before the accept loop runs (is_running() false), and the loop
  // would then never end: a stop() right after listen() hung the join. Return once it runs.
  while (!impl->server.is_running() && !impl->listen_returned) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() { stop(); }
std::uint16_t HttpServer::port() const { return impl_->port; }

void HttpServer::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->server.stop();
  impl_->thread.join();
}

}  // namespace saga::admin
