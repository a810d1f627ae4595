// The web console's assets, built into the library: the page, its script and its style.
#include "console_assets.h"

#include "api.h"

namespace saga::admin {

std::optional<HttpResponse> console_asset(std::string_view path) {
  if (path == "/" || path == "/index.html") {
    return HttpResponse{200, "text/html; charset=utf-8", std::string(kConsoleHtml)};
  }
  if (path == "/console.js") {
    return HttpResponse{200, "text/javascript; charset=utf-8", std::string(kConsoleScript)};
  }
  if (path == "/console.css") {
    return HttpResponse{200, "text/css; charset=utf-8", std::string(kConsoleStyle)};
  }
  return std::nullopt;
}

}  // namespace saga::admin
