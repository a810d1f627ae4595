// The admin server's endpoints, each a function from a validated request to a response. The
// server (admin_server.cpp) authenticates, picks the endpoint and holds the Inspector's mutex
// while one runs.
#pragma once

#include <string>
#include <string_view>

#include "http_server.h"
#include "saga/admin.h"
#include "saga/inspection.h"
#include "saga/json_writer.h"

namespace saga::admin {

struct ApiContext {
  const HttpRequest& request;
  Inspector& reader;
  const Engine* engine;  // may be null
  Millis now;            // wall clock, ms since the Unix epoch
};

// {"error": message, "status": status}
HttpResponse error_response(int status, std::string_view message);
// 200 with the document.
HttpResponse json_response(const JsonWriter& json, int status = 200);
// The HTTP status for a Status the inspection API returned.
int http_status(const Status& status);

HttpResponse list_sagas(const ApiContext& c);
HttpResponse show_saga(const ApiContext& c, const std::string& id);
HttpResponse get_request(const ApiContext& c, const std::string& id);
HttpResponse stats(const ApiContext& c);
HttpResponse definitions(const ApiContext& c);
HttpResponse participants(const ApiContext& c);
HttpResponse metrics(const ApiContext& c);
HttpResponse ready(const ApiContext& c);

// POST /api/sagas/{id}/{action}: queues the operator request through `writer` (an Inspector
// with StoreAccess::kOperator) and logs one line (who, why, saga, trace id; never a token).
HttpResponse act(const ApiContext& c, Inspector& writer, const std::string& id,
                 std::string_view action, const LogSink& log);

// The console: "/" and its script and style; nothing when `path` is not one of them.
std::optional<HttpResponse> console_asset(std::string_view path);

}  // namespace saga::admin
