#!/usr/bin/env python3
"""Exercise 8 — reference solution: the Create Order example's Accounting service in Python.

Usage: 08_accounting_participant.py ENDPOINT DATABASE
Binds a ZeroMQ ROUTER on ENDPOINT, prints "READY <endpoint>", serves until stdin closes or it
is killed. Speaks saga/1 (docs/protocol.md): frames [identity, "saga/1", header JSON, body];
AuthorizeCard arrives with a JSON body, and the reply carries a JSON body too.
"""
import json
import sqlite3
import sys
import time

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


def authorize(db, command, card):
    """The business rule: returns (header, body) and writes the authorization, if any."""
    expires, limit_cents = CARDS.get(card["consumer_id"], (None, 0))
    if expires is None or card["amount_cents"] > limit_cents:
        return reply_header(command, "CardDeclined", "failure", "card_declined"), \
            json.dumps({"reason": "card_declined"}).encode()
    if expires < time.strftime("%Y-%m"):
        return reply_header(command, "CardDeclined", "failure", "card_expired"), \
            json.dumps({"reason": "card_expired"}).encode()
    transaction_id = "txn-%d" % card["order_id"]
    db.execute("INSERT INTO authorizations VALUES (?, ?, ?, ?)",
               (card["order_id"], card["consumer_id"], card["amount_cents"], transaction_id))
    return reply_header(command, "CardAuthorized", "success"), \
        json.dumps({"transaction_id": transaction_id}).encode()


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
