#!/usr/bin/env python3
"""FTGO's Accounting service in Python, on the saga_participant library (participants/python).

The drop-in twin of accounting_service.cpp: same commands (AuthorizeCard, ReverseAuthorization,
ReviseAuthorization), same rules, same tables and seed rows -- read from the C++ service's
sources (accounting_service.cpp's kSchema, seed_data.h's kAccountingSeed), so the two cannot
drift -- and the same command line as `create_order_demo --service accounting`:

  accounting_service.py --service accounting --bind EP --db FILE [failure flags]
                        [--verbose | --log-level debug|info|warning|error]

Failure flags as failure_injection.h: --fail CMD:N[@SAGA] | CMD:always, --delay-ms CMD:MS[@SAGA],
--drop-replies CMD:N[@SAGA], --drop-hold-ms MS, --crash-after N. Prints "READY <endpoint>" and
serves until SIGTERM or SIGINT. Bodies are checked against the exported contract
(docs/contracts/ftgo.asyncapi.json). `create_order_demo --accounting python` runs it.
"""
import logging
import os
import re
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "participants", "python"))
from saga_participant import Participant, contracts, failure, success  # noqa: E402

INJECTED_FAILURE = "injected_failure"


def sql_from_source(path, name):
    """The raw SQL string constant `name` (R"sql(...)sql") of a C++ source file."""
    with open(os.path.join(HERE, path), encoding="utf-8") as f:
        match = re.search(name + r'\s*=\s*R"sql\((.*?)\)sql"', f.read(), re.S)
    if match is None:
        sys.exit("accounting_service.py: no %s in %s" % (name, path))
    return match.group(1)


class FailurePlan:
    """failure_injection.h's FailurePlan and FailureInjector, for one process."""

    def __init__(self):
        self.fail, self.drop, self.delay = [], [], {}
        self.hold_ms, self.crash_after, self.seen, self.used = 2500, 0, 0, {}

    @staticmethod
    def rule(value):
        saga = ""
        if "@" in value:
            value, saga = value.split("@", 1)
        command, count = value.split(":", 1)
        return [command, saga, -1 if count == "always" else int(count)]

    def apply(self, flag, value):
        if flag in ("--fail", "--drop-replies"):
            (self.fail if flag == "--fail" else self.drop).append(self.rule(value))
        elif flag == "--delay-ms":
            command, saga, ms = self.rule(value)
            self.delay[command + ("@" + saga if saga else "")] = ms
        elif flag == "--drop-hold-ms":
            self.hold_ms = int(value)
        elif flag == "--crash-after":
            self.crash_after = int(value)
        else:
            return False
        return True

    def take(self, kind, rules, command, saga_id):
        for i, (name, saga, times) in enumerate(rules):
            if name != command or (saga and saga != saga_id):
                continue
            used = self.used.get((kind, i), 0)
            if times != -1 and used >= times:
                continue
            self.used[(kind, i)] = used + 1
            return True
        return False

    def wrap(self, command, handler):
        def wrapped(body, ctx):
            self.seen += 1
            if self.crash_after and self.seen > self.crash_after:
                os._exit(137)  # as abrupt as kill -9: nothing committed, nothing flushed
            delay = self.delay.get(command + "@" + ctx.saga_id, self.delay.get(command, 0))
            if delay:
                time.sleep(delay / 1000)
            if self.take("fail", self.fail, command, ctx.saga_id):
                return failure(INJECTED_FAILURE)
            reply = handler(body, ctx)
            if self.take("drop", self.drop, command, ctx.saga_id):
                time.sleep(self.hold_ms / 1000)  # the reply misses the orchestrator's deadline
            return reply
        return wrapped


def decline(reason):
    return failure(reason, "CardDeclined", {"reason": reason})


def card_refusal(db, consumer_id, amount_cents):
    """Why the consumer's card cannot authorize amount_cents; None when it can."""
    card = db.execute("SELECT expires < strftime('%Y-%m', 'now'), limit_cents FROM cards "
                      "WHERE consumer_id = ?", (consumer_id,)).fetchone()
    if card is None:
        return "card_declined"
    if card[0]:
        return "card_expired"
    return "card_declined" if amount_cents > card[1] else None


