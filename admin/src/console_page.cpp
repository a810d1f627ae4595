#include "console_assets.h"

namespace saga::admin {

const std::string_view kConsoleHtml = "<!doctype html><title>saga console</title>";
const std::string_view kConsoleStyle = "";
const std::string_view kConsoleScript = "";

}  // namespace saga::admin
