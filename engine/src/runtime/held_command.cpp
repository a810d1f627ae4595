#include "runtime/held_command.h"

#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "saga/check.h"

namespace saga {
namespace {

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_string(std::string& out, const std::string& s) {
  put_varint(out, s.size());
  out.append(s);
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      SAGA_CHECK(pos_ < in_.size() && shift < 64, "HeldCommand: truncated");
      const auto byte = static_cast<unsigned char>(in_[pos_++]);
      v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return v;
    }
  }
  std::string string() {
    const std::uint64_t n = varint();
    SAGA_CHECK(n <= in_.size() - pos_, "HeldCommand: truncated");
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  bool done() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

std::size_t varint_size(std::uint64_t v) {
  std::size_t n = 1;
  for (; v >= 0x80; v >>= 7) ++n;
  return n;
}

// Exactly what the constructor writes: one allocation of the right size.
std::size_t packed_size(const Envelope& e, const std::uint32_t (&names)[3]) {
  std::size_t n = 4;  // kind, compensation, outcome, content_type: one byte each
  n += varint_size(e.attempt);
  for (std::uint32_t index : names) n += varint_size(index);
  for (const std::string* s : {&e.message_id, &e.saga_id, &e.correlation_id, &e.reason,
                               &e.event_key, &e.trace_id, &e.body, &e.route}) {
    n += varint_size(s->size()) + s->size();
  }
  return n;
}

}  // namespace

std::uint32_t NamePool::index(const std::string& name) {
  auto it = by_name_.find(name);
  if (it != by_name_.end()) return it->second;
  const auto index = static_cast<std::uint32_t>(names_.size());
  names_.push_back(name);
  by_name_.emplace(names_.back(), index);
  return index;
}

HeldCommand::HeldCommand(const Envelope& e, NamePool& pool) {
  const std::uint32_t names[3] = {pool.index(e.name), pool.index(e.saga_type), pool.index(e.step)};
  bytes_.reserve(packed_size(e, names));
  put_varint(bytes_, static_cast<std::uint64_t>(e.kind));
  put_string(bytes_, e.message_id);
  put_string(bytes_, e.saga_id);
  for (std::uint32_t index : names) put_varint(bytes_, index);
  put_varint(bytes_, e.compensation ? 1 : 0);
  put_varint(bytes_, e.attempt);
  put_string(bytes_, e.correlation_id);
  put_varint(bytes_, static_cast<std::uint64_t>(e.outcome));
  put_string(bytes_, e.reason);
  put_string(bytes_, e.event_key);
  put_varint(bytes_, static_cast<std::uint64_t>(e.content_type));
  put_string(bytes_, e.trace_id);
  put_string(bytes_, e.body);
  put_string(bytes_, e.route);
}

Envelope HeldCommand::unpack(const NamePool& pool) const {
  Reader r(bytes_);
  Envelope e;
  e.kind = static_cast<MessageKind>(r.varint());
  e.message_id = r.string();
  e.saga_id = r.string();
  e.name = pool.name(static_cast<std::uint32_t>(r.varint()));
  e.saga_type = pool.name(static_cast<std::uint32_t>(r.varint()));
  e.step = pool.name(static_cast<std::uint32_t>(r.varint()));
  e.compensation = r.varint() != 0;
  e.attempt = static_cast<std::uint32_t>(r.varint());
  e.correlation_id = r.string();
  e.outcome = static_cast<Outcome>(r.varint());
  e.reason = r.string();
  e.event_key = r.string();
  e.content_type = static_cast<ContentType>(r.varint());
  e.trace_id = r.string();
  e.body = r.string();
  e.route = r.string();
  SAGA_CHECK(r.done(), "HeldCommand: trailing bytes");
  return e;
}

}  // namespace saga
