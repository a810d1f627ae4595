// Tokens for the admin server: where they come from, and how they are compared.
#include <cstdlib>
#include <fstream>
#include <string>

#include "saga/admin.h"

namespace saga {

Result<std::string> load_token(std::string_view source) {
  std::string token;
  if (source.starts_with("env:")) {
    const std::string name(source.substr(4));
    const char* value = name.empty() ? nullptr : std::getenv(name.c_str());
    if (value == nullptr) return not_found("token variable '" + name + "' is not set");
    token = value;
  } else if (source.starts_with("file:")) {
    const std::string path(source.substr(5));
    std::ifstream in(path);
    if (!in) return not_found("cannot read the token file '" + path + "'");
    std::getline(in, token);
  } else {
    return invalid_argument("a token source is file:PATH or env:NAME");
  }
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t' || token.back() == '\r' ||
                            token.back() == '\n')) {
    token.pop_back();
  }
  if (token.empty()) return invalid_argument("the token from " + std::string(source) + " is empty");
  return token;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  // Every byte of the longer one is looked at; the result is folded without branching on it.
  const std::size_t n = a.size() > b.size() ? a.size() : b.size();
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t k = 0; k < n; ++k) {
    const unsigned char x = k < a.size() ? static_cast<unsigned char>(a[k]) : 0;
    const unsigned char y = k < b.size() ? static_cast<unsigned char>(b[k]) : 0;
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  return diff == 0;
}

}  // namespace saga
