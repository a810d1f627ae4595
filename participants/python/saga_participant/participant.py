"""Participant: receives saga/1 commands on a ZeroMQ ROUTER and replies, idempotently.

The Python form of the C++ participant library (saga/participant.h), written from
docs/protocol.md and an exported contract (docs/contracts/*.asyncapi.json):

- For every command that parses, exactly one reply, to the routing id the command came from,
  in the command's content_type, after the transaction that decided it commits.
- Idempotent inbox (table saga_inbox, the C++ library's layout): the reply of each message_id is
  stored in the same SQLite transaction as the handler's writes; a command whose message_id is
  there gets the stored reply and its handler does not run.
- Barrier per (saga_id, step) (table saga_barrier): a compensation whose action never succeeded
  here is answered NullCompensation (success) without running; an action that arrives after its
  compensation is refused, reason "compensated". A successful action or compensation is recorded
  with its effects.
- Failure replies made by the library, name "Failure", empty body: unknown_command and
  malformed_command (not stored: a resend after a fix is handled), handler_error (stored; the
  handler's writes are rolled back) and compensated (stored).
- Frames that are not saga/1, replies sent to a participant, a header over 64 KiB or a body over
  max_message_bytes are dropped, logged and counted: no reply, no crash.
- Bodies: application/json, checked against the command's contract when `contracts` is given
  (a missing field or a wrong type is malformed_command). The cereal portable binary encoding is
  not decoded here: such a command with a non-empty body is malformed_command.
- Optional CURVE: the ROUTER is a CURVE server that admits only the listed client keys.
Not in this library: semantic locks (HandlerContext::lock in C++).

Threads: use a Participant from one thread; stop() may be called from any thread.
"""
import json
import logging
import sqlite3
import threading

import zmq

from . import contracts as contract_check
from . import wire

_SCHEMA = """
CREATE TABLE IF NOT EXISTS saga_inbox (
  message_id   TEXT PRIMARY KEY,
  saga_id      TEXT NOT NULL,
  step         TEXT NOT NULL,
  command_name TEXT NOT NULL,
  compensation INTEGER NOT NULL,
  reply_name   TEXT NOT NULL,
  outcome      INTEGER NOT NULL,
  reason       TEXT NOT NULL,
  content_type INTEGER NOT NULL,
  body         BLOB NOT NULL,
  stored_at    INTEGER NOT NULL DEFAULT 0  -- set and pruned by the C++ library's inbox retention
);
CREATE TABLE IF NOT EXISTS saga_barrier (
  saga_id           TEXT NOT NULL,
  step              TEXT NOT NULL,
  action_done       INTEGER NOT NULL DEFAULT 0,
  compensation_done INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (saga_id, step)
);
"""
_OUTCOMES = {"success": 1, "failure": 2}
_CONTENT_TYPES = {wire.BINARY: 1, wire.JSON: 2}
COUNTERS = ("handled", "duplicates", "null_compensations", "refused_compensated",
            "handler_errors", "unknown_commands", "malformed_commands", "malformed_dropped",
            "oversized_dropped", "replies_dropped", "send_failures", "store_errors",
            "clients_refused")


class Reply:
    """A handler's answer. Make it with success() or failure()."""

    def __init__(self, outcome, name, reason="", body=None):
        self.outcome, self.name, self.reason, self.body = outcome, name, reason, body

    def __repr__(self):
        return "Reply(%s, %s, %r, %r)" % (self.outcome, self.name, self.reason, self.body)


def success(name, body=None):
    """A success reply named `name` with a JSON-encodable body (a dict), or an empty body."""
    return Reply("success", name, "", body)


def failure(reason, name=wire.FAILURE, body=None):
    """A failure reply with a machine-readable reason ("card_declined")."""
    return Reply("failure", name, reason, body)


class Context:
    """What a handler knows about its command; `db` is inside the transaction of the reply."""

    def __init__(self, header, db):
        self.header, self.db = header, db
        self.message_id = header["message_id"]
        self.saga_id = header["saga_id"]
        self.saga_type = header["saga_type"]
        self.step = header["step"]
        self.compensation = header["compensation"]
        self.attempt = header["attempt"]
        self.trace_id = header.get("trace_id", "")


class _StoreError(Exception):
    pass


