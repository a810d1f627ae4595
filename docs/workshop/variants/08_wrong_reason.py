#!/usr/bin/env python3
"""Kept wrong solution (exercise 8): the reference solution, but a declined card's failure
carries the reason "declined" instead of "card_declined"."""
import importlib.util
import os
import sys

spec = importlib.util.spec_from_file_location(
    "solution", os.path.join(os.path.dirname(__file__), "..", "solutions",
                             "08_accounting_participant.py"))
solution = importlib.util.module_from_spec(spec)
spec.loader.exec_module(solution)
right = solution.reply_header


def reply_header(command, name, outcome, reason=None):
    return right(command, name, outcome, "declined" if reason == "card_declined" else reason)


solution.reply_header = reply_header
if __name__ == "__main__":
    sys.exit(solution.main())
