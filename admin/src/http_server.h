// The admin server's one adapter to the HTTP library (cpp-httplib, Debian's libcpp-httplib-dev):
// plain request and response values in, a listening server out. Nothing else in saga::admin
// includes httplib.h, so that another library could replace it here alone.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "saga/status.h"

namespace saga::admin {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // decoded, without the query
  // Query parameters, and for POST the form-urlencoded body's, in order; a name may repeat.
  std::vector<std::pair<std::string, std::string>> params;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpServer {
 public:
  // Binds host:port (0: a free port) and serves every request with `handler` on a pool of
  // `threads` threads. kUnavailable when the address cannot be bound.
  static Result<std::unique_ptr<HttpServer>> listen(const std::string& host, std::uint16_t port,
                                                    HttpHandler handler, std::size_t threads);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  std::uint16_t port() const;
  void stop();  // idempotent

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace saga::admin
