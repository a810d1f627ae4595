#!/usr/bin/env python3
"""saga_conformance: drives a saga/1 participant through the protocol's rules and prints a
pass/fail table (docs/protocol.md, "Conformance kit").

  saga_conformance.py --endpoint EP --command NAME --body JSON [options]
  saga_conformance.py --spawn --command NAME --body JSON [options] -- PROGRAM ARGS...

--spawn starts PROGRAM ARGS (which must print "READY <endpoint>" on its first stdout line),
runs the checks against it and stops it (SIGTERM). The kit plays the orchestrator: a DEALER per
connection, JSON bodies, a fresh saga id per check (so it can run against a participant's
existing database).

Options:
  --command NAME --body JSON   an action the participant handles (any outcome will do); the
                               string "$N" in a body becomes a number unique to each command
                               (for bodies that must differ: an order id)
  --compensation NAME --compensation-body JSON
                               a compensation command of the same step (enables the barrier
                               checks; without it they are reported n/a)
  --step STEP --saga-type T    the header's step and saga_type (default: check, conformance)
  --contracts FILE             an exported AsyncAPI document: reply bodies are checked against
                               the schemas of their names
  --max-body BYTES             the participant's body limit (default 16 MiB)
  --timeout-ms MS              how long to wait for a reply that must come (default 3000)
  --quiet-ms MS                how long to listen for a reply that must not come (default 300)
Exit status 0 when every applicable check passed, 1 otherwise, 2 on a usage error.
Needs python3-zmq; reuses the header rules of participants/python (saga_participant.wire).
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time
import uuid

import zmq

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "participants", "python"))
from saga_participant import contracts, wire  # noqa: E402


class Failed(Exception):
    pass


class NotApplicable(Exception):
    pass


def expect(condition, detail):
    if not condition:
        raise Failed(detail)


class Kit:
    def __init__(self, options, endpoint):
        self.o, self.endpoint = options, endpoint
        self.context = zmq.Context()
        self.sockets = []
        self.run_id = uuid.uuid4().hex[:8]
        self.n = 0
        self.schemas = contracts.load(options.contracts) if options.contracts else {}
        self.seq = int(time.time() * 1000) % 1_000_000_000 * 1000  # fresh across runs

    def connect(self):
        s = self.context.socket(zmq.DEALER)
        s.setsockopt(zmq.LINGER, 1000)
        s.connect(self.endpoint)
        self.sockets.append(s)
        return s

    def close(self):
        for s in self.sockets:
            s.close(0)
        self.context.term()

    def command(self, name=None, body=None, compensation=False, saga_id=None, message_id=None):
        self.n += 1
        header = {"kind": "command", "message_id": message_id or "%s-m%d" % (self.run_id, self.n),
                  "saga_id": saga_id or "%s-s%d" % (self.run_id, self.n),
                  "saga_type": self.o.saga_type, "step": self.o.step,
                  "name": name or self.o.command, "compensation": compensation, "attempt": 1,
                  "content_type": wire.JSON, "trace_id": "conformance-%d" % self.n}
        if body is None:
            body = self.fill(self.o.body)
        return header, json.dumps(body).encode()

    def fill(self, template):
        """The JSON `template` with each "$N" replaced by a fresh number."""
        self.seq += 1
        return json.loads(template.replace('"$N"', str(self.seq)))

    @staticmethod
    def send(socket, header, body):
        socket.send_multipart([wire.TAG, wire.encode_header(header), body])

    def receive(self, socket, timeout_ms):
        """The next message on `socket` as (header, body), or None after timeout_ms."""
        if not socket.poll(timeout_ms):
            return None
        frames = socket.recv_multipart()
        expect(len(frames) == 3 and frames[0] == wire.TAG,
               "a reply that is not 3 frames with the tag saga/1: %r" % frames[:2])
        try:
            return wire.decode_header(frames[1], frames[2]), frames[2]
        except wire.Malformed as e:
            raise Failed("the reply's header is not saga/1: %s" % e) from None

    def reply_to(self, socket, header, body):
        """Sends a command and returns its checked reply."""
        self.send(socket, header, body)
        reply = self.receive(socket, self.o.timeout_ms)
        expect(reply is not None, "no reply to %s within %d ms" % (header["name"],
                                                                  self.o.timeout_ms))
        self.check_reply(header, *reply)
        return reply

    def check_reply(self, command, reply, body):
        expect(reply["kind"] == "reply", "kind is %r, not reply" % reply["kind"])
        expect(reply["correlation_id"] == command["message_id"],
               "correlation_id %r is not the command's message_id %r"
               % (reply["correlation_id"], command["message_id"]))
        expect(reply["saga_id"] == command["saga_id"], "saga_id not copied")
        expect(reply.get("trace_id") == command["trace_id"], "trace_id not passed on")
        expect(reply["content_type"] == command["content_type"] or not body,
               "replied in %s to a %s command" % (reply["content_type"], command["content_type"]))
        expect(reply["message_id"] != command["message_id"], "reused the command's message_id")
        if reply["outcome"] == "failure":
            expect(reply.get("reason"), "a failure reply without a reason")
        if body:
            try:
                value = json.loads(body)
            except ValueError:
                raise Failed("the reply body is not JSON") from None
            schema = self.schemas.get(reply["name"])
            if schema is not None:
                try:
                    contracts.check(value, schema)
                except ValueError as e:
                    raise Failed("%s body against its contract: %s" % (reply["name"], e)) from None
            elif self.schemas:
                raise Failed("reply name %r is not in the contracts" % reply["name"])

    def silent(self, socket, what):
        got = self.receive(socket, self.o.quiet_ms)
        expect(got is None, "%s was answered (%s)" % (what, got and got[0].get("name")))

    def alive(self):
        """The participant still answers a valid command, on a new connection."""
        header, body = self.command()
        self.reply_to(self.connect(), header, body)

    # --- the checks, in table order ---------------------------------------------------------

    def check_reply_fields(self):
        header, body = self.command()
        reply, _ = self.reply_to(self.connect(), header, body)
        return "%s, %s" % (reply["name"], reply["outcome"])

    def check_duplicate(self):
        s = self.connect()
        header, body = self.command()
        first = self.reply_to(s, header, body)
        again = dict(header, attempt=2)
        second = self.reply_to(s, again, body)
        expect(first == second, "the resend got %r, the first delivery %r" % (second, first))
        self.silent(s, "a second reply to one delivery")
        return "same reply to attempt 2"

    def check_routing(self):
        a, b = self.connect(), self.connect()
        header, body = self.command()
        first = self.reply_to(a, header, body)
        second = self.reply_to(b, dict(header, attempt=2), body)
        expect(first == second, "the resend on another connection got another reply")
        self.silent(a, "the resend on another connection (answered on the first)")
        return "answered where each delivery came from"

    def check_unknown_command(self):
        header, body = self.command(name="NoSuchCommand%s" % self.run_id)
        reply, out = self.reply_to(self.connect(), header, body)
        expect((reply["name"], reply["outcome"], reply.get("reason")) ==
               (wire.FAILURE, "failure", wire.UNKNOWN_COMMAND),
               "got %s/%s/%s" % (reply["name"], reply["outcome"], reply.get("reason")))
        expect(out == b"", "a non-empty body")
        return "Failure, unknown_command"

    def check_undecodable_body(self):
        s = self.connect()
        header, body = self.command()
        for bad in (b"{not json", b"[1, 2]"):
            reply, _ = self.reply_to(s, header, bad)
            expect((reply["name"], reply.get("reason")) == (wire.FAILURE, wire.MALFORMED_COMMAND),
                   "body %r got %s/%s" % (bad, reply["name"], reply.get("reason")))
        reply, _ = self.reply_to(s, dict(header, attempt=2), body)
        expect(reply.get("reason") != wire.MALFORMED_COMMAND,
               "the malformed_command was stored: a valid resend got it again")
        return "Failure, malformed_command, not stored"

    def check_unknown_fields(self):
        header, body = self.command()
        header["x_future_field"] = {"nested": [1, 2]}
        value = json.loads(body)
        value["x_future_member"] = "ignored"
        reply, _ = self.reply_to(self.connect(), header, json.dumps(value).encode())
        expect(reply.get("reason") != wire.MALFORMED_COMMAND,
               "an unknown header field or body member made the command malformed")
        return "%s, %s" % (reply["name"], reply["outcome"])

    def check_null_compensation(self):
        if not self.o.compensation:
            raise NotApplicable("no --compensation")
        header, body = self.command(self.o.compensation, self.fill(self.o.compensation_body),
                                    compensation=True)
        reply, _ = self.reply_to(self.connect(), header, body)
        expect(reply["outcome"] == "success", "a compensation whose action never ran got %s/%s"
               % (reply["outcome"], reply.get("reason")))
        return "%s, success" % reply["name"]

    def check_hanging_action(self):
        if not self.o.compensation:
            raise NotApplicable("no --compensation")
        s = self.connect()
        saga = "%s-hanging" % self.run_id
        header, body = self.command(self.o.compensation, self.fill(self.o.compensation_body),
                                    compensation=True, saga_id=saga)
        self.reply_to(s, header, body)
        header, body = self.command(saga_id=saga)
        reply, _ = self.reply_to(s, header, body)
        expect((reply["outcome"], reply.get("reason")) == ("failure", wire.COMPENSATED),
               "the action after its compensation got %s/%s" % (reply["outcome"],
                                                               reply.get("reason")))
        return "failure, compensated"

    def check_malformed_frames(self):
        s = self.connect()
        header, body = self.command()
        h = wire.encode_header(header)
        without = lambda key: json.dumps({k: v for k, v in header.items() if k != key}).encode()  # noqa: E731
        cases = {
            "2 frames": [wire.TAG, h],
            "4 frames": [wire.TAG, h, body, b"extra"],
            "tag saga/2": [b"saga/2", h, body],
            "header not JSON": [wire.TAG, b"{kind: command", body],
            "header not UTF-8": [wire.TAG, b'{"kind":"\xff"}', body],
            "header an array": [wire.TAG, b"[]", body],
            "no saga_id": [wire.TAG, without("saga_id"), body],
            "no content_type": [wire.TAG, without("content_type"), body],
            "attempt 0": [wire.TAG, json.dumps(dict(header, attempt=0)).encode(), body],
            "kind event": [wire.TAG, json.dumps(dict(header, kind="event")).encode(), body],
            "content_type text/plain":
                [wire.TAG, json.dumps(dict(header, content_type="text/plain")).encode(), body],
        }
        for frames in cases.values():
            s.send_multipart(frames)
        self.silent(s, "a malformed message")
        self.alive()
        return "%d kinds dropped, still serving" % len(cases)

    def check_forged_reply(self):
        s = self.connect()
        header, body = self.command()
        forged = {"kind": "reply", "message_id": header["message_id"] + ":forged",
                  "saga_id": header["saga_id"], "name": "Forged",
                  "correlation_id": header["message_id"], "outcome": "success",
                  "content_type": wire.JSON}
        self.send(s, forged, b"{}")
        self.silent(s, "a reply sent to the participant")
        reply, _ = self.reply_to(s, header, body)  # the forged reply did not answer it
        expect(reply["name"] != "Forged", "the forged reply was taken as the answer")
        return "dropped; the real command still handled"

    def check_oversized_body(self):
        s = self.connect()
        header, _ = self.command()
        self.send(s, header, b" " * (self.o.max_body + 1))
        self.silent(s, "a body over the limit")
        self.alive()
        return "%d bytes dropped" % (self.o.max_body + 1)

    def check_oversized_header(self):
        s = self.connect()
        header, body = self.command()
        self.send(s, dict(header, trace_id="x" * wire.MAX_HEADER_BYTES), body)
        self.silent(s, "a header over 64 KiB")
        self.alive()
        return "dropped"

    def check_silent_orchestrator(self):
        s = self.connect()
        header, body = self.command()
        self.send(s, header, body)
        s.close(1000)  # gone before the reply: it is lost
        self.sockets.remove(s)
        time.sleep(self.o.quiet_ms / 1000)
        s = self.connect()
        first = self.reply_to(s, dict(header, attempt=2), body)
        second = self.reply_to(s, dict(header, attempt=3), body)
        expect(first == second, "resends after a lost reply got different replies")
        return "the resend got the stored reply"

    def check_slow_orchestrator(self, count=50):
        s = self.connect()
        sent = {}
        for _ in range(count):
            header, body = self.command()
            sent[header["message_id"]] = header
            self.send(s, header, body)
        time.sleep(self.o.quiet_ms / 1000)  # not reading: the replies queue up
        seen = []
        while len(seen) < count:
            got = self.receive(s, self.o.timeout_ms)
            expect(got is not None, "%d of %d replies" % (len(seen), count))
            expect(got[0]["correlation_id"] in sent, "a reply to a command never sent")
            self.check_reply(sent[got[0]["correlation_id"]], *got)
            seen.append(got[0]["correlation_id"])
        expect(len(set(seen)) == count, "a command answered twice")
        self.silent(s, "an extra reply")
        return "%d commands, each answered once" % count

    def check_idle_connection(self):
        s = self.connect()
        time.sleep(4 * self.o.quiet_ms / 1000)
        header, body = self.command()
        self.reply_to(s, header, body)
        return "answered after %d ms of silence" % (4 * self.o.quiet_ms)


CHECKS = [
    ("reply: fields, correlation, content type", "check_reply_fields"),
    ("duplicate: same message_id, same reply", "check_duplicate"),
    ("routing: reply to where it came from", "check_routing"),
    ("unknown command: Failure reply", "check_unknown_command"),
    ("undecodable body: malformed_command", "check_undecodable_body"),
    ("unknown header field, body member: ignored", "check_unknown_fields"),
    ("barrier: null compensation", "check_null_compensation"),
    ("barrier: action after compensation", "check_hanging_action"),
    ("malformed frames: dropped, no reply", "check_malformed_frames"),
    ("stale or forged reply: dropped", "check_forged_reply"),
    ("oversized body: dropped", "check_oversized_body"),
    ("oversized header: dropped", "check_oversized_header"),
    ("orchestrator silent: lost reply resent", "check_silent_orchestrator"),
    ("orchestrator slow: replies queue up", "check_slow_orchestrator"),
    ("orchestrator idle, then a command", "check_idle_connection"),
]


def run(options, endpoint, child=None):
    kit = Kit(options, endpoint)
    rows, failed = [], 0
    try:
        for title, method in CHECKS:
            if child is not None and child.poll() is not None:
                rows.append((title, "FAIL", "the participant exited (%d)" % child.returncode))
                failed += 1
                continue
            try:
                rows.append((title, "PASS", getattr(kit, method)()))
            except NotApplicable as e:
                rows.append((title, "n/a", str(e)))
            except Failed as e:
                rows.append((title, "FAIL", str(e)))
                failed += 1
    finally:
        kit.close()
    print("saga/1 conformance of %s (command %s)" % (endpoint, options.command))
    print("  %-44s %-6s %s" % ("rule", "result", "detail"))
    for title, result, detail in rows:
        print("  %-44s %-6s %s" % (title, result, detail))
    passed = sum(1 for r in rows if r[1] == "PASS")
    print("%d passed, %d failed, %d not applicable" % (passed, failed,
                                                         len(rows) - passed - failed))
    return 1 if failed else 0


def spawn(program):
    # stdin stays open until the end: some participants stop when it closes.
    child = subprocess.Popen(program, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = child.stdout.readline()
    if not line.startswith("READY "):
        child.kill()
        child.wait()
        sys.exit("saga_conformance: %s did not print READY <endpoint> (got %r)"
                 % (program[0], line))
    return child, line.split()[1]


def main(argv):
    program = []
    if "--" in argv:
        program = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    parser = argparse.ArgumentParser(description="saga/1 conformance kit")
    parser.add_argument("--endpoint")
    parser.add_argument("--spawn", action="store_true")
    parser.add_argument("--command", required=True)
    parser.add_argument("--body", required=True)
    parser.add_argument("--compensation")
    parser.add_argument("--compensation-body", default="{}")
    parser.add_argument("--step", default="check")
    parser.add_argument("--saga-type", default="conformance")
    parser.add_argument("--contracts")
    parser.add_argument("--max-body", type=int, default=wire.MAX_BODY_BYTES)
    parser.add_argument("--timeout-ms", type=int, default=3000)
    parser.add_argument("--quiet-ms", type=int, default=300)
    options = parser.parse_args(argv)
    if options.spawn == bool(options.endpoint) or options.spawn != bool(program):
        parser.error("give --endpoint EP, or --spawn and -- PROGRAM ARGS")
    if not options.spawn:
        return run(options, options.endpoint)
    child, endpoint = spawn(program)
    try:
        code = run(options, endpoint, child)
    finally:
        child.stdin.close()
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    if child.returncode not in (0, -signal.SIGTERM):
        print("the participant exited with %d" % child.returncode)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
