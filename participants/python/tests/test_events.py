"""send_event (saga_participant.events) over real ZeroMQ sockets: the frames it sends, the same
event sent again until an answer comes, accepted and refused answers, and a timeout.

The orchestrator's side is a ROUTER in this test that answers as docs/protocol.md ("Events")
says the engine does (the engine's own end-to-end test is C++: tests/integration).
Run: python3 -m unittest discover -s participants/python/tests
"""
import json
import os
import sys
import threading
import unittest

import zmq

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from saga_participant import events, wire  # noqa: E402


class Orchestrator(threading.Thread):
    """Binds a ROUTER; ignores the first `ignore` events, then answers with `answer(header)`."""

    def __init__(self, context, answer, ignore=0):
        super().__init__(daemon=True)
        self.socket = context.socket(zmq.ROUTER)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.bind("tcp://127.0.0.1:*")
        self.endpoint = self.socket.getsockopt(zmq.LAST_ENDPOINT).decode()
        self.answer, self.ignore, self.received = answer, ignore, []

    def run(self):
        while self.socket.poll(3000, zmq.POLLIN):
            route, tag, header, body = self.socket.recv_multipart()
            self.received.append((tag, json.loads(header), body))
            if len(self.received) <= self.ignore:
                continue
            reply_header, reply_body = self.answer(json.loads(header))
            self.socket.send_multipart([route, wire.TAG, wire.encode_header(reply_header),
                                        reply_body])
            return


def accepted(header):
    return ({"kind": "reply", "message_id": "ack/" + header["message_id"], "saga_id": "order-42",
             "name": "EventAccepted", "correlation_id": header["message_id"],
             "outcome": "success", "content_type": wire.JSON},
            b'{"disposition":"consumed","saga_id":"order-42"}')


def refused(header):
    return ({"kind": "reply", "message_id": "ack/" + header["message_id"], "saga_id": "-",
             "name": "EventRefused", "correlation_id": header["message_id"], "outcome": "failure",
             "reason": "not_found: event 'TicketAccepted': no running saga has the key 'order:9'"},
            b"")


class SendEventTest(unittest.TestCase):
    def setUp(self):
        self.context = zmq.Context()

    def tearDown(self):
        self.context.term()

    def test_an_event_by_key_is_sent_as_the_protocol_says_and_resent_until_answered(self):
        orchestrator = Orchestrator(self.context, accepted, ignore=2)
        orchestrator.start()
        answer = events.send_event(orchestrator.endpoint, "TicketAccepted", "ticket-accepted-42",
                                   {"order_id": 42, "ticket_id": 7}, key="order:42",
                                   resend_ms=100, context=self.context)
        orchestrator.join()
        orchestrator.socket.close()
        self.assertEqual(answer, events.EventAnswer(True, "consumed", "order-42", ""))
        self.assertEqual(len(orchestrator.received), 3)  # two unanswered sends, then the answer
        for tag, header, body in orchestrator.received:
            self.assertEqual(tag, wire.TAG)
            self.assertEqual(header, {"kind": "event", "message_id": "ticket-accepted-42",
                                      "name": "TicketAccepted", "event_key": "order:42",
                                      "content_type": wire.JSON})
            self.assertEqual(json.loads(body), {"order_id": 42, "ticket_id": 7})

    def test_a_refusal_is_returned_with_its_reason(self):
        orchestrator = Orchestrator(self.context, refused)
        orchestrator.start()
        answer = events.send_event(orchestrator.endpoint, "TicketAccepted", "e-9", b"\x01\x02",
                                   saga_id="order-9", context=self.context)
        orchestrator.join()
        orchestrator.socket.close()
        self.assertFalse(answer.accepted)
        self.assertTrue(answer.reason.startswith("not_found: "), answer.reason)
        tag, header, body = orchestrator.received[0]
        self.assertEqual(header["saga_id"], "order-9")
        self.assertNotIn("event_key", header)
        self.assertEqual(header["content_type"], wire.BINARY)
        self.assertEqual(body, b"\x01\x02")

    def test_no_answer_is_a_timeout(self):
        orchestrator = Orchestrator(self.context, accepted, ignore=1000)
        orchestrator.start()
        with self.assertRaises(TimeoutError):
            events.send_event(orchestrator.endpoint, "TicketAccepted", "e-1", {}, saga_id="s",
                              timeout_ms=300, resend_ms=100, context=self.context)
        self.assertGreaterEqual(len(orchestrator.received), 2)
        orchestrator.socket.close()

    def test_a_bad_event_is_refused_before_it_is_sent(self):
        with self.assertRaises(ValueError):
            events.event_frames("TicketAccepted", "e-1", {}, saga_id="s", key="k")
        with self.assertRaises(ValueError):
            events.event_frames("TicketAccepted", "", {}, saga_id="s")


if __name__ == "__main__":
    unittest.main()
