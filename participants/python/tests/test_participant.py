"""The Python participant library over real ZeroMQ sockets and real SQLite files.

Each test drives a Participant with DEALER sockets from the test's own thread: send, then
run_once(), then read the reply. Run: python3 -m unittest discover -s participants/python/tests
"""
import json
import logging
import os
import sqlite3
import sys
import tempfile
import time
import unittest

import zmq

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from saga_participant import Participant, failure, success, wire  # noqa: E402

QUIET = logging.getLogger("saga_participant.test")
QUIET.setLevel(logging.CRITICAL)
SCHEMA = {"type": "object", "required": ["order_id", "amount_cents"],
          "properties": {"order_id": {"type": "integer"}, "amount_cents": {"type": "integer"}}}


class Client:
    def __init__(self, context, endpoint, curve=None):
        self.socket = context.socket(zmq.DEALER)
        self.socket.setsockopt(zmq.LINGER, 0)
        if curve is not None:
            server_public, public, secret = curve
            self.socket.setsockopt(zmq.CURVE_SERVERKEY, server_public)
            self.socket.setsockopt(zmq.CURVE_PUBLICKEY, public)
            self.socket.setsockopt(zmq.CURVE_SECRETKEY, secret)
        self.socket.connect(endpoint)

    def send_frames(self, frames):
        self.socket.send_multipart(frames)

    def send(self, header, body=b""):
        self.send_frames([wire.TAG, json.dumps(header).encode(), body])

    def recv(self, timeout_ms=2000):
        if not self.socket.poll(timeout_ms):
            return None
        frames = self.socket.recv_multipart()
        assert frames[0] == wire.TAG and len(frames) == 3, frames
        return json.loads(frames[1]), frames[2]


def command(message_id, name="Charge", body=None, compensation=False, step="charge",
            saga_id="s1"):
    header = {"kind": "command", "message_id": message_id, "saga_id": saga_id,
              "saga_type": "order", "step": step, "name": name, "compensation": compensation,
              "attempt": 1, "content_type": wire.JSON, "trace_id": "t-1"}
    data = b"" if body is None else json.dumps(body).encode()
    return header, data


class ParticipantTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "p.db")
        self.context = zmq.Context()
        self.calls = []
        self.clients = []
        self.p = self.open()

    def tearDown(self):
        for c in self.clients:
            c.socket.close()
        self.p.close()
        self.context.term()
        self.dir.cleanup()

    def open(self, **options):
        p = Participant("tcp://127.0.0.1:0", self.path, contracts={"Charge": SCHEMA},
                        synchronous="NORMAL", log=QUIET, **options)
        p.exec_schema("CREATE TABLE IF NOT EXISTS charges (order_id INTEGER PRIMARY KEY, "
                      "amount INTEGER)")

        def charge(body, ctx):
            self.calls.append(ctx.message_id)
            if body["amount_cents"] < 0:
                raise RuntimeError("negative")
            ctx.db.execute("INSERT INTO charges VALUES (?, ?)",
                           (body["order_id"], body["amount_cents"]))
            if body["amount_cents"] > 100:
                return failure("over_limit", "ChargeRefused", {"limit": 100})
            return success("Charged", {"charge_id": "c-%d" % body["order_id"]})

        def refund(body, ctx):
            self.calls.append(ctx.message_id)
            ctx.db.execute("DELETE FROM charges WHERE order_id = ?", (body["order_id"],))
            return success("Refunded")

        p.on("Charge", charge)
        p.on_compensation("Refund", refund)
        return p

    def client(self, **kw):
        self.clients.append(Client(self.context, self.p.endpoint, **kw))
        return self.clients[-1]

    def roundtrip(self, client, header, body=b""):
        client.send(header, body)
        self.p.run_once(2000)
        return client.recv()

    def run_until(self, done, timeout_s=5.0):
        """Runs the participant's loop until done() holds (messages sent together may arrive
        in more than one run_once) or timeout_s passed."""
        deadline = time.monotonic() + timeout_s
        while not done() and time.monotonic() < deadline:
            self.p.run_once(100)

    def charges(self):
        with sqlite3.connect(self.path) as db:
            return db.execute("SELECT order_id, amount FROM charges ORDER BY 1").fetchall()

    def test_success_reply_answers_the_command(self):
        header, body = self.roundtrip(self.client(), *command("m1", body={"order_id": 7,
                                                                        "amount_cents": 5}))
        self.assertEqual(header, {"kind": "reply", "message_id": "m1:reply", "saga_id": "s1",
                                  "name": "Charged", "correlation_id": "m1",
                                  "outcome": "success", "content_type": wire.JSON,
                                  "trace_id": "t-1"})
        self.assertEqual(json.loads(body), {"charge_id": "c-7"})
        self.assertEqual(self.charges(), [(7, 5)])

    def test_duplicate_gets_the_stored_reply_and_runs_once(self):
        c = self.client()
        first = self.roundtrip(c, *command("m1", body={"order_id": 7, "amount_cents": 500}))
        header, body = command("m1", body={"order_id": 7, "amount_cents": 500})
        header["attempt"] = 2
        again = self.roundtrip(self.client(), header, body)  # another connection
        self.assertEqual(first, again)
        self.assertEqual(first[0]["outcome"], "failure")
        self.assertEqual(first[0]["reason"], "over_limit")
        self.assertEqual(json.loads(first[1]), {"limit": 100})
        self.assertEqual(self.calls, ["m1"])
        self.assertEqual(self.p.stats["duplicates"], 1)
        self.assertIsNone(c.recv(100))  # the resend was answered on its own connection only

    def test_unknown_command_fails_and_is_not_stored(self):
        c = self.client()
        header, body = self.roundtrip(c, *command("m1", name="Teleport"))
        self.assertEqual((header["name"], header["outcome"], header["reason"], body),
                         (wire.FAILURE, "failure", wire.UNKNOWN_COMMAND, b""))
        self.p.on("Teleport", lambda body, ctx: success("Teleported"))
        header, _ = self.roundtrip(c, *command("m1", name="Teleport"))
        self.assertEqual(header["name"], "Teleported")

    def test_undecodable_body_is_malformed_and_not_stored(self):
        c = self.client()
        for body in (b"{not json", json.dumps({"order_id": 7}).encode(),
                     json.dumps({"order_id": "7", "amount_cents": 1}).encode()):
            header, out = self.roundtrip(c, command("m1")[0], body)
            self.assertEqual((header["reason"], out), (wire.MALFORMED_COMMAND, b""))
        header, _ = self.roundtrip(c, *command("m1", body={"order_id": 7, "amount_cents": 1}))
        self.assertEqual(header["name"], "Charged")
        self.assertEqual(self.p.stats["malformed_commands"], 3)

    def test_binary_body_is_malformed(self):
        header, body = command("m1")
        header["content_type"] = wire.BINARY
        reply, _ = self.roundtrip(self.client(), header, b"\x01\x07")
        self.assertEqual((reply["reason"], reply["content_type"]),
                         (wire.MALFORMED_COMMAND, wire.BINARY))

    def test_handler_error_rolls_back_and_is_stored(self):
        c = self.client()
        header, _ = self.roundtrip(c, *command("m1", body={"order_id": 7, "amount_cents": -1}))
        self.assertEqual((header["name"], header["reason"]), (wire.FAILURE, wire.HANDLER_ERROR))
        again, _ = self.roundtrip(c, *command("m1", body={"order_id": 7, "amount_cents": -1}))
        self.assertEqual(again, header)
        self.assertEqual(self.calls, ["m1"])
        self.assertEqual(self.charges(), [])

    def test_null_compensation_then_the_late_action_is_refused(self):
        c = self.client()
        header, body = self.roundtrip(c, *command("m2", name="Refund", compensation=True,
                                                  body={"order_id": 7}))
        self.assertEqual((header["name"], header["outcome"], body),
                         (wire.NULL_COMPENSATION, "success", b""))
        header, _ = self.roundtrip(c, *command("m1", body={"order_id": 7, "amount_cents": 5}))
        self.assertEqual((header["outcome"], header["reason"]), ("failure", wire.COMPENSATED))
        self.assertEqual(self.calls, [])
        self.assertEqual(self.charges(), [])
        self.assertEqual(self.p.stats["null_compensations"], 1)
        self.assertEqual(self.p.stats["refused_compensated"], 1)

    def test_compensation_after_the_action_runs(self):
        c = self.client()
        self.roundtrip(c, *command("m1", body={"order_id": 7, "amount_cents": 5}))
        header, _ = self.roundtrip(c, *command("m2", name="Refund", compensation=True,
                                               body={"order_id": 7}))
        self.assertEqual(header["name"], "Refunded")
        self.assertEqual(self.charges(), [])
        header, _ = self.roundtrip(c, *command("m3", name="Refund", compensation=True,
                                               body={"order_id": 7}))
        self.assertEqual(header["name"], wire.NULL_COMPENSATION)  # done under another id
        self.assertEqual(self.calls, ["m1", "m2"])

    def test_compensation_flag_must_match_the_handler(self):
        header, _ = self.roundtrip(self.client(), *command("m1", name="Refund",
                                                           body={"order_id": 7}))
        self.assertEqual(header["reason"], wire.MALFORMED_COMMAND)

    def test_invalid_messages_are_dropped_and_counted(self):
        c = self.client()
        good = command("m9", body={"order_id": 9, "amount_cents": 1})
        bad = [
            [wire.TAG, good[0] and json.dumps(good[0]).encode()],  # two frames
            [b"saga/2", json.dumps(good[0]).encode(), good[1]],
            [wire.TAG, b"{not json", b""],
            [wire.TAG, b"[1]", b""],
            [wire.TAG, json.dumps({k: v for k, v in good[0].items() if k != "step"}).encode(),
             good[1]],
            [wire.TAG, json.dumps(dict(good[0], attempt=0)).encode(), good[1]],
            [wire.TAG, json.dumps(dict(good[0], kind="event")).encode(), good[1]],
            [wire.TAG, json.dumps({k: v for k, v in good[0].items()
                                   if k != "content_type"}).encode(), good[1]],
        ]
        for frames in bad:
            c.send_frames(frames)
        reply = {"kind": "reply", "message_id": "x", "saga_id": "s1", "name": "Charged",
                 "correlation_id": "m1", "outcome": "success"}
        c.send(reply)
        self.run_until(lambda: self.p.stats["replies_dropped"] == 1)
        self.assertIsNone(c.recv(200))
        self.assertEqual(self.p.stats["malformed_dropped"], len(bad))
        self.assertEqual(self.p.stats["replies_dropped"], 1)
        self.assertEqual(self.roundtrip(c, *good)[0]["name"], "Charged")

    def test_oversized_messages_are_dropped(self):
        self.p.close()
        self.p = self.open(max_message_bytes=1024)
        c = self.client()
        header, _ = command("m1")
        c.send(header, b" " * 1025)
        c.send(dict(header, trace_id="x" * (wire.MAX_HEADER_BYTES + 1)))
        self.run_until(lambda: self.p.stats["oversized_dropped"] == 2)
        self.assertIsNone(c.recv(200))
        self.assertEqual(self.p.stats["oversized_dropped"], 2)
        good = command("m1", body={"order_id": 1, "amount_cents": 1})
        self.assertEqual(self.roundtrip(c, *good)[0]["name"], "Charged")

    def test_a_failing_schema_changes_nothing(self):
        with self.assertRaises(sqlite3.OperationalError):
            self.p.exec_schema("CREATE TABLE t1 (a); INSERT INTO t1 VALUES (1); BOGUS;")
        with sqlite3.connect(self.path) as db:
            tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master")]
        self.assertNotIn("t1", tables)

    def test_inbox_survives_a_restart(self):
        first = self.roundtrip(self.client(), *command("m1", body={"order_id": 7,
                                                                   "amount_cents": 5}))
        self.p.close()
        self.p = self.open()
        again = self.roundtrip(self.client(), *command("m1", body={"order_id": 7,
                                                                   "amount_cents": 5}))
        self.assertEqual(first, again)
        self.assertEqual(self.calls, ["m1"])

    def test_curve_admits_only_listed_clients(self):
        server_public, server_secret = zmq.curve_keypair()
        public, secret = zmq.curve_keypair()
        stranger_public, stranger_secret = zmq.curve_keypair()
        self.p.close()
        self.p = self.open(curve=(server_secret, [public]))
        good = command("m1", body={"order_id": 1, "amount_cents": 1})
        stranger = self.client(curve=(server_public, stranger_public, stranger_secret))
        stranger.send(*good)
        self.p.run_once(300)
        self.assertIsNone(stranger.recv(200))
        admitted = self.client(curve=(server_public, public, secret))
        admitted.send(*good)
        for _ in range(20):
            self.p.run_once(100)
        reply = admitted.recv()
        self.assertIsNotNone(reply)
        self.assertEqual(reply[0]["name"], "Charged")
        self.assertGreaterEqual(self.p.stats["clients_refused"], 1)


class WireTest(unittest.TestCase):
    def test_header_rules(self):
        ok = command("m1")[0]
        self.assertEqual(wire.decode_header(json.dumps(ok).encode())["attempt"], 1)
        cases = {
            "missing field 'saga_id'": {k: v for k, v in ok.items() if k != "saga_id"},
            "'step' must be a non-empty string": dict(ok, step=""),
            "'compensation' must be true or false": dict(ok, compensation=1),
            "unknown value 'text/plain'": dict(ok, content_type="text/plain"),
            "missing field 'correlation_id'": dict(ok, kind="reply", outcome="success"),
        }
        for message, header in cases.items():
            with self.assertRaisesRegex(wire.Malformed, message):
                wire.decode_header(json.dumps(header).encode())
        defaults = wire.decode_header(b'{"kind":"command","message_id":"m","saga_id":"s",'
                                      b'"saga_type":"t","step":"p","name":"N"}')
        self.assertEqual((defaults["compensation"], defaults["attempt"], defaults["content_type"]),
                         (False, 1, wire.BINARY))


if __name__ == "__main__":
    unittest.main()
