// The console's page, script and style as text (console_page.cpp, console_script*.cpp).
#pragma once

#include <string_view>

namespace saga::admin {

extern const std::string_view kConsoleHtml;
extern const std::string_view kConsoleStyle;
extern const std::string_view kConsoleScript;

}  // namespace saga::admin
