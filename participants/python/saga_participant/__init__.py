"""saga_participant: a saga/1 participant library in Python (docs/protocol.md).

    from saga_participant import Participant, success, failure

    p = Participant("tcp://127.0.0.1:0", "accounting.db", contracts=contracts.load(path))
    p.on("AuthorizeCard", lambda body, ctx: success("CardAuthorized", {"transaction_id": "t"}))
    p.run()

Needs python3-zmq; everything else is the standard library (sqlite3, json).
"""
from . import contracts, events, wire
from .participant import Context, Participant, Reply, failure, success

__all__ = ["Context", "Participant", "Reply", "contracts", "events", "failure", "success",
           "wire"]
