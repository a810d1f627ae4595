#include "curve_keys.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace ftgo {
namespace {

constexpr const char* kParticipantsFile = "participants.secret";
constexpr const char* kOrchestratorFile = "orchestrator.secret";

saga::Result<saga::CurveKeyPair> read_pair(const std::string& path) {
  std::ifstream in(path);
  std::string secret;
  if (!in || !std::getline(in, secret)) {
    return saga::Status(saga::StatusCode::kIoError, "curve keys: cannot read " + path);
  }
  auto public_key = saga::curve_public_key(secret);
  if (!public_key) {
    return saga::invalid_argument("curve keys: " + path +
                                  " does not hold a 40-character Z85 secret key");
  }
  return saga::CurveKeyPair{std::move(public_key).value(), secret};
}

saga::Status write_secret(const std::string& path, const std::string& secret) {
  {
    std::ofstream out(path, std::ios::trunc);
    out << secret << '\n';
    if (!out) return saga::Status(saga::StatusCode::kIoError, "curve keys: cannot write " + path);
  }
  if (::chmod(path.c_str(), 0600) != 0) {
    return saga::Status(saga::StatusCode::kIoError, "curve keys: cannot chmod 0600 " + path);
  }
  return saga::Status::ok();
}

}  // namespace

saga::CurveServerKeys DemoCurveKeys::server() const {
  return saga::CurveServerKeys{
      participants.public_key, participants.secret_key, {orchestrator.public_key}};
}

saga::CurveClientKeys DemoCurveKeys::client() const {
  return saga::CurveClientKeys{orchestrator.public_key, orchestrator.secret_key,
                               participants.public_key};
}

saga::Result<DemoCurveKeys> load_or_create_curve_keys(const std::string& dir) {
  const std::string participants = dir + "/" + kParticipantsFile;
  const std::string orchestrator = dir + "/" + kOrchestratorFile;
  std::error_code ec;
  const bool have_participants = std::filesystem::exists(participants, ec);
  const bool have_orchestrator = std::filesystem::exists(orchestrator, ec);
  if (have_participants != have_orchestrator) {
    return saga::not_found("curve keys: " + (have_participants ? orchestrator : participants) +
                           " is missing (both files or neither)");
  }
  DemoCurveKeys keys;
  if (have_participants) {
    auto p = read_pair(participants);
    if (!p) return p.status();
    auto o = read_pair(orchestrator);
    if (!o) return o.status();
    keys.participants = std::move(p).value();
    keys.orchestrator = std::move(o).value();
  } else {
    auto p = saga::generate_curve_keypair();
    if (!p) return p.status();
    auto o = saga::generate_curve_keypair();
    if (!o) return o.status();
    keys.participants = std::move(p).value();
    keys.orchestrator = std::move(o).value();
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      return saga::Status(saga::StatusCode::kIoError,
                          "curve keys: cannot create " + dir + ": " + ec.message());
    }
    if (saga::Status s = write_secret(participants, keys.participants.secret_key); !s) return s;
    if (saga::Status s = write_secret(orchestrator, keys.orchestrator.secret_key); !s) return s;
  }
  if (saga::Status s = saga::check_curve_keys(keys.server()); !s) return s;
  return keys;
}

}  // namespace ftgo
