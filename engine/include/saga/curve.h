// CURVE keys for saga/1 connections: Z85-encoded key pairs and the server's key set.
//
// ZeroMQ's CURVE mechanism encrypts and authenticates a connection. A participant (the server)
// holds a secret key and publishes its public key; each orchestrator (a client) holds its own
// key pair and the participant's public key. The participant accepts only clients whose public
// keys it lists. Every key here is a 40-character Z85 string (ZeroMQ's text form of a 32-byte
// key), so keys can be kept in configuration files and passed between languages unchanged.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "saga/status.h"

namespace saga {

// One CURVE key pair, both keys Z85 (40 characters).
struct CurveKeyPair {
  std::string public_key;
  std::string secret_key;
};

// What a participant needs to act as a CURVE server.
struct CurveServerKeys {
  std::string public_key;  // the participant's own key pair
  std::string secret_key;
  // Public keys of the clients (orchestrators) allowed to connect. A client whose key is not
  // listed completes no handshake: none of its commands reach a handler. Empty: nobody.
  std::vector<std::string> allowed_client_public_keys;
};

// What an orchestrator needs to connect to one CURVE participant (ZmqTransportOptions::curve).
struct CurveClientKeys {
  std::string public_key;  // the client's own key pair
  std::string secret_key;
  std::string server_public_key;  // the participant's public key
};

// A fresh random key pair. Fails with kUnavailable when libzmq was built without CURVE.
// Thread-safe.
Result<CurveKeyPair> generate_curve_keypair();

// The public key that belongs to `secret_key` (Z85). Fails with kInvalidArgument on a key that
// is not 40 Z85 characters. Thread-safe.
Result<std::string> curve_public_key(const std::string& secret_key);

// True when `key` is 40 Z85 characters (a 32-byte key in ZeroMQ's text form).
bool is_curve_key(std::string_view key);

// The Z85 form of a 32-byte binary key (as a ZAP request carries a client's key); empty when
// `binary` is not 32 bytes.
std::string curve_key_to_z85(std::string_view binary);

// The checks the transport and the participant make before they use keys: kInvalidArgument
// naming the first key that is not 40 Z85 characters ("curve.secret_key is not a 40-character
// Z85 key"), then kUnavailable when libzmq was built without CURVE. OK otherwise.
Status check_curve_keys(const CurveClientKeys& keys);
Status check_curve_keys(const CurveServerKeys& keys);

}  // namespace saga
