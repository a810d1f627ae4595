#!/usr/bin/env python3
"""Goal: exercise 8 — the student's Accounting participant, in Python, takes part in every
walkthrough saga of the Create Order example, and applies each authorization once.
Method: starts the example's Consumer and Kitchen services and the student's script on
tcp://127.0.0.1:0 (each prints "READY <endpoint>"), then the example's orchestrator process
(the Order service) pointed at them; it places the 8 walkthrough orders and exits 0 when every
saga ended as expected. Then reads the script's database. Exits 77 (skipped) when python3-zmq is
missing.

Usage: 08_python_participant_check.py DEMO_BINARY PARTICIPANT_SCRIPT WORK_DIR
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import time

PYTHON = "/usr/bin/python3"


def start(args, name):
    p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    if not line.startswith("READY "):
        p.kill()
        sys.exit("FAIL: %s did not print READY <endpoint> (got %r)" % (name, line))
    return p, line.split()[1]


def main():
    demo, script, work = sys.argv[1], sys.argv[2], sys.argv[3]
    if subprocess.call([PYTHON, "-c", "import zmq"], stderr=subprocess.DEVNULL) != 0:
        print("SKIP: python3-zmq is not installed (apt-get install python3-zmq)")
        return 77
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    db = lambda name: os.path.join(work, name + ".db")  # noqa: E731
    running = []
    try:
        consumer, consumer_ep = start([demo, "--service", "consumer", "--bind", "tcp://127.0.0.1:0",
                                       "--db", db("consumer")], "consumer")
        running.append(consumer)
        kitchen, kitchen_ep = start([demo, "--service", "kitchen", "--bind", "tcp://127.0.0.1:0",
                                     "--db", db("kitchen")], "kitchen")
        running.append(kitchen)
        accounting, accounting_ep = start([PYTHON, script, "tcp://127.0.0.1:0", db("accounting")],
                                          "your participant")
        running.append(accounting)
        orchestrator = subprocess.Popen(
            [demo, "--service", "orchestrator", "--db", db("orchestrator"),
             "--bind", "tcp://127.0.0.1:0",
             "--consumer", consumer_ep, "--kitchen", kitchen_ep,
             "--accounting", accounting_ep, "--reply-timeout-ms", "300"],
            stdout=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while orchestrator.poll() is None:
            if accounting.poll() is not None or time.monotonic() > deadline:
                orchestrator.kill()
                orchestrator.wait()
                if accounting.poll() is not None:
                    print("FAIL: your participant exited (code %d)" % accounting.returncode)
                else:
                    print("FAIL: the sagas did not end within 60 s: does your participant answer "
                          "every AuthorizeCard, with the reply header saga/1 expects?")
                return 1
            time.sleep(0.1)
        print(orchestrator.stdout.read())
        if orchestrator.returncode != 0:
            print("FAIL: some saga did not end as expected (see the lines above)")
            return 1
    finally:
        for p in running:
            p.stdin.close()
            p.terminate()
            p.wait()
    # Each approved order was authorized exactly once, with its amount (1, 5 and their repeats).
    with sqlite3.connect(db("accounting")) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        if "authorizations" not in tables:
            print("FAIL: no authorizations table in your participant's database")
            return 1
        orders = sorted(r[0] for r in conn.execute("SELECT order_id FROM authorizations"))
    with sqlite3.connect(db("orchestrator")) as conn:  # orders and the engine's tables
        approved = sorted(r[0] for r in conn.execute(
            "SELECT id FROM orders WHERE state = 'APPROVED'"))
    if orders != approved:
        print("FAIL: authorizations for orders %s, but the approved orders are %s"
              % (orders, approved))
        return 1
    print("OK: %d sagas, authorizations for orders %s" % (8, orders))
    return 0


if __name__ == "__main__":
    sys.exit(main())
