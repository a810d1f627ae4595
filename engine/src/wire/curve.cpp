// CURVE keys (saga/curve.h): the one home of key generation and key checks, used by the
// orchestrator's transport and by the participant library.
#include "saga/curve.h"

#include <zmq.h>

#include <array>
#include <cstdint>
#include <utility>

namespace saga {
namespace {

constexpr std::size_t kZ85KeyChars = 40;
constexpr std::size_t kBinaryKeyBytes = 32;

Status check_key(std::string_view name, const std::string& key) {
  if (is_curve_key(key)) return Status::ok();
  return invalid_argument("curve." + std::string(name) + " is not a 40-character Z85 key");
}

Status check_available() {
  if (zmq_has("curve")) return Status::ok();
  return unavailable("curve: libzmq was built without CURVE");
}

}  // namespace

bool is_curve_key(std::string_view key) {
  if (key.size() != kZ85KeyChars) return false;
  const std::string text(key);  // zmq_z85_decode reads a NUL-terminated string
  std::array<std::uint8_t, kBinaryKeyBytes> binary{};
  return zmq_z85_decode(binary.data(), text.c_str()) != nullptr;
}

std::string curve_key_to_z85(std::string_view binary) {
  if (binary.size() != kBinaryKeyBytes) return {};
  std::array<char, kZ85KeyChars + 1> z85{};
  if (zmq_z85_encode(z85.data(), reinterpret_cast<const std::uint8_t*>(binary.data()),
                     kBinaryKeyBytes) == nullptr) {
    return {};
  }
  return std::string(z85.data());
}

Status check_curve_keys(const CurveClientKeys& keys) {
  const std::array<std::pair<std::string_view, const std::string*>, 3> named{{
      {"public_key", &keys.public_key},
      {"secret_key", &keys.secret_key},
      {"server_public_key", &keys.server_public_key},
  }};
  for (const auto& [name, key] : named) {
    if (Status s = check_key(name, *key); !s) return s;
  }
  return check_available();
}

Status check_curve_keys(const CurveServerKeys& keys) {
  if (Status s = check_key("public_key", keys.public_key); !s) return s;
  if (Status s = check_key("secret_key", keys.secret_key); !s) return s;
  for (std::size_t i = 0; i < keys.allowed_client_public_keys.size(); ++i) {
    const std::string name = "allowed_client_public_keys[" + std::to_string(i) + "]";
    if (Status s = check_key(name, keys.allowed_client_public_keys[i]); !s) return s;
  }
  return check_available();
}

Result<CurveKeyPair> generate_curve_keypair() {
  if (Status s = check_available(); !s) return s;
  std::array<char, kZ85KeyChars + 1> public_key{};
  std::array<char, kZ85KeyChars + 1> secret_key{};
  if (zmq_curve_keypair(public_key.data(), secret_key.data()) != 0) {
    return internal_error(std::string("curve: keypair: ") + zmq_strerror(zmq_errno()));
  }
  return CurveKeyPair{std::string(public_key.data()), std::string(secret_key.data())};
}

Result<std::string> curve_public_key(const std::string& secret_key) {
  if (!is_curve_key(secret_key)) {
    return invalid_argument("curve: the secret key must be a 40-character Z85 string");
  }
  std::array<char, kZ85KeyChars + 1> public_key{};
  if (zmq_curve_public(public_key.data(), secret_key.c_str()) != 0) {
    return internal_error(std::string("curve: public key: ") + zmq_strerror(zmq_errno()));
  }
  return std::string(public_key.data());
}

}  // namespace saga