def add_to_balance(db, consumer_id, delta_cents):
    """A commutative update of the consumer's balance (see accounting_service.cpp)."""
    db.execute("INSERT INTO consumer_balances (consumer_id, authorized_cents) VALUES (?, ?) "
               "ON CONFLICT (consumer_id) DO UPDATE SET authorized_cents = authorized_cents + "
               "excluded.authorized_cents", (consumer_id, delta_cents))


def authorize(c, ctx):
    why = card_refusal(ctx.db, c["consumer_id"], c["amount_cents"])
    if why:
        return decline(why)
    transaction_id = "txn-%d" % c["order_id"]
    ctx.db.execute("INSERT INTO authorizations VALUES (?, ?, ?, 'AUTHORIZED', ?)",
                   (c["order_id"], c["consumer_id"], c["amount_cents"], transaction_id))
    add_to_balance(ctx.db, c["consumer_id"], c["amount_cents"])
    return success("CardAuthorized", {"transaction_id": transaction_id})


def authorization_of(ctx, order_id):
    return ctx.db.execute("SELECT consumer_id, amount_cents, state, transaction_id "
                          "FROM authorizations WHERE order_id = ?", (order_id,)).fetchone()


def reverse(c, ctx):
    a = authorization_of(ctx, c["order_id"])
    if a is None:
        return failure("no_authorization")
    if a[2] != "AUTHORIZED":
        return failure("authorization_" + a[2])
    ctx.db.execute("UPDATE authorizations SET state = 'REVERSED' WHERE order_id = ?",
                   (c["order_id"],))
    add_to_balance(ctx.db, a[0], -a[1])
    return success("AuthorizationReversed", {"transaction_id": a[3], "amount_cents": a[1]})


def revise(c, ctx):
    a = authorization_of(ctx, c["order_id"])
    if a is None:
        return failure("no_authorization")
    if a[2] != "AUTHORIZED":
        return failure("authorization_" + a[2])
    why = card_refusal(ctx.db, c["consumer_id"], c["amount_cents"])
    if why:
        return decline(why)
    ctx.db.execute("UPDATE authorizations SET amount_cents = ? WHERE order_id = ?",
                   (c["amount_cents"], c["order_id"]))
    add_to_balance(ctx.db, a[0], c["amount_cents"] - a[1])
    return success("AuthorizationRevised",
                   {"transaction_id": a[3], "previous_amount_cents": a[1]})


def main(argv):
    flags, plan = {}, FailurePlan()
    args = iter(argv)
    for flag in args:
        if flag == "--verbose":  # as create_order_demo: --verbose is --log-level info
            flags["--log-level"] = "info"
            continue
        value = next(args, None)
        if value is None or not flag.startswith("--"):
            sys.exit("usage: accounting_service.py --service accounting --bind EP --db FILE "
                     "[failure flags]")
        if not plan.apply(flag, value):
            flags[flag] = value
    if flags.get("--service", "accounting") != "accounting" or "--bind" not in flags \
            or "--db" not in flags:
        sys.exit("usage: accounting_service.py --service accounting --bind EP --db FILE")
    level = flags.get("--log-level", "warning")
    if level not in ("debug", "info", "warning", "error"):
        sys.exit("accounting_service.py: --log-level takes debug, info, warning or error")
    logging.basicConfig(stream=sys.stderr, level=getattr(logging, level.upper()),
                        format="%(asctime)s [%(levelname)s] %(name)s: %(message)s")
    participant = Participant(
        flags["--bind"], flags["--db"],
        contracts=contracts.load(os.path.join(ROOT, "docs", "contracts", "ftgo.asyncapi.json")))
    participant.exec_schema(sql_from_source("accounting_service.cpp", "kSchema"))
    participant.exec_schema(sql_from_source("seed_data.h", "kAccountingSeed"))
    for name, handler in (("AuthorizeCard", authorize), ("ReverseAuthorization", reverse),
                          ("ReviseAuthorization", revise)):
        participant.on(name, plan.wrap(name, handler))
    signal.signal(signal.SIGTERM, lambda *_: participant.stop())
    signal.signal(signal.SIGINT, lambda *_: participant.stop())
    print("READY " + participant.endpoint, flush=True)
    participant.run()
    participant.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
