"""The saga/1 wire format (docs/protocol.md): the three frames, the header, the body encodings.

decode_header() checks a header frame exactly as the C++ decoder does and raises Malformed with
a message that names the problem; encode_header() writes one. Pure functions, no sockets.
"""
import json

TAG = b"saga/1"
BINARY = "application/x-cereal-portable-binary"
JSON = "application/json"
CONTENT_TYPES = (BINARY, JSON)
MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 16 * 1024 * 1024

# Reply names and reasons of the failures a participant library makes (docs/protocol.md).
FAILURE = "Failure"
NULL_COMPENSATION = "NullCompensation"
UNKNOWN_COMMAND = "unknown_command"
MALFORMED_COMMAND = "malformed_command"
HANDLER_ERROR = "handler_error"
COMPENSATED = "compensated"

_COMMON = ("kind", "message_id", "saga_id", "name")
_NON_EMPTY = ("message_id", "saga_id", "name", "saga_type", "step", "correlation_id")
_ENUMS = {"kind": ("command", "reply"), "outcome": ("success", "failure"),
          "content_type": CONTENT_TYPES}


class Malformed(ValueError):
    """Not valid saga/1: the message is dropped without a reply."""


def decode_header(frame, body=b"", max_header_bytes=MAX_HEADER_BYTES):
    """The header frame as a dict, with the defaults filled in (compensation, attempt)."""
    if len(frame) > max_header_bytes:
        raise Malformed("frame 2: header over %d bytes" % max_header_bytes)
    try:
        header = json.loads(frame.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise Malformed("frame 2: header is not valid UTF-8 JSON (%s)" % e) from None
    if not isinstance(header, dict):
        raise Malformed("frame 2: header is not a JSON object")
    for key, value in header.items():
        if key in _NON_EMPTY or key in ("reason", "trace_id"):
            if not isinstance(value, str):
                raise Malformed("header: field '%s' must be a string" % key)
            if key in _NON_EMPTY and not value:
                raise Malformed("header: field '%s' must be a non-empty string" % key)
        elif key in _ENUMS:
            if not isinstance(value, str):
                raise Malformed("header: field '%s' must be a string" % key)
            if value not in _ENUMS[key]:
                raise Malformed("header: field '%s' has unknown value '%s'" % (key, value[:64]))
        elif key == "compensation" and not isinstance(value, bool):
            raise Malformed("header: field 'compensation' must be true or false")
        elif key == "attempt" and (isinstance(value, bool) or not isinstance(value, int)
                                   or not 1 <= value <= 0xFFFFFFFF):
            raise Malformed("header: field 'attempt' must be an integer >= 1")
    required = _COMMON + (("saga_type", "step") if header.get("kind") == "command"
                          else ("correlation_id", "outcome"))
    for key in required:
        if key not in header:
            raise Malformed("header: missing field '%s'" % key)
    if body and "content_type" not in header:
        raise Malformed("header: missing field 'content_type' for a non-empty body")
    header.setdefault("content_type", BINARY)
    if header["kind"] == "command":
        header.setdefault("compensation", False)
        header.setdefault("attempt", 1)
    return header


def decode(frames, max_body_bytes=MAX_BODY_BYTES):
    """(header, body) of the three frames tag, header, body; raises Malformed."""
    if len(frames) != 3:
        raise Malformed("expected 3 frames (tag, header, body), got %d" % len(frames))
    if frames[0] != TAG:
        raise Malformed("frame 1: not the tag saga/1")
    if len(frames[2]) > max_body_bytes:
        raise Malformed("frame 3: body over %d bytes" % max_body_bytes)
    return decode_header(frames[1], frames[2]), frames[2]


def encode_header(header):
    """The header frame of a header dict (UTF-8 JSON, one line)."""
    return json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def reply_header(command, name, outcome, reason=""):
    """The header of a reply to `command` (a decoded command header)."""
    header = {
        "kind": "reply",
        "message_id": command["message_id"] + ":reply",
        "saga_id": command["saga_id"],
        "name": name,
        "correlation_id": command["message_id"],
        "outcome": outcome,
        "content_type": command["content_type"],
    }
    if outcome == "failure":
        header["reason"] = reason
    if command.get("trace_id"):
        header["trace_id"] = command["trace_id"]
    return header
