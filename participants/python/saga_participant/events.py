"""send_event: an external event for a saga's wait step, over saga/1 (docs/protocol.md, "Events").

    from saga_participant import events
    answer = events.send_event("tcp://orchestrator:5601", "TicketAccepted", "ticket-accepted-42",
                               {"order_id": 42, "ticket_id": 7}, key="order:42")
    if answer.accepted: print(answer.disposition)   # "consumed", "pending" or "duplicate"
    else: print(answer.reason)                      # "not_found: ..." (final: do not resend)

The Python twin of the C++ saga::send_event (saga/event_sender.h): a DEALER connects to the
orchestrator's events endpoint and sends the event -- the three frames, header kind "event",
message_id the event id, saga_id or event_key -- then waits for the answer, sending the same event
again (same id: the engine takes it once) every `resend_ms` until one comes or `timeout_ms`
passes (TimeoutError: nothing is known; send it again later with the same id). Blocking, one
socket per call. Needs python3-zmq.
"""
import collections
import json
import time

import zmq

from . import wire

EventAnswer = collections.namedtuple("EventAnswer", "accepted disposition saga_id reason")


def event_frames(name, event_id, body, saga_id=None, key=None, trace_id=None):
    """The three frames of an event; `body` a dict (sent as JSON) or bytes (cereal binary)."""
    if not name or not event_id:
        raise ValueError("an event needs a name and an event id")
    if (saga_id is None) == (key is None):
        raise ValueError("give exactly one of saga_id and key")
    header = {"kind": "event", "message_id": event_id, "name": name}
    if saga_id is not None:
        header["saga_id"] = saga_id
    else:
        header["event_key"] = key
    if trace_id:
        header["trace_id"] = trace_id
    if isinstance(body, (bytes, bytearray)):
        payload = bytes(body)
        header["content_type"] = wire.BINARY
    else:
        payload = json.dumps(body, separators=(",", ":")).encode("utf-8")
        header["content_type"] = wire.JSON
    return [wire.TAG, wire.encode_header(header), payload]


def parse_answer(frames, event_id):
    """The EventAnswer in an answer's frames; None for anything else (another event's answer)."""
    if len(frames) != 3 or frames[0] != wire.TAG:
        return None
    try:
        header = json.loads(frames[1].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(header, dict) or header.get("correlation_id") != event_id:
        return None
    if header.get("outcome") == "success":
        try:
            body = json.loads(frames[2].decode("utf-8")) if frames[2] else {}
        except (UnicodeDecodeError, ValueError):
            body = {}
        return EventAnswer(True, body.get("disposition", ""), body.get("saga_id", ""), "")
    return EventAnswer(False, "", header.get("saga_id", ""), header.get("reason", ""))


def send_event(endpoint, name, event_id, body, saga_id=None, key=None, timeout_ms=5000,
               resend_ms=500, context=None):
    """Sends the event and returns the orchestrator's EventAnswer; TimeoutError when none came."""
    frames = event_frames(name, event_id, body, saga_id=saga_id, key=key)
    ctx = context or zmq.Context.instance()
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    try:
        sock.connect(endpoint)
        deadline = time.monotonic() + timeout_ms / 1000.0
        while True:
            sock.send_multipart(frames)
            resend_at = min(deadline, time.monotonic() + resend_ms / 1000.0)
            while True:
                left = resend_at - time.monotonic()
                if left <= 0:
                    break
                if sock.poll(int(left * 1000) + 1, zmq.POLLIN):
                    answer = parse_answer(sock.recv_multipart(), event_id)
                    if answer is not None:
                        return answer
            if time.monotonic() >= deadline:
                raise TimeoutError("no answer to event %s from %s in %d ms"
                                   % (event_id, endpoint, timeout_ms))
    finally:
        sock.close()