class Participant:
    def __init__(self, endpoint, database_path, *, max_message_bytes=wire.MAX_BODY_BYTES,
                 contracts=None, synchronous="FULL", curve=None, max_batch=64, log=None):
        """Binds a ROUTER on `endpoint` ("tcp://127.0.0.1:0" takes a free port) and opens (or
        creates) the SQLite file `database_path` in WAL mode. `contracts`: {name: schema}, from
        contracts.load(). `curve`: (server secret key, [allowed client public keys]), Z85."""
        self.max_message_bytes = max_message_bytes
        self.max_batch = max_batch
        self.contracts = contracts or {}
        self.log = log or logging.getLogger("saga_participant")
        self.stats = dict.fromkeys(COUNTERS, 0)
        self._handlers = {}
        self._stopping = threading.Event()
        self.db = sqlite3.connect(database_path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=%s" % ("NORMAL" if synchronous == "NORMAL" else "FULL"))
        self.db.execute("PRAGMA busy_timeout=5000")
        self.exec_schema(_SCHEMA)
        self._context = zmq.Context()
        self._auth = None
        self.socket = self._context.socket(zmq.ROUTER)
        self.socket.setsockopt(zmq.LINGER, 100)
        self.socket.setsockopt(zmq.ROUTER_MANDATORY, 1)
        # A frame between the body limit and this is received and counted as oversized; a
        # larger one makes libzmq drop the connection before we see it (as in C++).
        self.socket.setsockopt(zmq.MAXMSGSIZE, max_message_bytes + wire.MAX_HEADER_BYTES)
        if curve is not None:
            self._start_curve(*curve)
        self.socket.bind(endpoint)
        self.endpoint = self.socket.getsockopt(zmq.LAST_ENDPOINT).decode()

    def _start_curve(self, secret_key, allowed):
        from zmq.auth.thread import ThreadAuthenticator

        allowed = {k.encode() if isinstance(k, str) else k for k in allowed}
        participant = self

        class Keys:
            def callback(self, domain, key):
                ok = key in allowed  # Z85, as pyzmq passes it
                if not ok:
                    participant.stats["clients_refused"] += 1
                return ok

        self._auth = ThreadAuthenticator(self._context)
        self._auth.start()
        self._auth.configure_curve_callback(domain="saga", credentials_provider=Keys())
        self.socket.setsockopt(zmq.ZAP_DOMAIN, b"saga")
        self.socket.setsockopt(zmq.CURVE_SERVER, 1)
        self.socket.setsockopt(zmq.CURVE_SECRETKEY,
                               secret_key.encode() if isinstance(secret_key, str) else secret_key)

    def exec_schema(self, sql):
        """Runs the service's own DDL (and seed data) in one transaction."""
        try:
            self.db.executescript("BEGIN IMMEDIATE;\n%s\n;COMMIT;" % sql)
        except sqlite3.Error:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise

    def on(self, name, handler):
        """Registers handler(body, context) -> Reply for the action command `name`."""
        self._handlers[name] = (handler, False, True)

    def on_compensation(self, name, handler, barrier=True):
        """Registers the handler of a compensation command (header compensation: true).
        barrier=False: it always runs (for compensation-only steps, like FTGO's RejectOrder)."""
        self._handlers[name] = (handler, True, barrier)

    # --- the loop ----------------------------------------------------------------------------

    def run_once(self, timeout_ms):
        """Waits at most timeout_ms for commands, handles what arrived (at most max_batch) in
        one transaction, then sends the replies. Returns the number of replies sent."""
        if not self.socket.poll(timeout_ms):
            return 0
        batch = []
        while len(batch) < self.max_batch:
            try:
                frames = self.socket.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                break
            command = self._parse(frames)
            if command is not None:
                batch.append(command)
        if not batch:
            return 0
        replies = []
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for routing_id, header, body in batch:
                replies.append((routing_id, self._handle(header, body)))
            self.db.execute("COMMIT")
        except Exception as e:  # noqa: BLE001 -- a store error (or a bug): nothing is answered
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            self.stats["store_errors"] += 1
            self.log.error("batch of %d commands rolled back, no replies: %s", len(batch), e)
            return 0
        for routing_id, (header, body) in replies:
            try:
                self.socket.send_multipart([routing_id, wire.TAG, wire.encode_header(header),
                                            body], zmq.NOBLOCK)
            except zmq.ZMQError as e:
                self.stats["send_failures"] += 1
                self.log.warning("reply to %s not sent: %s", header["correlation_id"], e)
        return len(replies)

    def run(self):
        """Calls run_once() until stop()."""
        while not self._stopping.is_set():
            self.run_once(100)

    def stop(self):
        self._stopping.set()

    def close(self):
        self.socket.close(100)
        if self._auth is not None:
            self._auth.stop()
        self._context.term()
        self.db.close()

    # --- one command -------------------------------------------------------------------------

    def _drop(self, counter, message):
        self.stats[counter] += 1
        self.log.warning("dropped: %s", message)

    def _parse(self, frames):
        """(routing id, header, body) of a saga/1 command; None (counted) for anything else."""
        routing_id, frames = frames[0], frames[1:]
        if len(frames) != 3:
            return self._drop("malformed_dropped", "a message of %d frames (want 3)" % len(frames))
        if len(frames[2]) > self.max_message_bytes or len(frames[1]) > wire.MAX_HEADER_BYTES:
            return self._drop("oversized_dropped",
                              "an oversized message (%d body bytes)" % len(frames[2]))
        try:
            header, body = wire.decode(frames, self.max_message_bytes)
        except wire.Malformed as e:
            return self._drop("malformed_dropped", str(e))
        if header["kind"] != "command":
            return self._drop("replies_dropped", "a reply sent to a participant")
        return routing_id, header, body

    def _handle(self, header, body):
        """The reply (header, body) to one command, inside the batch's transaction."""
        row = self.db.execute(
            "SELECT reply_name, outcome, reason, body FROM saga_inbox WHERE message_id = ?",
            (header["message_id"],)).fetchone()
        if row is not None:
            self.stats["duplicates"] += 1
            outcome = "success" if row[1] == 1 else "failure"
            return wire.reply_header(header, row[0], outcome, row[2]), bytes(row[3])
        entry = self._handlers.get(header["name"])
        if entry is None:
            self.stats["unknown_commands"] += 1
            self.log.warning("unknown command '%s'", header["name"])
            return self._library_failure(header, wire.UNKNOWN_COMMAND)
        handler, compensation, barrier = entry
        if compensation != header["compensation"]:
            return self._malformed(header, "the compensation flag does not match its handler")
        try:
            decoded = self._decode_body(header, body)
        except ValueError as e:
            return self._malformed(header, str(e))
        if not barrier:
            reply = self._run(handler, decoded, header)
        else:
            action_done, compensation_done = self._barrier(header)
            if header["compensation"] and not action_done:
                self.stats["null_compensations"] += int(not compensation_done)
                self.stats["duplicates"] += int(compensation_done)
                self._mark(header)
                reply = success(wire.NULL_COMPENSATION)
            elif not header["compensation"] and compensation_done:
                self.stats["refused_compensated"] += 1
                self.log.warning("refused action of saga %s step %s: already compensated",
                                 header["saga_id"], header["step"])
                reply = failure(wire.COMPENSATED)
            elif header["compensation"] and compensation_done:
                self.stats["duplicates"] += 1  # compensated under another message_id
                reply = success(wire.NULL_COMPENSATION)
            else:
                reply = self._run(handler, decoded, header)
                if reply.outcome == "success":
                    self._mark(header)
        out = self._encode_reply(header, reply)
        self._store(header, reply, out)
        return wire.reply_header(header, reply.name, reply.outcome, reply.reason), out

    def _decode_body(self, header, body):
        if not body:
            value = {}
        elif header["content_type"] != wire.JSON:
            raise ValueError("body: %s is not decoded by the Python library" % wire.BINARY)
        else:
            try:
                value = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as e:
                raise ValueError("body: not JSON (%s)" % e) from None
        schema = self.contracts.get(header["name"])
        if schema is not None:
            contract_check.check(value, schema)
        elif not isinstance(value, dict):
            raise ValueError("body: must be an object")
        return value

    def _run(self, handler, body, header):
        self.db.execute("SAVEPOINT handler")
        try:
            reply = handler(body, Context(header, self.db))
            if not isinstance(reply, Reply):
                raise TypeError("the handler returned %r, not a Reply" % (reply,))
            self._encode_reply(header, reply)
            self.db.execute("RELEASE handler")
            self.stats["handled"] += 1
            return reply
        except sqlite3.OperationalError as e:
            if "locked" in str(e) or "busy" in str(e) or "disk" in str(e):
                raise _StoreError(str(e)) from None
            return self._handler_error(header, e)
        except Exception as e:  # noqa: BLE001 -- any handler error becomes its failure reply
            return self._handler_error(header, e)

    def _handler_error(self, header, error):
        self.db.execute("ROLLBACK TO handler")
        self.db.execute("RELEASE handler")
        self.stats["handler_errors"] += 1
        self.log.error("handler of %s (message %s) failed: %r", header["name"],
                       header["message_id"], error)
        return failure(wire.HANDLER_ERROR)

    def _encode_reply(self, header, reply):
        if reply.body is None:
            return b""
        if header["content_type"] != wire.JSON:
            raise ValueError("a reply body in %s cannot be encoded here" % wire.BINARY)
        return json.dumps(reply.body, separators=(",", ":")).encode("utf-8")

    def _malformed(self, header, why):
        self.stats["malformed_commands"] += 1
        self.log.warning("command '%s' (message %s): %s", header["name"], header["message_id"],
                         why)
        return self._library_failure(header, wire.MALFORMED_COMMAND)

    @staticmethod
    def _library_failure(header, reason):
        return wire.reply_header(header, wire.FAILURE, "failure", reason), b""

    def _barrier(self, header):
        row = self.db.execute(
            "SELECT action_done, compensation_done FROM saga_barrier WHERE saga_id = ? AND step = ?",
            (header["saga_id"], header["step"])).fetchone()
        return (bool(row[0]), bool(row[1])) if row else (False, False)

    def _mark(self, header):
        column = "compensation_done" if header["compensation"] else "action_done"
        self.db.execute(
            "INSERT INTO saga_barrier (saga_id, step, %s) VALUES (?, ?, 1) "
            "ON CONFLICT (saga_id, step) DO UPDATE SET %s = 1" % (column, column),
            (header["saga_id"], header["step"]))

    def _store(self, header, reply, body):
        self.db.execute(
            "INSERT INTO saga_inbox (message_id, saga_id, step, command_name, compensation, "
            "reply_name, outcome, reason, content_type, body) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (header["message_id"], header["saga_id"], header["step"], header["name"],
             int(header["compensation"]), reply.name, _OUTCOMES[reply.outcome], reply.reason,
             _CONTENT_TYPES[header["content_type"]], body))
