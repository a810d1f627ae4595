#!/usr/bin/env python3
"""Exercise 8 — the Create Order example's Accounting service, in Python
(docs/workshop/08-python-participant.md).

Usage: 08_accounting_participant.py ENDPOINT DATABASE
Binds a ZeroMQ ROUTER on ENDPOINT, prints "READY <endpoint>", serves until stdin closes or it
is killed. Speaks saga/1 (docs/protocol.md): frames [identity, "saga/1", header JSON, body];
AuthorizeCard arrives with a JSON body, and the reply carries a JSON body too.
"""
import json
import sqlite3
import sys

import zmq

TAG = b"saga/1"

# The example's cards (examples/create_order/seed_data.h): consumer -> (expires, limit_cents).
CARDS = {1: ("2099-12", 50000), 2: ("2099-12", 2000), 3: ("2099-12", 50000), 4: ("2020-01", 50000)}


def open_db(path):
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE IF NOT EXISTS inbox (message_id TEXT PRIMARY KEY, header TEXT, body BLOB)")
    db.execute("CREATE TABLE IF NOT EXISTS authorizations (order_id INTEGER PRIMARY KEY,"
               " consumer_id INTEGER, amount_cents INTEGER, transaction_id TEXT)")
    return db


def reply_header(command, name, outcome, reason=None):
    """The saga/1 header (a dict) of the reply to `command`: kind, message_id, saga_id, name,
    correlation_id, outcome, content_type, and reason on a failure. See docs/protocol.md."""
    raise NotImplementedError("TODO(exercise 8): the reply header")


def authorize(db, command, card):
    """The business rule for one AuthorizeCard (`card` is its JSON body, decoded): returns
    (header, body bytes) of the reply, and records an authorization when it succeeds.
      no card, or amount over the card's limit -> failure CardDeclined, reason card_declined
      card expired (before the current month) -> failure CardDeclined, reason card_expired
      otherwise -> insert into authorizations, success CardAuthorized {"transaction_id": ...}
    A CardDeclined body is {"reason": ...}."""
    raise NotImplementedError("TODO(exercise 8): authorize the card")


def handle(db, command, body):
    """Returns (header, body) of the reply: from the inbox for a resend, else by running it."""
    row = db.execute("SELECT header, body FROM inbox WHERE message_id = ?",
                     (command["message_id"],)).fetchone()
    if row is not None:
        return json.loads(row[0]), row[1]
    db.execute("BEGIN IMMEDIATE")
    try:
        if command["name"] != "AuthorizeCard":
            header, out = reply_header(command, "Failure", "failure", "unknown_command"), b""
        else:
            header, out = authorize(db, command, json.loads(body))
        db.execute("INSERT INTO inbox VALUES (?, ?, ?)",
                   (command["message_id"], json.dumps(header), out))
        db.execute("COMMIT")
    except Exception:
        db.execute("ROLLBACK")
        raise
    return header, out


def main():
    endpoint, path = sys.argv[1], sys.argv[2]
    db = open_db(path)
    context = zmq.Context()
    router = context.socket(zmq.ROUTER)
    router.setsockopt(zmq.LINGER, 100)
    router.bind(endpoint)
    print("READY " + router.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)
    poller = zmq.Poller()
    poller.register(router, zmq.POLLIN)
    poller.register(sys.stdin, zmq.POLLIN)
    while True:
        ready = dict(poller.poll())
        if sys.stdin.fileno() in ready or sys.stdin in ready:
            return  # stdin closed: stop
        if router not in ready:
            continue
        frames = router.recv_multipart()
        if len(frames) != 4 or frames[1] != TAG:
            continue  # not saga/1: dropped
        try:
            command = json.loads(frames[2].decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            continue
        if command.get("kind") != "command" or "message_id" not in command:
            continue
        header, out = handle(db, command, frames[3])
        router.send_multipart([frames[0], TAG, json.dumps(header).encode(), out])


if __name__ == "__main__":
    main()
