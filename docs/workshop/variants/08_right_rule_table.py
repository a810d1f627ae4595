#!/usr/bin/env python3
"""A second right solution (exercise 8): the reference's socket loop and inbox, with reply
headers and card rules written another way (a table of rules, another reply id and transaction id)."""
import importlib.util
import json
import os
import sys
import time

spec = importlib.util.spec_from_file_location(
    "solution", os.path.join(os.path.dirname(__file__), "..", "solutions",
                             "08_accounting_participant.py"))
solution = importlib.util.module_from_spec(spec)
spec.loader.exec_module(solution)


def reply_header(command, name, outcome, reason=None):
    header = dict(kind="reply", name=name, outcome=outcome, content_type="application/json",
                  message_id="r-" + command["message_id"], correlation_id=command["message_id"])
    for key in ("saga_id", "trace_id"):
        if key in command:
            header[key] = command[key]
    if outcome == "failure":
        header["reason"] = reason
    return header


def authorize(db, command, card):
    expires, limit = solution.CARDS.get(card["consumer_id"], ("", -1))
    rules = [(limit < card["amount_cents"], "card_declined"),
             (expires < time.strftime("%Y-%m"), "card_expired")]
    for broken, reason in rules:
        if broken:
            body = json.dumps({"reason": reason}).encode()
            return reply_header(command, "CardDeclined", "failure", reason), body
    txn = "t%d-%d" % (card["consumer_id"], card["order_id"])
    db.execute("INSERT INTO authorizations (order_id, consumer_id, amount_cents, transaction_id)"
               " VALUES (?, ?, ?, ?)",
               (card["order_id"], card["consumer_id"], card["amount_cents"], txn))
    return reply_header(command, "CardAuthorized", "success"), \
        json.dumps({"transaction_id": txn}).encode()


solution.reply_header = reply_header
solution.authorize = authorize
if __name__ == "__main__":
    sys.exit(solution.main())
