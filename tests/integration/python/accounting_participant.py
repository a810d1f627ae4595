#!/usr/bin/env python3
"""A saga/1 participant in Python: FTGO's Accounting service, speaking JSON bodies.

Usage: accounting_participant.py ENDPOINT DATABASE [LIMIT_CENTS]
Binds a ZeroMQ ROUTER on ENDPOINT (tcp://127.0.0.1:0 picks a port), prints "READY <endpoint>"
and serves until stdin closes or it is killed. Handles AuthorizeCard: declines amounts over
LIMIT_CENTS (default 10000) with reason "card_declined". Its SQLite database keeps an
idempotent inbox (message_id -> reply) written in the same transaction as the authorization,
so a redelivered command gets the stored reply and authorizes nothing twice.
A bare sketch without the participant library (participants/python has the real thing): it
takes part in whole sagas, but a body that is not JSON crashes it (protocol rule 5), which the
conformance kit's control test (conformance_catches_a_broken_participant) relies on.
"""
import json
import sqlite3
import sys

import zmq

TAG = b"saga/1"


def open_db(path):
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE IF NOT EXISTS inbox (message_id TEXT PRIMARY KEY, header TEXT, body BLOB)")
    db.execute("CREATE TABLE IF NOT EXISTS authorizations (order_id INTEGER PRIMARY KEY, amount_cents INTEGER)")
    return db


def reply_header(command, name, outcome, reason=None):
    header = {
        "kind": "reply",
        "message_id": command["message_id"] + ":reply",
        "saga_id": command["saga_id"],
        "name": name,
        "correlation_id": command["message_id"],
        "outcome": outcome,
        "content_type": "application/json",
    }
    if reason is not None:
        header["reason"] = reason
    if "trace_id" in command:
        header["trace_id"] = command["trace_id"]
    return header


def handle(db, command, body, limit_cents):
    """Returns (header, body) of the reply, from the inbox or by running the command."""
    row = db.execute("SELECT header, body FROM inbox WHERE message_id = ?",
                     (command["message_id"],)).fetchone()
    if row is not None:
        return json.loads(row[0]), row[1]
    db.execute("BEGIN IMMEDIATE")
    try:
        if command["name"] != "AuthorizeCard":
            header, out = reply_header(command, "Failure", "failure", "unknown_command"), b""
        elif command.get("content_type") != "application/json":
            header, out = reply_header(command, "Failure", "failure", "malformed_command"), b""
        else:
            card = json.loads(body)
            if card["amount_cents"] > limit_cents:
                header = reply_header(command, "CardDeclined", "failure", "card_declined")
                out = json.dumps({"reason": "over the card's limit"}).encode()
            else:
                db.execute("INSERT OR IGNORE INTO authorizations VALUES (?, ?)",
                           (card["order_id"], card["amount_cents"]))
                header = reply_header(command, "CardAuthorized", "success")
                out = json.dumps({"transaction_id": "tx-%d" % card["order_id"]}).encode()
        db.execute("INSERT INTO inbox VALUES (?, ?, ?)",
                   (command["message_id"], json.dumps(header), out))
        db.execute("COMMIT")
    except Exception:
        db.execute("ROLLBACK")
        raise
    return header, out


def main():
    endpoint, path = sys.argv[1], sys.argv[2]
    limit_cents = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
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
            return  # the test closed our stdin: stop
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
        header, out = handle(db, command, frames[3], limit_cents)
        router.send_multipart([frames[0], TAG, json.dumps(header).encode(), out])


if __name__ == "__main__":
    main()
