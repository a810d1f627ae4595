#!/usr/bin/env python3
"""Kept wrong solution (exercise 8): the reference solution, but authorize() forgets the
card's limit: Bob's order over his limit is approved."""
import importlib.util
import os
import sys

spec = importlib.util.spec_from_file_location(
    "solution", os.path.join(os.path.dirname(__file__), "..", "solutions",
                             "08_accounting_participant.py"))
solution = importlib.util.module_from_spec(spec)
spec.loader.exec_module(solution)
# Every card as if it had no limit.
solution.CARDS = {consumer: (expires, 10 ** 12) for consumer, (expires, _) in solution.CARDS.items()}
if __name__ == "__main__":
    sys.exit(solution.main())
